// The migrations under pulumi.runtime.setMocks: the whole program for every stage of both example stacks (one
// MailboxMigration per mailbox from copy on, its endpoints and syncGeneration), and the Migrations component
// alone for what the program cannot show (dependsOn, the errors of a missing credential or account).
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { EXCHANGE_IMAP, Migrations, migrationEndpoints, MigrationWiringError } from "../../components/migrations";
import type { PlannedMigration } from "../../plan/plan";
import { STAGES } from "../../plan/types";
import { MAILBOX_MIGRATION_TYPE } from "../../providers/mailboxMigration/resource";
import { stackConfig, STACKS } from "../unit/plan/stackFiles";
import { configFor, OLD_ADMIN_PASSWORD, runProgram, secretValue } from "./runProgram";

/** An endpoint as the engine receives it; under mocks the secret password makes the whole object a secret. */
function endpoint(v: unknown): { fields: Record<string, unknown>; whole: boolean; secret: (k: string) => unknown } {
  const w = v as Record<string, unknown>;
  const whole = w[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
  const fields = (whole ? w.value : w) as Record<string, unknown>;
  return { fields, whole, secret: (k) => (whole ? fields[k] : secretValue(fields[k])) };
}

const GENERATION = { prepare: undefined, copy: 1, cutover: 2, finalize: 3 } as const;

describe("migrations under mocks: every stage of both example stacks", function () {
  this.timeout(60_000);
  for (const stack of STACKS) {
    const cfg = stackConfig(stack);
    const mailboxes = cfg["mailshift:mailboxes"] as { address: string; route: string; sourceUser?: string }[];
    const oldHost = cfg["mailshift:oldHost"] as { imapHost: string; imapPort: number; admin?: string };
    const newHost = cfg["mailshift:newHost"] as { imapHost: string; imapPort: number };
    const sub = cfg["mailshift:subdomain"] as string;
    for (const stage of STAGES) {
      it(`${stack}/${stage}: ${stage === "prepare" ? "no MailboxMigration" : `one MailboxMigration per mailbox, syncGeneration ${GENERATION[stage]}`}`, async () => {
        const { declared } = await runProgram(configFor(stack, stage));
        const migrations = declared.filter((d) => d.type === MAILBOX_MIGRATION_TYPE);
        if (stage === "prepare") {
          assert.deepEqual(migrations, []);
          return;
        }
        assert.equal(migrations.length, mailboxes.length);
        for (const m of mailboxes) {
          const moved = `${m.address.split("@")[0]}@${sub}`;
          const r = migrations.find((d) => d.name === `migration-${m.route}-${m.route === "imap" ? moved : m.address}`);
          assert.ok(r, `no migration for ${m.address}; declared ${migrations.map((d) => d.name).join(", ")}`);
          assert.equal(r.inputs.syncGeneration, GENERATION[stage]);
          const source = endpoint(r.inputs.source);
          const src = source.fields;
          assert.deepEqual([src.host, src.port, src.user], [oldHost.imapHost, oldHost.imapPort ?? 993, m.sourceUser ?? m.address]);
          if (oldHost.admin) {
            // one administrator for the old host: its password, the user's mailbox, no per-user password
            assert.equal(src.admin, oldHost.admin);
            assert.equal(source.secret("password"), OLD_ADMIN_PASSWORD);
          } else {
            assert.equal(src.admin, undefined);
            assert.equal(source.secret("password"), `old-${m.address}`);
          }
          const destination = endpoint(r.inputs.destination);
          const dst = destination.fields;
          if (m.route === "imap") {
            assert.deepEqual([dst.host, dst.port, dst.user], [newHost.imapHost, newHost.imapPort ?? 993, moved]);
            assert.equal(destination.secret("password"), `new-${m.address}`);
          } else {
            assert.deepEqual([dst.host, dst.port, dst.user], [EXCHANGE_IMAP.host, EXCHANGE_IMAP.port, m.address]);
            assert.equal(dst.password, undefined, "Exchange is reached with the app, not a password");
            const o = endpoint(dst.oauth2);
            assert.equal(o.fields.clientId, "app-client-id");
            // secret either as a field or because the whole destination is
            assert.equal(destination.whole ? o.fields.clientSecret : o.secret("clientSecret"), "app-secret-value");
          }
          assert.match(String(r.inputs.statusUrn), new RegExp(`MailboxMigration::migration-${m.route}-`));
        }
      });
    }
  }
});

describe("migrations under mocks: the hosts' engine options and administrators reach every MailboxMigration", function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-ca-"));
  const caFile = path.join(dir, "old-ca.pem");
  const caPem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
  fs.writeFileSync(caFile, caPem);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const prod = stackConfig("production");
  const over = (oldHost: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const mailboxes = prod["mailshift:mailboxes"] as { address: string }[];
    return configFor("production", "copy", {
      "mailshift:oldHost": { ...(prod["mailshift:oldHost"] as object), ...oldHost },
      "mailshift:newHost": { ...(prod["mailshift:newHost"] as object), admin: "cpadmin" },
      "mailshift:oldHostAdminPassword": "old-admin-pw",
      "mailshift:newHostAdminPassword": "new-admin-pw",
      // only the new accounts' passwords: no mailbox has a source password
      "mailshift:passwords": Object.fromEntries(mailboxes.map((m) => [m.address, { destination: `new-${m.address}` }])),
      ...extra,
    });
  };

  it("tls, the CA file's PEM, the administrators (passwords secret), folders, size limit and connections", async () => {
    const { declared, exports } = await runProgram(over({ imapPort: 143, tls: "starttls", ca: caFile, admin: "mspadmin" }));
    // what preview shows people: each migration's copy settings
    const shown = (exports.plannedMigrations as { source: string; copy?: unknown }[]).find((p) => p.source === "archive@example.com");
    assert.deepEqual(shown?.copy, {
      folders: { rename: { "Sent Messages": "Sent Items" }, exclude: ["Trash", "Junk*", "Archive/2009*"] },
      maxMessageBytes: 50_000_000,
      connections: 2,
    });
    const migrations = declared.filter((d) => d.type === MAILBOX_MIGRATION_TYPE);
    assert.equal(migrations.length, 6);
    const archive = migrations.find((d) => d.name === "migration-imap-archive@mail2.example.com")!;
    const src = endpoint(archive.inputs.source);
    assert.deepEqual(
      [src.fields.host, src.fields.port, src.fields.tls, src.fields.ca, src.fields.user, src.fields.admin],
      ["imap.oldhost.net", 143, "starttls", caPem, "archive@example.com", "mspadmin"],
    );
    assert.equal(src.secret("password"), "old-admin-pw");
    const dst = endpoint(archive.inputs.destination);
    assert.deepEqual([dst.fields.user, dst.fields.admin, dst.fields.ca], ["archive@mail2.example.com", "cpadmin", undefined]);
    assert.equal(dst.secret("password"), "new-admin-pw");
    assert.deepEqual(archive.inputs.folders, { rename: { "Sent Messages": "Sent Items" }, exclude: ["Trash", "Junk*", "Archive/2009*"] });
    assert.deepEqual([archive.inputs.maxMessageBytes, archive.inputs.connections], [50_000_000, 2]);
    const alice = migrations.find((d) => d.name === "migration-exchange-alice@example.com")!;
    assert.deepEqual([alice.inputs.maxMessageBytes, alice.inputs.connections], [150_000_000, undefined]);
  });

  it("insecure on a loopback name reaches the migrations (a rehearsal against a stand-in on this machine)", async () => {
    const { declared } = await runProgram(over({ imapHost: "imap.old.localhost", imapPort: 143, insecure: true, admin: "mspadmin" }));
    const bob = declared.find((d) => d.name === "migration-imap-bob@mail2.example.com")!;
    const src = endpoint(bob.inputs.source).fields;
    assert.deepEqual([src.host, src.port, src.insecure, src.tls], ["imap.old.localhost", 143, true, undefined]);
    assert.equal(endpoint(bob.inputs.destination).fields.insecure, undefined, "only the host that says so");
  });

  it("a CA file that cannot be read, or holds no certificate, is a plan error naming the key", async () => {
    const notPem = path.join(dir, "not.pem");
    fs.writeFileSync(notPem, "just text\n");
    for (const [file, re] of [
      [path.join(dir, "missing.pem"), /mailshift:oldHost\.ca: cannot read .*missing\.pem \(ENOENT\)/],
      [notPem, /mailshift:oldHost\.ca: .*not\.pem holds no PEM certificate/],
    ] as const) {
      await assert.rejects(runProgram(over({ ca: file, admin: "mspadmin" })), (e: Error) => re.test(e.message) || assert.fail(e.message));
    }
  });
});

