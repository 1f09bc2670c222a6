// An MSP rarely has every user's password: one administrator logs in on each user's behalf (SASL PLAIN with an
// authorization identity): a Dovecot master user, a Cyrus admin. A wrong admin password, or an account that may
// not act for others, stops with an error that names the mailbox and says what to check.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AuthenticationError, syncMailbox } from "../../engine";
import type { Endpoint } from "../../engine/endpoint";
import { appendAll, readCorpus } from "../../harness/corpus";
import { Cyrus, ensureCyrus } from "../../harness/cyrus";
import { Dovecot, ensureDovecot } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { parseAuditLines } from "../../plan/config";
import { FAST_RETRY } from "./fixtures";
import { fingerprint, snapshot } from "./snapshot";

const crlf = (raw: Buffer) => Buffer.from(raw.toString("latin1").replace(/(?<!\r)\n/g, "\r\n"), "latin1");

describe("copy engine: an administrator logs in on each user's behalf (real Dovecot master user, real Cyrus admin)", function () {
  this.timeout(180_000);
  let old: Dovecot;
  let cyrus: Cyrus;
  let fresh: Dovecot;
  const master = { user: "mspadmin", password: "master-secret-1" };
  before(async () => {
    ensureDovecot();
    ensureCyrus();
    [old, cyrus, fresh] = await Promise.all([
      Dovecot.start({ layout: "old", users: [], name: "admin-old", keepDir: false, masterUsers: [master] }),
      Cyrus.start({ hierarchy: "dot", users: [], name: "admin-cyrus", keepDir: false }),
      Dovecot.start({ layout: "new", users: [], name: "admin-new", keepDir: false }),
    ]);
  });
  after(async () => {
    await Promise.all([old?.stop(), cyrus?.stop(), fresh?.stop()]);
  });

  const to = (user: string): Endpoint => ({ host: fresh.host, port: fresh.port, tls: "starttls", user, password: `new-${user}` });

  for (const side of ["Dovecot master user", "Cyrus admin"] as const) {
    it(`${side}: copies the user's mailbox without the user's password`, async () => {
      const server = side === "Cyrus admin" ? cyrus : old;
      const admin = side === "Cyrus admin" ? cyrus.admin : master;
      const user = side === "Cyrus admin" ? "carol" : "alice";
      await server.addUser({ user, password: "the-users-own-password" });
      await fresh.addUser({ user, password: `new-${user}` });
      const mail = readCorpus("easy_ham", 12).map((m) => ({ ...m, raw: crlf(m.raw) }));
      await appendAll(server.url(user), "the-users-own-password", "INBOX", mail);
      const from: Endpoint = { host: server.host, port: server.port, tls: "starttls", user, admin: admin.user, password: admin.password };
      const s = await syncMailbox(from, to(user), { retry: FAST_RETRY });
      assert.deepEqual([s.totals.copied, s.verified], [12, true]);
      assert.equal(s.source, `${user}@127.0.0.1:${server.port}`, "the summary names the user's mailbox, not the admin");
      const src = await snapshot(server.url(user), "the-users-own-password");
      const dst = await snapshot(fresh.url(user), `new-${user}`);
      assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "the user's own mail, not the admin's");
    });
  }

  it("stops on a wrong admin password, and on an account that may not act for others, naming the mailbox; never the password", async () => {
    await old.addUser({ user: "dave", password: "daves-password" });
    await old.addUser({ user: "eve", password: "eves-password" });
    await fresh.addUser({ user: "dave", password: "new-dave" });
    const attempts: [string, Endpoint][] = [
      [
        "wrong admin password",
        { host: old.host, port: old.port, tls: "starttls", user: "dave", admin: master.user, password: "not-the-master-password" },
      ],
      ["not an admin", { host: old.host, port: old.port, tls: "starttls", user: "dave", admin: "eve", password: "eves-password" }],
    ];
    for (const [what, from] of attempts) {
      await assert.rejects(syncMailbox(from, to("dave"), { retry: { ...FAST_RETRY, attempts: 2 } }), (e: Error) => {
        assert.ok(e instanceof AuthenticationError, `${what}: ${e.message}`);
        assert.match(e.message, new RegExp(`dave@127\\.0\\.0\\.1:${old.port}`), `${what}: names the mailbox`);
        assert.match(e.message, new RegExp(`administrator ${from.admin} could not log in as dave`), what);
        assert.ok(!e.message.includes(from.password!), `${what}: the password is not in the message`);
        return true;
      });
    }
  });
});

