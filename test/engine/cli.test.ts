// `npx mailshift sync|audit|verify` as a user runs it: exit codes, --json, passwords from the environment.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { stopAllDovecots } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { mailboxPair, startPair, type Pair } from "./fixtures";

function mailshift(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), "bin", "mailshift.js"), ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("mailshift command line (real Dovecot)", function () {
  this.timeout(180_000);
  let pair: Pair;
  before(async () => {
    pair = await startPair({ maxMessageBytes: 512 * 1024 });
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("sync --json prints one summary object and exits 0 when every message is verified; audit and verify agree", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 30));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Drafts", readCorpus("spam", 5));
    const env = { MAILSHIFT_FROM_PASSWORD: m.fromPassword, MAILSHIFT_TO_PASSWORD: m.toPassword };
    const sync = mailshift(["sync", "--from", m.fromUrl, "--to", m.toUrl, "--json"], env);
    assert.equal(sync.code, 0, sync.stderr);
    const summary = JSON.parse(sync.stdout);
    assert.equal(summary.totals.copied, 35);
    assert.equal(summary.verified, true);
    type Row = { folder: string; destination: string; copied: number };
    assert.deepEqual(
      summary.folders
        .filter((f: Row) => f.copied > 0)
        .map((f: Row) => `${f.folder}->${f.destination}:${f.copied}`)
        .sort(),
      ["Drafts->Drafts:5", "INBOX->INBOX:30"],
    );
    assert.ok(!sync.stdout.includes(m.fromPassword) && !sync.stderr.includes(m.toPassword));

    const audit = mailshift(["audit", "--from", m.fromUrl, "--json"], env);
    assert.equal(audit.code, 0, audit.stderr);
    assert.equal(JSON.parse(audit.stdout).totals.messages, 35);

    const verify = mailshift(["verify", "--from", m.fromUrl, "--to", m.toUrl], env);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /verified: every source message is on the destination/);

    const again = mailshift(["sync", "--from", m.fromUrl, "--to", m.toUrl], env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /total\s+35\s+35\s+0\s/);

    // With --state, a run after a settled one lists nothing: every folder is unchanged.
    const state = path.join(mkdtempSync(path.join(os.tmpdir(), "mailshift-state-")), "state.json");
    for (let i = 0; i < 2; i++) assert.equal(mailshift(["sync", "--from", m.fromUrl, "--to", m.toUrl, "--state", state], env).code, 0);
    const cheap = mailshift(["sync", "--from", m.fromUrl, "--to", m.toUrl, "--state", state, "--json"], env);
    const s3 = JSON.parse(cheap.stdout);
    assert.equal(s3.unchangedFolders, s3.folders.length);
    assert.equal(s3.totals.alreadyPresent, 35);
    assert.ok(!readFileSync(state, "utf8").includes(m.fromPassword), "no password in the state file");
  });

  it("exits non-zero and lists the message when one is refused; exits 3 on a wrong password; 2 on a bad command line", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...readCorpus("easy_ham", 3), gen.withAttachment(1024 * 1024, 2)]);
    const env = { MAILSHIFT_FROM_PASSWORD: m.fromPassword, MAILSHIFT_TO_PASSWORD: m.toPassword };
    const r = mailshift(["sync", "--from", m.fromUrl, "--to", m.toUrl], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /skipped \(not copied\):\n {2}INBOX uid \d+ .*refused by the destination/);
    assert.match(r.stdout, /NOT verified: 1 source messages are not on the destination/);

    const bad = mailshift(["sync", "--from", m.fromUrl, "--to", m.toUrl, "--json"], { ...env, MAILSHIFT_TO_PASSWORD: "nope-not-it" });
    assert.equal(bad.code, 3);
    assert.match(JSON.parse(bad.stdout).error.message, /authentication failed for .*MAILSHIFT_TO_PASSWORD/);
    assert.ok(!bad.stderr.includes("nope-not-it"));

    const usage = mailshift(["sync", "--from", m.fromUrl], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /sync needs --to/);
  });
});
