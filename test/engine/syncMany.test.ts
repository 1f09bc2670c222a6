// `mailshift sync-many` as a user runs it: five mailboxes from one list file, two at a time, through the real
// command line against real Dovecot; every message arrives exactly once, a resync copies nothing, and one
// mailbox that cannot log in stops alone without a password in any output.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { stopAllDovecots } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { mailboxPair, startPair, type Pair } from "./fixtures";
import { fingerprint, snapshot, total, type Snapshot } from "./snapshot";

type Mailbox = Awaited<ReturnType<typeof mailboxPair>>;

function syncMany(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), "bin", "mailshift.js"), "sync-many", ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Old-host folder (INBOX.Projects.Alpha) as the new host names it (Projects/Alpha). */
const destName = (f: string) =>
  f === "INBOX"
    ? f
    : f
        .replace(/^INBOX\./, "")
        .split(".")
        .join("/");

function assertExactlyOnce(src: Snapshot, dst: Snapshot, who: string): void {
  assert.equal(total(dst), total(src), `${who}: message count`);
  for (const [folder, list] of src) {
    if (list.length === 0) continue;
    assert.deepEqual(fingerprint(dst.get(destName(folder))), fingerprint(list), `${who}: ${folder}`);
  }
}

describe("mailshift sync-many (real Dovecot)", function () {
  this.timeout(300_000);
  let pair: Pair;
  let boxes: Mailbox[];
  let dir: string;
  before(async () => {
    pair = await startPair();
    boxes = [];
    const ham = readCorpus("easy_ham", 60);
    for (let i = 0; i < 5; i++) {
      const m = await mailboxPair(pair);
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(i * 10, i * 10 + 8 + i));
      await appendAll(m.fromUrl, m.fromPassword, "INBOX.Clients", gen.many(3 + i, 100 + i));
      await appendAll(m.fromUrl, m.fromPassword, "INBOX.Projects.Alpha", [
        gen.withAttachment(300 * 1024, i),
        gen.withoutMessageId(200 + i),
      ]);
      boxes.push(m);
    }
    dir = mkdtempSync(path.join(os.tmpdir(), "mailshift-sync-many-"));
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("copies five mailboxes two at a time, every message exactly once, and a resync with --state copies nothing", async () => {
    const list = path.join(dir, "mailboxes.json");
    // passwords in the private file for four mailboxes, from named environment variables for the fifth
    const entries = boxes.map((m, i) =>
      i === 4
        ? { from: m.fromUrl, fromPasswordEnv: "BOX4_FROM", to: m.toUrl, toPasswordEnv: "BOX4_TO" }
        : { from: m.fromUrl, fromPassword: m.fromPassword, to: m.toUrl, toPassword: m.toPassword },
    );
    writeFileSync(list, JSON.stringify({ mailboxes: entries }), { mode: 0o600 });
    const env = { BOX4_FROM: boxes[4].fromPassword, BOX4_TO: boxes[4].toPassword };
    const state = path.join(dir, "state.json");
    const sources = await Promise.all(boxes.map((m) => snapshot(m.fromUrl, m.fromPassword)));
    const expected = sources.reduce((n, s) => n + total(s), 0);

    const first = syncMany(["--mailboxes", list, "--parallel", "2", "--state", state, "--json"], env);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout);
    assert.deepEqual(out.totals, {
      mailboxes: 5,
      verified: 5,
      failed: 0,
      onSource: expected,
      copied: expected,
      bytesCopied: out.totals.bytesCopied,
      skipped: 0,
      missing: 0,
    });
    assert.deepEqual(
      out.mailboxes.map((r: { entry: string }) => r.entry),
      ["mailboxes[0]", "mailboxes[1]", "mailboxes[2]", "mailboxes[3]", "mailboxes[4]"],
    );
    assert.match(first.stderr, /\[2\/5 mailboxes\][\s\S]*\[4\/5 mailboxes\][\s\S]*\[5\/5 mailboxes\]/);
    for (const [i, m] of boxes.entries()) assertExactlyOnce(sources[i], await snapshot(m.toUrl, m.toPassword), m.name);
    assert.equal(Object.keys(JSON.parse(readFileSync(state, "utf8")).pairs).length, 5);

    const again = syncMany(["--mailboxes", list, "--parallel", "3", "--state", state], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^5 of 5 mailboxes verified; ${expected} messages on the sources, 0 copied`));
    for (const [i, m] of boxes.entries()) assertExactlyOnce(sources[i], await snapshot(m.toUrl, m.toPassword), `${m.name} after resync`);
    for (const m of boxes)
      for (const o of [first, again]) assert.ok(!o.stdout.includes(m.fromPassword) && !o.stderr.includes(m.toPassword));
  });

  it("a mailbox that cannot log in stops alone: the others are copied, exit code 3, the entry named, no password shown", async () => {
    const extra = await mailboxPair(pair);
    await appendAll(extra.fromUrl, extra.fromPassword, "INBOX", gen.many(4, 900));
    const list = path.join(dir, "with-bad.json");
    writeFileSync(
      list,
      JSON.stringify({
        mailboxes: [
          { from: extra.fromUrl, fromPassword: "wrong-password-123", to: extra.toUrl, toPassword: extra.toPassword },
          { from: boxes[0].fromUrl, fromPassword: boxes[0].fromPassword, to: boxes[0].toUrl, toPassword: boxes[0].toPassword },
        ],
      }),
      { mode: 0o600 },
    );
    const r = syncMany(["--mailboxes", list, "--json"]);
    assert.equal(r.code, 3, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.totals.verified, 1);
    assert.equal(out.mailboxes[0].code, 3);
    assert.match(r.stderr, new RegExp(`mailboxes\\[0\\] ${extra.name}@127\\.0\\.0\\.1:\\d+ stopped`));
    assert.ok(!r.stdout.includes("wrong-password-123") && !r.stderr.includes("wrong-password-123"));
    assert.equal(total(await snapshot(extra.toUrl, extra.toPassword)), 0);
  });

  it("refuses a list file others can read when it holds passwords, naming the file and entry (exit 2)", () => {
    const list = path.join(dir, "open.json");
    writeFileSync(list, JSON.stringify([{ from: boxes[0].fromUrl, fromPassword: boxes[0].fromPassword, to: boxes[0].toUrl }]), {
      mode: 0o644,
    });
    const r = syncMany(["--mailboxes", list], { MAILSHIFT_TO_PASSWORD: boxes[0].toPassword });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(
        `${list.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: mailboxes\\[0\\]\\.fromPassword: the file can be read by other users; chmod 600`,
      ),
    );
    assert.ok(!r.stderr.includes(boxes[0].fromPassword));
  });
});
