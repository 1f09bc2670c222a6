// The dynamic resources under pulumi.runtime.setMocks: what they send to the engine, and what their provider
// module (providers/hostModule.ts) holds.
import { strict as assert } from "node:assert";
import fs from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { repoRoot } from "../../../harness/repoRoot";
import { CpanelMailAccount } from "../../../components/imapHost/cpanelAccount";
import { DkimKeys, DkimSigningEnabled } from "../../../providers/graph/dkimSigning";
import { DomainVerification, TenantDomain } from "../../../providers/graph/tenantDomain";
import { dynamicType } from "../../../providers/hostModule";
import { MailboxMigration, endpointInputs, MAILBOX_MIGRATION, MAILBOX_MIGRATION_TYPE } from "../../../providers/mailboxMigration/resource";
import { NoticeDelivery } from "../../../providers/noticeDelivery/resource";
import { StakeholderReport } from "../../../providers/stakeholderReport/resource";
import { LocalDovecotAccount } from "../../../sandbox/localAccount";
import { LocalZoneRecord } from "../../../sandbox/localZoneRecord";
import { File } from "../../e2e/fixtures/fileResource";

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
    assert.equal(text, MAILBOX_MIGRATION.text, "one module text for every resource (the host loads it once)");
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
    );
    // the host loads the provider inside each operation's error handling, so this fails that operation
    assert.throws(
      () => lost.handler(),
      /MailboxMigration: the provider code is not at \/nonexistent\/a\.js nor at nowhere\/b\.js under .*Build the project \(npm run build\) and run pulumi from the mailshift folder/,
    );
  });

  // Every dynamic resource of the repository, with its type token as pulumi.dynamic.Resource gave it (an existing
  // stack must see the same resource) and the methods its operations module provides.
  const EVERY: { type: string; methods: string[]; make(pw: string, fromConfig: pulumi.Output<string>): void }[] = [
    {
      type: "pulumi-nodejs:dynamic/mailshift:LocalZoneRecord",
      methods: ["create", "diff", "update", "delete"],
      make: () => {
        const zone = { dir: "/tmp/z", origin: "example.com", nsdControl: "x", port: 1, headTtl: 60, ttlDivisor: 1 } as never;
        new LocalZoneRecord("zr", { zone, key: "mx", name: "example.com", type: "MX", content: "mail2.example.com", ttl: 300 });
      },
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:LocalDovecotAccount",
      methods: ["create", "diff", "update", "delete"],
      make: (pw) =>
        new LocalDovecotAccount("acct", {
          address: "bob@example.com",
          password: pw,
          passwdFile: "/p",
          maildirRoot: "/m",
          uid: "1",
          gid: "1",
        }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:CpanelMailAccount",
      methods: ["create", "diff", "update", "delete"],
      make: (pw, fromConfig) =>
        new CpanelMailAccount("cp", {
          url: "https://cp.example.com:2083",
          user: "acct",
          token: fromConfig,
          address: "bob@example.com",
          password: pw,
        }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:StakeholderReport",
      methods: ["create", "diff", "update"],
      make: () => new StakeholderReport("report", { file: "/tmp/report.html", data: {} as never }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:TenantDomain",
      methods: ["create", "diff", "update", "read"],
      make: (pw) => new TenantDomain("td", { domain: "example.com", tenantId: "t", clientId: "c", clientSecret: pw }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:DomainVerification",
      methods: ["create", "diff", "read"],
      make: (_pw, fromConfig) =>
        new DomainVerification("dv", {
          domain: "example.com",
          tenantId: "t",
          clientId: "c",
          clientSecret: fromConfig,
          txtRecordId: "r",
          verificationTxt: "MS=ms1",
          publishAt: "zone",
          ttl: 300,
        }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:DkimKeys",
      methods: ["create", "diff", "update", "read"],
      make: (pw) =>
        new DkimKeys("dk", { domain: "example.com", tenantId: "t", tenantDomain: "t.onmicrosoft.com", clientId: "c", clientSecret: pw }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:DkimSigningEnabled",
      methods: ["create", "diff", "read"],
      make: (_pw, fromConfig) =>
        new DkimSigningEnabled("de", {
          domain: "example.com",
          tenantId: "t",
          tenantDomain: "t.onmicrosoft.com",
          clientId: "c",
          clientSecret: fromConfig,
          cnameRecordIds: ["a"],
        }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:NoticeDelivery",
      methods: ["check", "create", "diff", "update", "delete"],
      make: (pw, fromConfig) =>
        new NoticeDelivery("notice", {
          stage: "cutover" as never,
          recipient: "bob@example.com",
          recipientName: "Bob",
          subject: "s",
          messageId: "<m@example.com>",
          from: { name: "IT", address: "it@example.com" },
          text: "t",
          html: "h",
          inboxHost: "old",
          appendTo: "bob",
          inbox: { host: "old.example.com", user: "bob", password: pw },
          backup: {
            address: "bob@home.example",
            relay: { host: "smtp.example.com", port: 587, secure: false, requireTls: true, user: "u", password: fromConfig },
          },
        }),
    },
    {
      type: "pulumi-nodejs:dynamic/smoke:File",
      methods: ["create", "diff", "update", "read", "delete"],
      make: () => new File("note", { path: "/tmp/note.txt", content: "c" }),
    },
    {
      type: "pulumi-nodejs:dynamic/mailshift:MailboxMigration",
      methods: ["check", "create", "diff", "update", "read", "delete"],
      make: () => construct(),
    },
  ];

  it("every dynamic resource registers the type token pulumi.dynamic.Resource gave it, with a module text that holds no secret and no config", async () => {
    const config = new pulumi.Config("providertest");
    for (const [i, e] of EVERY.entries()) e.make(PASSWORDS[i % 3]!, config.requireSecret("oldPassword"));
    await construct();
    await new Promise((r) => setTimeout(r, 100));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireFromString = require("require-from-string") as (code: string) => { handler(): Record<string, unknown> };
    for (const e of EVERY) {
      const r = registered.find((x) => x.type === e.type);
      assert.ok(r, `${e.type} was registered`);
      const text = r.inputs.__provider;
      assert.equal(typeof text, "string", `${e.type}: __provider is a plain string, not a secret`);
      for (const pw of PASSWORDS) assert.ok(!(text as string).includes(pw), `${e.type}: __provider contains ${pw}`);
      assert.ok(!/password|token|secret|imapflow/i.test(text as string), `${e.type}: no credential field, no engine code captured`);
      assert.ok((text as string).length < 2_000, `${e.type}: the module stays small in the state (${(text as string).length} chars)`);
      // the host's loader: the provider has exactly the methods the operations module provides
      const provider = requireFromString(text as string).handler();
      assert.deepEqual(Object.keys(provider).sort(), [...e.methods].sort(), `${e.type}: provider methods`);
    }
  });

  it("one way to declare a dynamic resource: every class extends DynamicResource and is in the list above", () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (["node_modules", "dist", ".git"].includes(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".ts") && !p.endsWith(path.join("unit", "provider", "resource.test.ts"))) sources.push(p);
      }
    };
    walk(repoRoot());
    const text = sources.map((f) => [f, fs.readFileSync(f, "utf8")] as const);
    const serialized = text.filter(([, t]) => /extends\s+(pulumi\.)?dynamic\.Resource\b/.test(t)).map(([f]) => f);
    assert.deepEqual(serialized, [], "these still go through Pulumi's closure serializer");
    const declared = text.flatMap(([, t]) => [...t.matchAll(/class (\w+) extends DynamicResource\b/g)].map((m) => m[1]));
    assert.equal(declared.length, EVERY.length, `declared: ${declared.join(", ")}`);
  });

  it("dynamicType is the token pulumi.dynamic.Resource gives for a module and a type name", async () => {
    class Probe extends pulumi.dynamic.Resource {}
    new Probe({ create: async () => ({ id: "p" }) }, "probe", {}, undefined, "mailshift", "Probe");
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 50 && !registered.some((x) => x.name === "probe"); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(registered.find((x) => x.name === "probe")?.type, dynamicType("mailshift", "Probe"));
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