/** A custom resource standing in for a destination account. */
class Account extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Account", name, {});
  }
}

const planned = (over: Partial<PlannedMigration> = {}): PlannedMigration => ({
  accountKey: "imap-bob@example.com",
  source: "bob@example.com",
  sourceUser: "bob",
  destination: "bob@mail2.example.com",
  route: "imap",
  syncGeneration: 2,
  copy: {},
  ...over,
});
const hosts = { oldHost: { imapHost: "old.example.net", imapPort: 993 }, newHost: { imapHost: "new.example.net", imapPort: 993 } };
const passwords = (a: string, w: "source" | "destination") => `${w}-${a}`;

describe("Migrations component under mocks", function () {
  this.timeout(30_000);
  before(async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
      "mailshift",
      "test",
      true,
    );
  });

  it("each MailboxMigration depends on its own destination account and carries the plan's syncGeneration", async () => {
    const seen: { name: string; dependsOn: unknown; generation: unknown }[] = [];
    const accounts = { "imap-bob@example.com": new Account("bob"), "imap-carol@example.com": new Account("carol") };
    const c = new Migrations(
      "migration",
      {
        ...hosts,
        migrations: [
          planned(),
          planned({
            accountKey: "imap-carol@example.com",
            source: "carol@example.com",
            sourceUser: "carol",
            destination: "carol@mail2.example.com",
            syncGeneration: 2,
          }),
        ],
        password: passwords,
        accounts,
      },
      {
        transformations: [
          (a) => {
            if (a.type === MAILBOX_MIGRATION_TYPE)
              seen.push({ name: a.name, dependsOn: a.opts.dependsOn, generation: a.props.syncGeneration });
            return undefined;
          },
        ],
      },
    );
    assert.deepEqual(Object.keys(c.migrations).sort(), ["imap-bob@example.com", "imap-carol@example.com"]);
    assert.deepEqual(seen.map((s) => s.name).sort(), ["migration-imap-bob@example.com", "migration-imap-carol@example.com"]);
    for (const s of seen) {
      const key = s.name.slice("migration-".length) as keyof typeof accounts;
      assert.deepEqual(s.dependsOn, [accounts[key]]);
      assert.equal(s.generation, 2);
    }
  });

  it("a migration without a declared destination account fails, naming the mailbox", () => {
    assert.throws(
      () => new Migrations("orphan", { ...hosts, migrations: [planned()], password: passwords, accounts: {} }),
      (e: unknown) => e instanceof MigrationWiringError && /bob@example\.com/.test(e.message) && /mailshift:mailboxes/.test(e.message),
    );
  });
});