describe("mailshift audit-many: a whole host audited with one admin credential, into the file the stack reads", function () {
  this.timeout(180_000);
  let old: Dovecot;
  const master = { user: "auditadmin", password: "audit-master-secret" };
  before(async () => {
    ensureDovecot();
    // listableUsers: a userdb `doveadm user '*'` can list, as on a host with one passwd-file or SQL
    old = await Dovecot.start({ layout: "old", users: [], name: "audit-old", keepDir: false, masterUsers: [master], listableUsers: true });
  });
  after(async () => {
    await old?.stop();
  });

  it("writes one audit per mailbox (the sizes the users' own logins see), names the one that fails, exit 3", async () => {
    const users = ["ann", "ben", "cat"];
    for (const [i, u] of users.entries()) {
      await old.addUser({ user: u, password: `${u}-own-pw` });
      await appendAll(old.url(u), `${u}-own-pw`, "INBOX", readCorpus("easy_ham", 5 + i * 3));
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "audit-many-"));
    const list = path.join(dir, "list.json");
    const entries = [...users, "nobody"].map((u) => ({ from: `imap://${u}@127.0.0.1:${old.port}`, fromAdmin: master.user }));
    writeFileSync(list, JSON.stringify({ mailboxes: entries }));
    const out = path.join(dir, "audit.jsonl");
    const r = spawnSync(
      process.execPath,
      [path.join(repoRoot(), "bin", "mailshift.js"), "audit-many", "--mailboxes", list, "--out", out, "--parallel", "2"],
      {
        env: { ...process.env, MAILSHIFT_FROM_PASSWORD: master.password },
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`mailboxes\\[3\\] nobody@127\\.0\\.0\\.1:${old.port} not audited: authentication failed`));
    assert.ok(!`${r.stdout}${r.stderr}`.includes(master.password), "the admin's password is in no output");
    // The stack's own reader of mailshift:auditFile takes the file as it is.
    const audited = parseAuditLines(readFileSync(out, "utf8"), out);
    for (const u of users) {
      const own = await snapshot(old.url(u), `${u}-own-pw`);
      const size = [...own.values()].flat().reduce((n, m) => n + m.size, 0);
      assert.equal(audited[u], size, `${u}: the audit counts what the user's own login sees`);
    }
    assert.deepEqual(Object.keys(audited).sort(), users);
  });

  it("--all-users: every user of the doveadm list audited as the administrator, one command; an unknown user named by line", async () => {
    const users = ["dan", "eva"];
    for (const [i, u] of users.entries()) {
      await old.addUser({ user: u, password: `${u}-own-pw` });
      await appendAll(old.url(u), `${u}-own-pw`, "INBOX", readCorpus("spam", 4 + i * 2));
      await appendAll(old.url(u), `${u}-own-pw`, "INBOX.Sent", readCorpus("easy_ham", 3));
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "audit-all-"));
    // the users file as the MSP makes it on the old host: `doveadm user '*' > users.txt` (the harness's per-user
    // passwd-files make doveadm exit 75 after its complete listing: the listing on stdout is what counts)
    const listing = spawnSync("doveadm", ["-c", old.confPath, "user", "*"], { encoding: "utf8" });
    const listed = listing.stdout.split("\n").filter(Boolean).sort();
    assert.deepEqual(listed, ["ann", "ben", "cat", ...users], `doveadm listed: ${listing.stdout} ${listing.stderr}`);
    const usersFile = path.join(dir, "users.txt");
    writeFileSync(usersFile, `${listing.stdout}ghost\n`); // and one login the host does not have
    const out = path.join(dir, "audit.jsonl");
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot(), "bin", "mailshift.js"),
        "audit-many",
        "--all-users",
        "--from",
        `imap://127.0.0.1:${old.port}`,
        "--from-admin",
        master.user,
        "--users",
        usersFile,
        "--out",
        out,
      ],
      { env: { ...process.env, MAILSHIFT_FROM_PASSWORD: master.password }, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `users\\.txt:6 ghost@127\\.0\\.0\\.1:${old.port} not audited: authentication failed.*administrator ${master.user} could not log in as ghost`,
      ),
    );
    assert.ok(!`${r.stdout}${r.stderr}`.includes(master.password), "the admin's password is in no output");
    const audited = parseAuditLines(readFileSync(out, "utf8"), out);
    assert.deepEqual(Object.keys(audited).sort(), listed);
    for (const u of users) {
      const own = await snapshot(old.url(u), `${u}-own-pw`);
      assert.equal(
        audited[u],
        [...own.values()].flat().reduce((n, m) => n + m.size, 0),
        `${u}: INBOX and Sent, as the user sees them`,
      );
    }
  });
});
