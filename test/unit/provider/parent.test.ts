// Sibling migrations under one component: the status URN must not make the parent a dependency, or the SDK
// widens it to every child of the parent and the siblings wait for each other forever.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { MailboxMigration } from "../../../providers/mailboxMigration/resource";

describe("MailboxMigration under a component parent (setMocks)", () => {
  before(() => {
    pulumi.runtime.setMocks(
      {
        newResource(args) {
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "mailshift",
      "parenttest",
      false,
    );
  });

  it("registers two sibling migrations without either waiting for the other, with the parent in their URNs", async () => {
    const parent = new pulumi.ComponentResource("mailshift:test:Group", "group");
    const make = (user: string) =>
      new MailboxMigration(
        `m-${user}`,
        {
          source: { host: "old.example.com", user, password: `old-${user}-pw` },
          destination: { host: "mail2.example.com", user, password: `new-${user}-pw` },
        },
        { parent },
      );
    const a = make("alice");
    const b = make("bob");
    const urns = Promise.all([a, b].map((m) => new Promise<string>((resolve) => m.urn.apply(resolve))));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("sibling migrations deadlocked")), 5000));
    const [ua, ub] = await Promise.race([urns, timeout]);
    assert.match(ua, /mailshift:test:Group\$pulumi-nodejs:dynamic\/mailshift:MailboxMigration::m-alice$/);
    assert.match(ub, /::m-bob$/);
  });
});
