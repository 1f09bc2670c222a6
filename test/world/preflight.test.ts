// Preflight against real Dovecot servers on loopback: a server that passes, a wrong password, a closed port, a
// certificate issued for another name, a quota smaller than the audited size; then `mailshift preflight` itself.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Dovecot, ensureDovecot, stopAllDovecots } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { makeTestPki, type TestPki } from "../../harness/tls";
import type { Endpoint } from "../../engine/endpoint";
import { runPreflight, type PreflightTarget } from "../../world/gates";

describe("preflight against real Dovecot (port, TLS name, login, IMAP, quota)", function () {
  this.timeout(120_000);
  let pki: TestPki;
  let old: Dovecot;
  let fresh: Dovecot;
  let wrongName: Dovecot;
  const user = "carol";
  const password = "carol-pw-1";
  const MiB = 1024 * 1024;
  let closedPort: number;

  before(async () => {
    ensureDovecot();
    pki = makeTestPki();
    [old, fresh, wrongName] = await Promise.all([
      Dovecot.start({ layout: "old", users: [{ user, password }], name: "pf-old", tls: pki.server, keepDir: false }),
      Dovecot.start({ layout: "new", users: [{ user, password, quotaBytes: 2 * MiB }], name: "pf-new", tls: pki.server, keepDir: false }),
      Dovecot.start({ layout: "new", users: [{ user, password }], name: "pf-wrong", tls: pki.wrongName, keepDir: false }),
    ]);
    // a port nothing listens on: bound, read, released
    closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
  });
  after(async () => {
    await stopAllDovecots();
    pki?.remove();
  });

  const at = (d: Dovecot, over: Partial<Endpoint> = {}): Endpoint => ({
    host: "127.0.0.1",
    port: d.imapsPort!,
    tls: "implicit",
    user,
    password,
    ca: pki.caPem,
    ...over,
  });
  const target = (side: "source" | "destination", endpoint: Endpoint, auditedBytes?: number): PreflightTarget => ({
    mailbox: "carol@example.com",
    side,
    endpoint,
    credential: `mailshift:passwords["carol@example.com"].${side}`,
    ...(auditedBytes !== undefined ? { auditedBytes } : {}),
  });

  it("passes both sides: port open, certificate valid for 127.0.0.1, login, IMAP4rev1, INBOX, quota holds the audit", async () => {
    const r = await runPreflight([target("source", at(old)), target("destination", at(fresh), MiB)]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.rows.map((x) => [x.side, x.port, x.tls, x.login, x.imap, x.quota.split(" (")[0]]),
      [
        ["source", "open", "ok", "ok", "ok", "-"],
        ["destination", "open", "ok", "ok", "ok", "2.0 MiB >= 1.0 MiB"],
      ],
    );
  });

  it("STARTTLS on the plain port is checked the same way", async () => {
    const r = await runPreflight([target("source", at(old, { port: old.port, tls: "starttls" }))]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.rows[0]!.tls, "STARTTLS ok");
  });

  it("no TLS on this machine's server: allowed as the copy allows it (plaintext on loopback), shown in the table", async () => {
    const plainServer = await Dovecot.start({ layout: "old", users: [{ user, password }], name: "pf-plain", keepDir: false });
    const r = await runPreflight([target("source", { host: "127.0.0.1", port: plainServer.port, tls: "starttls", user, password })]);
    assert.deepEqual(r.problems, []);
    assert.equal(r.rows[0]!.tls, "none (local)");
  });

  it("a wrong password: the login is refused, with the config path to fix and never the password", async () => {
    const r = await runPreflight([target("source", at(old, { password: "not-carols-password" }))]);
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!,
      /^carol@example\.com source carol@127\.0\.0\.1:\d+: login failed \(authentication failed for carol@127\.0\.0\.1:\d+/,
    );
    assert.match(r.problems[0]!, /check mailshift:passwords\["carol@example\.com"\]\.source$/);
    assert.equal(r.problems[0]!.includes("not-carols-password"), false);
    assert.equal(r.rows[0]!.login, "refused");
  });

  it("a closed port: not reachable, named with the host and port", async () => {
    const r = await runPreflight([target("destination", at(fresh, { port: closedPort }))]);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, new RegExp(`port ${closedPort} on 127\\.0\\.0\\.1 is not reachable \\(ECONNREFUSED\\)`));
    assert.equal(r.rows[0]!.port, "closed");
  });

  it("a certificate for another name: refused, naming the name it is for", async () => {
    const r = await runPreflight([target("destination", at(wrongName))]);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, /the TLS certificate is not valid for 127\.0\.0\.1 \(/);
    assert.ok(r.problems[0]!.includes(`it is for ${pki.wrongNameHost}`), r.problems[0]);
    assert.equal(r.rows[0]!.tls, "invalid");
  });

  it("a quota smaller than the audited size is a problem; no audit is a note", async () => {
    const r = await runPreflight([target("destination", at(fresh), 3 * MiB)]);
    assert.deepEqual(r.problems.length, 1);
    assert.match(r.problems[0]!, /the quota 2\.0 MiB is smaller than the 3\.0 MiB audited on the source; raise it/);
    const none = await runPreflight([target("destination", at(fresh))]);
    assert.deepEqual(none.problems, []);
    assert.match(none.notes[0]!, /no audited size to compare the quota 2\.0 MiB with/);
  });

  it("`mailshift preflight` prints one table and every problem, exit 1; exit 0 once all pass", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-preflight-"));
    try {
      const list = path.join(dir, "list.json");
      const write = (to: string) =>
        fs.writeFileSync(
          list,
          JSON.stringify({
            mailboxes: [{ from: `imaps://${user}@127.0.0.1:${old.imapsPort}`, to, fromPassword: password, toPassword: password }],
          }),
          { mode: 0o600 },
        );
      const audit = path.join(dir, "audit.jsonl");
      fs.writeFileSync(audit, `${JSON.stringify({ mailbox: `${user}@127.0.0.1:${old.imapsPort}`, totals: { bytes: 3 * MiB } })}\n`);
      const run = () =>
        spawnSync(process.execPath, [path.join(repoRoot(), "bin", "mailshift.js"), "preflight", "--mailboxes", list, "--audit", audit], {
          encoding: "utf8",
          env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile },
        });
      write(`imaps://${user}@127.0.0.1:${closedPort}`);
      let r = run();
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /^mailbox\s+side\s+server\s+port\s+TLS\s+login\s+IMAP\s+quota$/m);
      assert.match(r.stdout, /1 problem:\n {2}- mailboxes\[0\] carol destination .* is not reachable \(ECONNREFUSED\)/);
      write(`imaps://${user}@127.0.0.1:${fresh.imapsPort}`);
      r = run();
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /the quota 2\.0 MiB is smaller than the 3\.0 MiB audited/);
      fs.writeFileSync(audit, `${JSON.stringify({ mailbox: `${user}@127.0.0.1:${old.imapsPort}`, totals: { bytes: MiB } })}\n`);
      r = run();
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /preflight passed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
