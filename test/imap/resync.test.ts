// Resync is idempotent with no local state: after a complete pass, after new mail, after flag changes,
// after a run killed with SIGKILL in the middle of APPENDs, and after the source's UIDVALIDITY changed.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import path from "node:path";
import { syncMailbox } from "../../providers/imap";
import { appendAll, readCorpus } from "../harness/corpus";
import * as gen from "../harness/generate";
import { stopAllDovecots } from "../harness/dovecot";
import { repoRoot } from "../harness/repoRoot";
import { FAST_RETRY, mailboxPair, startPair, type Pair } from "./fixtures";
import { connect, fingerprint, snapshot } from "./snapshot";

describe("copy engine: idempotent resync (real Dovecot)", function () {
  this.timeout(240_000);
  let pair: Pair;
  before(async () => {
    pair = await startPair();
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("copies nothing the second time, only new mail after it arrives, carries flag changes, leaves destination-only mail alone", async () => {
    const m = await mailboxPair(pair);
    const ham = readCorpus("easy_ham", 200);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 150));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(first.totals.copied, 150);

    const before = await snapshot(m.toUrl, m.toPassword);
    const second = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.deepEqual([second.totals.copied, second.totals.flagsUpdated, second.totals.alreadyPresent], [0, 0, 150]);
    const unchanged = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(
      [...unchanged.get("INBOX")!].map((x) => [x.uid, x.flags.join(" ")]),
      [...before.get("INBOX")!].map((x) => [x.uid, x.flags.join(" ")]),
      "a no-op pass changes nothing, not even UIDs or flags",
    );

    // New mail on the source, a flag change on the source, and mail of the user's own on the destination.
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(150, 170));
    await appendAll(m.toUrl, m.toPassword, "INBOX", [gen.many(1, 99)[0]]);
    const c = await connect(m.fromUrl, m.fromPassword);
    await c.mailboxOpen("INBOX");
    await c.messageFlagsAdd("1:5", ["\\Flagged", "$Important"]);
    await c.logout();

    const delta = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(delta.totals.copied, 20, "only the new messages");
    assert.equal(delta.totals.flagsUpdated, 5, "the five re-flagged messages");
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.equal(dst.get("INBOX")!.length, 171, "170 from the source plus the user's own message, which stays");
    const srcPrints = fingerprint(src.get("INBOX"));
    const dstPrints = fingerprint(dst.get("INBOX"));
    for (const p of srcPrints) assert.ok(dstPrints.includes(p), "every source message with its flags is on the destination");
  });

  it("survives a run killed with SIGKILL during APPEND: the next run completes without a duplicate", async () => {
    const m = await mailboxPair(pair);
    const msgs = gen.many(3000, 42);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", msgs);
    const cli = path.join(repoRoot(), "bin", "mailshift.js");
    const child = spawn(process.execPath, [cli, "sync", "--from", m.fromUrl, "--to", m.toUrl, "--connections", "2"], {
      env: { ...process.env, MAILSHIFT_FROM_PASSWORD: m.fromPassword, MAILSHIFT_TO_PASSWORD: m.toPassword },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    // Kill it once some, but not all, messages have arrived: it is in the middle of APPENDs.
    const watcher = await connect(m.toUrl, m.toPassword);
    let seen = 0;
    for (let i = 0; i < 600 && seen < 300; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const list = await watcher.list();
      const st = list.some((f) => f.path === "INBOX") && (await watcher.status("INBOX", { messages: true }));
      if (st) seen = st.messages ?? 0;
    }
    child.kill("SIGKILL");
    await exited;
    // The server finishes an APPEND whose bytes had all arrived; wait until the count stops moving.
    let partial = -1;
    for (let stable = 0; stable < 3; ) {
      await new Promise((r) => setTimeout(r, 300));
      const st = await watcher.status("INBOX", { messages: true });
      const n = st ? st.messages ?? 0 : 0;
      stable = n === partial ? stable + 1 : 0;
      partial = n;
    }
    await watcher.logout();
    assert.ok(partial > 0 && partial < 3000, `killed mid-copy (${partial} of 3000 had arrived)`);

    const resumed = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(resumed.totals.copied, 3000 - partial, "copies exactly what had not arrived");
    assert.equal(resumed.verified, true);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "exactly once each");
  });

  it("copies nothing after the source folder's UIDVALIDITY changed", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Reports", readCorpus("spam", 60));
    await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    // Rebuild the folder on the source: same messages, new UIDVALIDITY, new UIDs.
    const c = await connect(m.fromUrl, m.fromPassword);
    const oldValidity = (await c.mailboxOpen("INBOX.Reports")).uidValidity;
    await c.mailboxCreate("INBOX.Reports2");
    await c.messageCopy("1:*", "INBOX.Reports2");
    await c.mailboxClose();
    await c.mailboxDelete("INBOX.Reports");
    await c.mailboxRename("INBOX.Reports2", "INBOX.Reports");
    const newValidity = (await c.mailboxOpen("INBOX.Reports", { readOnly: true })).uidValidity;
    await c.logout();
    assert.notEqual(newValidity, oldValidity);

    const again = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(again.totals.copied, 0);
    assert.equal(again.totals.alreadyPresent, 60);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.equal(dst.get("Reports")!.length, 60);
  });

  it("resyncs a 10,000-message folder: the second pass copies nothing", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(10_000, 3));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(first.totals.copied, 10_000);
    assert.equal(first.verified, true);
    const second = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(second.totals.copied, 0);
    assert.equal(second.totals.alreadyPresent, 10_000);
  });
});

describe("copy engine: watermarks make an unchanged folder free (real Dovecot)", function () {
  this.timeout(120_000);
  let pair: Pair;
  before(async () => {
    pair = await startPair();
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("skips folders where nothing moved, and still sees new mail, flag changes and mail lost on the destination", async () => {
    const m = await mailboxPair(pair);
    const ham = readCorpus("easy_ham", 130);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 60));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", ham.slice(60, 120));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    const groups = first.folders.length;
    // Folders the pass appended to get no watermark: only a listing can vouch for a destination that moved.
    assert.equal(Object.keys(first.watermarks).length, groups - 2, "empty folders have one, INBOX and Work not yet");

    // The next pass lists INBOX and Work once and finds them complete; from then on nothing moves at all.
    const settled = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.equal(Object.keys(settled.watermarks).length, groups);
    const idle = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: settled.watermarks });
    assert.equal(idle.unchangedFolders, groups, "nothing listed when nothing moved");
    assert.deepEqual([idle.totals.copied, idle.totals.alreadyPresent, idle.verified], [0, 120, true]);

    // New mail in Work, a flag change in INBOX, a message lost on the destination's INBOX.
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", ham.slice(120, 130));
    const src = await connect(m.fromUrl, m.fromPassword);
    await src.mailboxOpen("INBOX");
    await src.messageFlagsAdd("1", ["\\Answered"]);
    await src.logout();
    const dst = await connect(m.toUrl, m.toPassword);
    await dst.mailboxOpen("INBOX");
    await dst.messageDelete("5");
    await dst.logout();

    const moved = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: idle.watermarks });
    assert.equal(moved.unchangedFolders, groups - 2, "only INBOX and Work are listed again");
    assert.equal(moved.totals.copied, 11, "the 10 new messages and the one lost on the destination");
    assert.equal(moved.totals.flagsUpdated, 1);
    const a = await snapshot(m.fromUrl, m.fromPassword);
    const b = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(b.get("INBOX")), fingerprint(a.get("INBOX")));
    assert.deepEqual(fingerprint(b.get("Work")), fingerprint(a.get("INBOX.Work")));
  });
});
