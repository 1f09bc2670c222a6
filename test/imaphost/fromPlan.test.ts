// From the stack file to a working account: the staging stack, pointed at a throwaway Dovecot, run through the
// program under mocks; the remote.Command each account declares is then executed as SSH would execute it, and
// IMAP shows the quota the plan sized (auto = audited x headroom; explicit as written).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { Dovecot, ensureDovecot, processIdentity } from "../../harness/dovecot";
import { stackConfig } from "../unit/plan/stackFiles";
import { configFor, runProgram, secretValue, type Declared } from "../mock/runProgram";

async function quotaOf(d: Dovecot, user: string, pass: string): Promise<number | undefined> {
  const c = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user, pass }, logger: false });
  try {
    await c.connect();
  } catch {
    return undefined;
  }
  try {
    const q = (await c.getQuota("INBOX")) || undefined;
    return q?.storage ? q.storage.limit : undefined;
  } finally {
    await c.logout();
  }
}

function sh(command: unknown, stdin = ""): void {
  const r = spawnSync("sh", ["-c", String(command)], { input: stdin, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

describe("imapHost/dovecot: the staging stack's accounts, created by the commands the program declares", function () {
  this.timeout(60_000);
  let d: Dovecot;
  before(async () => {
    ensureDovecot();
    d = await Dovecot.start({ layout: "new", users: [], name: "fromplan", keepDir: false });
  });
  after(() => d?.stop());

  it("creates every imap account with the planned quota, and removes it again", async () => {
    const id = processIdentity();
    const newHost = {
      ...(stackConfig("staging")["mailshift:newHost"] as object),
      passwdFile: path.join(d.dir, "users", "%u"),
      maildirRoot: path.join(d.dir, "mail"),
      uid: String(id.uid),
      gid: String(id.gid),
    };
    const { declared } = await runProgram(configFor("staging", "prepare", { "mailshift:newHost": newHost }));
    const commands = declared.filter((x): x is Declared => x.type === "command:remote:Command");
    assert.deepEqual(commands.map((c) => c.name).sort(), [
      "imaphost-imap-bob.test@mail2.staging-example.com",
      "imaphost-imap-carol.test@mail2.staging-example.com",
    ]);
    for (const c of commands) sh(c.inputs.create, String(secretValue(c.inputs.stdin)));

    // bob: quota auto, audited 734003200 bytes (700 MiB) x 1.25 = 875 MiB; carol: 2GiB as written
    assert.equal(await quotaOf(d, "bob.test@mail2.staging-example.com", "new-bob.test@staging-example.com"), 875 * 1024 * 1024);
    assert.equal(await quotaOf(d, "carol.test@mail2.staging-example.com", "new-carol.test@staging-example.com"), 2 * 1024 ** 3);

    for (const c of commands) sh(c.inputs.delete);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await quotaOf(d, "bob.test@mail2.staging-example.com", "new-bob.test@staging-example.com"), undefined);
  });
});
