import assert from "node:assert/strict";
import { parseAuditLines, parseConfig } from "../../../plan/config";
import { PlanError, PlanErrors } from "../../../plan/errors";
import { rawMailshift, STACKS } from "./stackFiles";

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => e.message);
    if (err instanceof PlanError) return [err.message];
    throw err;
  }
  assert.fail("expected the configuration to be refused");
}

describe("plan/config: the stack configuration schema", () => {
  for (const stack of STACKS) {
    it(`parses the example stack ${stack} without a problem`, () => {
      const c = parseConfig(rawMailshift(stack));
      assert.ok(c.mailboxes.length >= 3);
      assert.ok(c.exchange && c.newHost && c.subdomain);
    });
  }

  it("reads the production stack's values as written", () => {
    const c = parseConfig(rawMailshift("production"));
    assert.equal(c.domain, "example.com");
    assert.equal(c.stage, "cutover");
    assert.equal(c.previousStage, "copy");
    assert.equal(c.newHost?.kind, "cpanel");
    assert.deepEqual(c.mailboxes[3], {
      address: "bob@example.com",
      route: "imap",
      sourceUser: "bob@example.com",
      displayName: "Bob Lee",
      quota: { kind: "auto" },
      wave: "wave-a",
    });
    assert.deepEqual(c.mailboxes[4]!.quota, { kind: "bytes", bytes: 20_000_000_000 });
    assert.equal(c.mailboxes[5]!.sourceUser, "eve");
    assert.equal(c.ttl.lowered, 300);
    assert.equal(c.quotaHeadroom, 1.25);
  });

  it("names the config path of a bad route and says what the routes are", () => {
    const raw = rawMailshift("staging");
    const mailboxes = structuredClone(raw.mailboxes) as Record<string, unknown>[];
    mailboxes[2]!.route = "pop3";
    const msgs = problems(() => parseConfig({ ...raw, mailboxes }));
    assert.equal(msgs.length, 1);
    assert.match(msgs[0]!, /^mailshift:mailboxes\[2\]\.route: unknown route "pop3"\. Use exchange .* or imap/);
  });

  it("reports every problem of one configuration at once, each with its path", () => {
    const raw = rawMailshift("staging");
    const mailboxes = structuredClone(raw.mailboxes) as Record<string, unknown>[];
    mailboxes[0]!.address = "alice@other.org";
    mailboxes[0]!.quota = "1GB";
    const msgs = problems(() => parseConfig({ ...raw, mailboxes, stage: "launch", ttl: { normal: 300, lowered: 600 }, colour: "blue" }));
    const paths = msgs.map((m) => m.split(": ")[0]).sort();
    assert.deepEqual(paths, [
      "mailshift:colour",
      "mailshift:mailboxes[0].address",
      "mailshift:mailboxes[0].quota",
      "mailshift:stage",
      "mailshift:ttl.lowered",
    ]);
    assert.ok(msgs.some((m) => /alice@other\.org is not on staging-example\.com/.test(m)));
    assert.ok(msgs.some((m) => /quota.*exchange/.test(m)));
  });

  it("refuses SPF terms that already carry v=spf1 or all", () => {
    const raw = rawMailshift("production");
    const msgs = problems(() => parseConfig({ ...raw, oldHost: { ...(raw.oldHost as object), spf: "v=spf1 include:x.net -all" } }));
    assert.match(msgs[0]!, /^mailshift:oldHost\.spf: lists "v=spf1" or "all"/);
  });

  it("requires the dovecot settings and checks paths are absolute", () => {
    const raw = rawMailshift("staging");
    const newHost = { ...(raw.newHost as Record<string, unknown>), passwdFile: "users.txt", ssh: { port: 22 } };
    const msgs = problems(() => parseConfig({ ...raw, newHost }));
    assert.ok(msgs.some((m) => m.startsWith('mailshift:newHost.passwdFile: "users.txt" must be an absolute path')));
    assert.ok(msgs.some((m) => m.startsWith("mailshift:newHost.ssh.host: is missing")));
    assert.ok(msgs.some((m) => m.startsWith("mailshift:newHost.ssh.user: is missing")));
  });

  it("takes audits from `mailshift audit --json` lines, keyed by login user; config audit wins", () => {
    const text = [
      JSON.stringify({
        mailbox: "bob.test@staging-example.com@imap.oldhost.net:993",
        folders: [],
        totals: { messages: 3, bytes: 1000, largest: 600 },
      }),
      "",
      JSON.stringify({ mailbox: "dave@imap.oldhost.net:993", folders: [], totals: { messages: 1, bytes: 42, largest: 42 } }),
    ].join("\n");
    const audits = parseAuditLines(text, "audit.jsonl");
    assert.deepEqual(audits, { "bob.test@staging-example.com": 1000, dave: 42 });
    const c = parseConfig(rawMailshift("staging"), audits);
    assert.equal(c.audit.dave, 42);
    assert.equal(c.audit["bob.test@staging-example.com"], 734003200);
  });

  it("names the file and line of an audit line that is not a report", () => {
    assert.throws(() => parseAuditLines('{"mailbox":"x@h:1","totals":{"bytes":1}}\n{"oops":1}', "audit/prod.jsonl"), {
      message: /^audit\/prod\.jsonl:2: is not a mailshift audit report/,
    });
  });
});
