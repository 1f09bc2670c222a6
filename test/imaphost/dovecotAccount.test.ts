// The Dovecot account scripts executed for real: the exact command line remote.Command sends over SSH, run here
// with bash against a throwaway Dovecot's passwd-files; then IMAP tells whether the account works.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { dovecotCommand } from "../../components/imapHost/dovecotScript";
import { Dovecot, ensureDovecot, processIdentity } from "../../harness/dovecot";

function run(command: string, stdin = ""): { code: number; stderr: string } {
  // ssh hands the command string to the remote user's shell as `sh -c COMMAND`; do the same.
  const r = spawnSync("sh", ["-c", command], { input: stdin, encoding: "utf8" });
  return { code: r.status ?? -1, stderr: r.stderr };
}

async function login(d: Dovecot, user: string, pass: string): Promise<ImapFlow | undefined> {
  const client = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user, pass }, logger: false });
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}

async function quotaLimit(d: Dovecot, user: string, pass: string): Promise<number | undefined> {
  const c = await login(d, user, pass);
  assert.ok(c, `${user} cannot log in`);
  try {
    const q = (await c.getQuota("INBOX")) || undefined;
    return q?.storage ? q.storage.limit : undefined;
  } finally {
    await c.logout();
  }
}

// Dovecot re-reads a changed passwd-file at most once a second.
const settle = () => new Promise((r) => setTimeout(r, 1100));
const MiB = 1024 * 1024;

describe("imapHost/dovecot: account scripts against the test Dovecot", () => {
  let d: Dovecot;
  let spec: { passwdFile: string; maildirRoot: string; uid: string; gid: string };
  before(async () => {
    ensureDovecot();
    d = await Dovecot.start({ layout: "new", users: [], name: "imaphost", keepDir: false });
    const id = processIdentity();
    spec = { passwdFile: path.join(d.dir, "users", "%u"), maildirRoot: path.join(d.dir, "mail"), uid: String(id.uid), gid: String(id.gid) };
  });
  after(async () => {
    await d?.stop();
  });

  const user = "bob@mail2.example.com";

  it("set creates an account that logs in, with GETQUOTAROOT showing the quota", async () => {
    const r = run(dovecotCommand("set", { user, quotaBytes: 50 * MiB, ...spec }), "first-Pass'word\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await quotaLimit(d, user, "first-Pass'word"), 50 * MiB);
    assert.equal(await login(d, user, "wrong"), undefined, "a wrong password must not log in");
    assert.ok(fs.statSync(d.maildir(user)).isDirectory());
    const line = fs.readFileSync(path.join(d.dir, "users", user), "utf8");
    assert.match(line, /^bob@mail2\.example\.com:\{SHA512-CRYPT\}\$6\$/);
    assert.ok(!line.includes("first-Pass"), "the passwd-file holds a hash, not the password");
  });

  it("quota changes the quota and keeps the password", async () => {
    await settle();
    const r = run(dovecotCommand("quota", { user, quotaBytes: 80 * MiB, passwdFile: spec.passwdFile }));
    assert.equal(r.code, 0, r.stderr);
    await settle();
    assert.equal(await quotaLimit(d, user, "first-Pass'word"), 80 * MiB);
  });

  it("set again replaces the password and the quota", async () => {
    const r = run(dovecotCommand("set", { user, quotaBytes: 64 * MiB, ...spec }), "second\n");
    assert.equal(r.code, 0, r.stderr);
    await settle();
    assert.equal(await login(d, user, "first-Pass'word"), undefined);
    assert.equal(await quotaLimit(d, user, "second"), 64 * MiB);
  });

  it("remove ends the login and leaves the mail where it was", async () => {
    const r = run(dovecotCommand("remove", { user, passwdFile: spec.passwdFile }));
    assert.equal(r.code, 0, r.stderr);
    await settle();
    assert.equal(await login(d, user, "second"), undefined);
    assert.ok(fs.existsSync(d.maildir(user)), "remove must not delete mail");
  });

  it("quota for an account that does not exist fails and says to create it", () => {
    const r = run(dovecotCommand("quota", { user: "nobody@mail2.example.com", quotaBytes: MiB, passwdFile: spec.passwdFile }));
    assert.equal(r.code, 3);
    assert.match(r.stderr, /nobody@mail2\.example\.com is not in .*create it first/);
  });

  it("refuses a password with ':' (the passwd-file separator) and a user name with shell characters", () => {
    const r = run(dovecotCommand("set", { user: "eve@mail2.example.com", quotaBytes: MiB, ...spec }), "a:b\n");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /contains ':'/);
    const bad = run(dovecotCommand("set", { user: "x;touch /tmp/pwned", quotaBytes: MiB, ...spec }), "pw\n");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad user name/);
  });
});

describe("imapHost/dovecot: one shared passwd-file", () => {
  it("set and remove touch only their own line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "passwd-"));
    try {
      const file = path.join(dir, "users");
      fs.writeFileSync(file, "carol@mail2.example.com:{PLAIN}x:1000:1000::/m/carol::\n");
      const id = processIdentity();
      const base = { passwdFile: file, maildirRoot: path.join(dir, "mail"), uid: String(id.uid), gid: String(id.gid) };
      assert.equal(run(dovecotCommand("set", { user: "Bob@mail2.example.com", quotaBytes: 2048, ...base }), "pw\n").code, 0);
      assert.equal(run(dovecotCommand("set", { user: "dan@mail2.example.com", quotaBytes: 0, ...base }), "pw\n").code, 0);
      let lines = fs.readFileSync(file, "utf8").trim().split("\n");
      assert.deepEqual(
        lines.map((l) => l.split(":")[0]),
        ["carol@mail2.example.com", "bob@mail2.example.com", "dan@mail2.example.com"],
      );
      assert.match(lines[1]!, /::userdb_quota_rule=\*:storage=2048B$/);
      assert.match(lines[2]!, /:[^:]*\/mail\/dan@mail2\.example\.com::$/, "quota 0 sets no quota rule");
      assert.equal(run(dovecotCommand("quota", { user: "dan@mail2.example.com", quotaBytes: 4096, passwdFile: file })).code, 0);
      assert.equal(run(dovecotCommand("remove", { user: "bob@mail2.example.com", passwdFile: file })).code, 0);
      lines = fs.readFileSync(file, "utf8").trim().split("\n");
      assert.deepEqual(
        lines.map((l) => l.split(":")[0]),
        ["carol@mail2.example.com", "dan@mail2.example.com"],
      );
      assert.match(lines[1]!, /::userdb_quota_rule=\*:storage=4096B$/);
      assert.equal(lines[0], "carol@mail2.example.com:{PLAIN}x:1000:1000::/m/carol::");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
