// The resource under pulumi.runtime.setMocks: what it sends to the engine, and what its provider module holds.
import { strict as assert } from "node:assert";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { repoRoot } from "../../../harness/repoRoot";
import { MailboxMigration, endpointInputs, MAILBOX_MIGRATION_TYPE } from "../../../providers/mailboxMigration/resource";
import { MAILBOX_MIGRATION_PROVIDER } from "../../../providers/mailboxMigration/provider";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const PASSWORDS = ["src-Passw0rd-unique", "dst-Passw0rd-unique", "client-secret-unique", "config-secret-unique"];

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

describe("MailboxMigration resource (setMocks)", () => {
  const registered: Registered[] = [];
  before(() => {
    pulumi.runtime.setMocks(
      {
        newResource(args) {
          registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "mailshift",
      "test",
      false,
    );
    // a secret in the stack config (its own namespace, restored after): the provider must not capture config either
    savedConfig = { ...pulumi.runtime.allConfig() };
    pulumi.runtime.setAllConfig({ ...savedConfig, "providertest:oldPassword": PASSWORDS[3] }, ["providertest:oldPassword"]);
  });
  let savedConfig: Record<string, string> = {};
  after(() => pulumi.runtime.setAllConfig(savedConfig, []));

  let constructed: Promise<Registered> | undefined;
  const construct = () => (constructed ??= constructOnce());
  async function constructOnce(): Promise<Registered> {
    const config = new pulumi.Config("providertest");
    const m = new MailboxMigration("bob", {
      source: { host: "old.example.com", port: 143, tls: "starttls", user: "bob", password: PASSWORDS[0] },
      destination: { host: "mail2.example.com", user: "bob", password: config.requireSecret("oldPassword").apply(() => PASSWORDS[1]) },
      syncGeneration: 2,
    });
    new MailboxMigration("carol", {
      source: { host: "old.example.com", user: "carol", password: config.requireSecret("oldPassword") },
      destination: {
        host: "outlook.office365.com",
        user: "carol@example.com",
        oauth2: { tenantId: "t", clientId: "c", clientSecret: PASSWORDS[2] },
      },
    });
    await new Promise<void>((resolve) => m.urn.apply(() => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    const r = registered.find((x) => x.name === "bob");
    assert.ok(r, "the resource was registered");
    return r;
  }

  it("registers as pulumi-nodejs:dynamic/mailshift:MailboxMigration with its URN as statusUrn", async () => {
    const r = await construct();
    assert.equal(r.type, MAILBOX_MIGRATION_TYPE);
    assert.equal(r.inputs.statusUrn, `urn:pulumi:test::mailshift::${MAILBOX_MIGRATION_TYPE}::bob`);
    assert.equal(r.inputs.syncGeneration, 2);
  });

  it("the provider module (__provider) holds no secret, no credential, no config", async () => {
    await construct();
    for (const r of registered) {
      const text = r.inputs.__provider;
      assert.equal(typeof text, "string", "__provider is a plain string, not a secret");
      for (const pw of PASSWORDS) assert.ok(!(text as string).includes(pw), `${r.name}: __provider contains ${pw}`);
      assert.ok(!/imapflow|password/i.test(text as string), "no engine code, no credential field is captured");
      assert.match(text as string, /operations\.js/, "the provider loads its operations at call time");
    }
    const text = (await construct()).inputs.__provider as string;
    assert.equal(text, MAILBOX_MIGRATION_PROVIDER, "one module text for every resource (the host loads it once)");
    assert.ok(text.length < 2_000, `the provider module stays small in the state (${text.length} chars)`);
  });

  it("the provider module runs where the host evaluates it, and finds its code again after the checkout moved", async () => {
    const text = (await construct()).inputs.__provider as string;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };
    const news = {
      source: { host: "h", port: 0, user: "u", password: "pw-x-1" },
      destination: { host: "h2", user: "u", password: "pw-x-2" },
    };
    const here = requireFromString(text).handler();
    assert.deepEqual((await here.check!({}, news)).failures, [
      { property: "source.port", reason: "must be a whole number from 1 to 65535, not 0" },
    ]);
    // the absolute path of the old checkout is gone: the project-relative path under the current folder is used
    const absolute = JSON.stringify(path.join(repoRoot(), "dist", "providers", "mailboxMigration", "operations.js"));
    assert.ok(text.includes(absolute), "the absolute path is captured");
    const moved = requireFromString(text.split(absolute).join(JSON.stringify("/nonexistent/old-checkout/operations.js"))).handler();
    assert.equal((await moved.check!({}, news)).failures?.length, 1);
    const lost = requireFromString(
      text
        .split(absolute)
        .join(JSON.stringify("/nonexistent/a.js"))
        .split(JSON.stringify("dist/providers/mailboxMigration/operations.js"))
        .join(JSON.stringify("nowhere/b.js")),
    ).handler();
    await assert.rejects(
      () => lost.check!({}, news),
      /MailboxMigration: the provider code is not at \/nonexistent\/a\.js nor at nowhere\/b\.js under .*Build the project \(npm run build\) and run pulumi from the mailshift folder/,
    );
  });

  it("credentials go to the engine as secrets, even when given as plain strings", async () => {
    const r = await construct();
    const source = r.inputs.source as Record<string, unknown>;
    // the mock monitor lifts a nested secret to its top-level property: the endpoint arrives wrapped
    assert.equal(source[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
    const carol = registered.find((x) => x.name === "carol")!;
    assert.equal((carol.inputs.destination as Record<string, unknown>)[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
  });

  it("marks only the credential fields secret, so host and user stay readable in previews", async () => {
    const e = endpointInputs({
      host: "h",
      user: "u",
      password: "pw-plain-1",
      oauth2: { tenantId: "t", clientId: "c", clientSecret: "cs-plain-1" },
    });
    assert.equal(e.host, "h");
    assert.equal(e.user, "u");
    assert.equal(await pulumi.isSecret(e.password as pulumi.Output<string>), true);
    const oauth2 = e.oauth2 as Record<string, unknown>;
    assert.equal(oauth2.tenantId, "t");
    assert.equal(await pulumi.isSecret(oauth2.clientSecret as pulumi.Output<string>), true);
  });
});