describe("migrationEndpoints (pure)", () => {
  it("a missing source password names its config path and never a value", () => {
    assert.throws(
      () => migrationEndpoints(planned(), hosts, (_a, w) => (w === "source" ? undefined : "s3cret-value")),
      (e: unknown) =>
        e instanceof MigrationWiringError &&
        e.message.includes(`mailshift:passwords["bob@example.com"].source`) &&
        !e.message.includes("s3cret-value"),
    );
  });

  it("an imap route without a new host, or without a destination password, fails with the config path", () => {
    assert.throws(() => migrationEndpoints(planned(), { oldHost: hosts.oldHost }, passwords), /mailshift:newHost/);
    assert.throws(
      () => migrationEndpoints(planned(), hosts, (_a, w) => (w === "source" ? "x" : undefined)),
      /mailshift:passwords\["bob@example\.com"\]\.destination/,
    );
  });

  it("an exchange route uses the app registration, and fails when imapAccess is not application", () => {
    const m = planned({ route: "exchange", destination: "bob@example.com", accountKey: "exchange-bob@example.com" });
    const app = { tenantId: "t", clientId: "c", clientSecret: "s" };
    const e = migrationEndpoints(m, { ...hosts, exchangeApp: app }, passwords);
    assert.deepEqual(e.destination, { host: "outlook.office365.com", port: 993, user: "bob@example.com", oauth2: app });
    assert.deepEqual(e.source, { host: "old.example.net", port: 993, user: "bob", password: "source-bob@example.com" });
    assert.throws(() => migrationEndpoints(m, hosts, passwords), /mailshift:exchange\.imapAccess/);
  });
});
