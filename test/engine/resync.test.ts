// Resync is idempotent with no local state: after a complete pass, after new mail, after flag changes,
// after a run killed with SIGKILL in the middle of APPENDs, and after the source's UIDVALIDITY changed.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import path from "node:path";
import { syncMailbox } from "../../engine";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { repoRoot } from "../../harness/repoRoot";
import { meterServer } from "../../harness/faultProxy";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "./fixtures";
import { connect, fingerprint, snapshot } from "./snapshot";

describe("copy engine: idempotent resync (real Dovecot)", function () {
  this.timeout(240_000);
  const { pair } = pairWithProxies();

  it("copies nothing the second time, only new mail after it arrives, carries flag changes, leaves destination-only mail alone", async () => {
    const m = await mailboxPair(pair());
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
    const m = await mailboxPair(pair());
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
      const n = st ? (st.messages ?? 0) : 0;
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
    const m = await mailboxPair(pair());
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
    const m = await mailboxPair(pair());
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
  const { pair, proxy } = pairWithProxies();

  it("skips folders where nothing moved, and still sees new mail, flag changes and mail lost on the destination", async () => {
    const m = await mailboxPair(pair());
    const ham = readCorpus("easy_ham", 130);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 60));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", ham.slice(60, 120));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    const groups = first.folders.length;
    // The arrival check proved every appended message by its UID, and no one else moved the folders meanwhile.
    assert.equal(Object.keys(first.watermarks).length, groups, "a watermark for every folder, those just copied included");

    // The very next pass lists nothing: every folder is skipped, every message still there once.
    const idle = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.equal(idle.unchangedFolders, groups, "nothing listed when nothing moved");
    assert.deepEqual([idle.totals.copied, idle.totals.alreadyPresent, idle.verified], [0, 120, true]);
    const [srcNow, dstNow] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    assert.deepEqual(fingerprint(dstNow.get("INBOX")), fingerprint(srcNow.get("INBOX")));
    assert.deepEqual(fingerprint(dstNow.get("Work")), fingerprint(srcNow.get("INBOX.Work")));

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
    assert.equal(moved.unchangedFolders, groups - 2, "only INBOX and Work are read again");
    assert.equal(moved.totals.copied, 11, "the 10 new messages and the one lost on the destination");
    assert.equal(moved.totals.flagsUpdated, 1);
    const a = await snapshot(m.fromUrl, m.fromPassword);
    const b = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(b.get("INBOX")), fingerprint(a.get("INBOX")));
    assert.deepEqual(fingerprint(b.get("Work")), fingerprint(a.get("INBOX.Work")));
  });

  it("creates an empty folder without opening it on either side, and copies the mail that lands in it later", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(5, 82));
    const c = await connect(m.fromUrl, m.fromPassword);
    await c.mailboxCreate("INBOX.Later");
    await c.logout();
    const [ps, pd] = await Promise.all([proxy(pair().old), proxy(pair().fresh)]);
    const opened: string[] = [];
    const record = (line: string) => {
      if (/^\S+ (SELECT|EXAMINE) /i.test(line)) opened.push(line);
      return line;
    };
    ps.rewriteClient(record);
    pd.rewriteClient(record);
    const first = await syncMailbox({ ...m.from, port: ps.port }, { ...m.to, port: pd.port }, { retry: FAST_RETRY });
    assert.ok(
      opened.some((l) => /INBOX/.test(l)),
      "INBOX, with mail, was opened",
    );
    assert.deepEqual(
      opened.filter((l) => /Later/.test(l)),
      [],
      "the empty folder was not",
    );
    const later = first.folders.find((f) => f.folder === "Later");
    assert.deepEqual([later?.onSource, later?.copied, first.verified], [0, 0, true]);
    assert.ok(first.watermarks.Later, "an empty folder is proven complete");
    assert.ok((await snapshot(m.toUrl, m.toPassword)).has("Later"), "and exists on the destination");

    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Later", gen.many(3, 83));
    const next = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.deepEqual([next.folders.find((f) => f.folder === "Later")?.copied, next.totals.copied], [3, 3]);
    const [src, dst] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    assert.deepEqual(fingerprint(dst.get("Later")), fingerprint(src.get("INBOX.Later")));
  });

  it("a resync of new mail logs in once on each side, and copies it byte for byte, once", async () => {
    // The cutover pass: each side's connection lists the folders and is then taken over for the bulk work
    // (engine/session.ts); what arrives is exactly what the source holds.
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(40, 86));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", gen.many(20, 87));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    const odd = [gen.withoutMessageId(88), gen.withoutMessageId(89), gen.withAttachment(300_000, 90)];
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...gen.many(5, 91), ...odd]);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", gen.many(3, 92));
    const [ps, pd] = await Promise.all([proxy(pair().old), proxy(pair().fresh)]);
    const logins = { source: 0, destination: 0 };
    const counter = (side: keyof typeof logins) => (line: string) => {
      if (/^\S+ (AUTHENTICATE|LOGIN) /i.test(line)) logins[side] += 1;
      return line;
    };
    ps.rewriteClient(counter("source"));
    pd.rewriteClient(counter("destination"));
    const delta = await syncMailbox(
      { ...m.from, port: ps.port },
      { ...m.to, port: pd.port },
      { retry: FAST_RETRY, watermarks: first.watermarks },
    );
    assert.deepEqual([delta.totals.copied, delta.verified], [8 + odd.length, true]);
    assert.deepEqual(logins, { source: 1, destination: 1 }, "one login per side");
    const [src, dst] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "every message once, its bytes, date and flags");
    assert.deepEqual(fingerprint(dst.get("Work")), fingerprint(src.get("INBOX.Work")));
    const again = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: delta.watermarks });
    assert.deepEqual([again.totals.copied, again.unchangedFolders], [0, again.folders.length], "the next pass has nothing to do");
  });

  it("a destination folder empty when the pass began that receives one of the messages before its turn: no duplicate", async () => {
    // An empty destination folder is listed against without the sources' Message-IDs (they come with the bodies);
    // mail found there after all means comparing as usual.
    const m = await mailboxPair(pair());
    const work = gen.many(30, 84);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(400, 85));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", work);
    const dst = await connect(m.toUrl, m.toPassword);
    await dst.mailboxCreate("Work");
    await dst.logout();
    let meanwhile: Promise<void> | undefined;
    const s = await syncMailbox(m.from, m.to, {
      retry: FAST_RETRY,
      lanes: 1,
      batchBytes: 16 * 1024, // INBOX takes many batches: the message lands long before Work's turn
      onProgress: (p) => {
        if (p.folder === "INBOX" && !meanwhile) meanwhile = appendAll(m.toUrl, m.toPassword, "Work", [work[7]]);
      },
    });
    await meanwhile;
    const w = s.folders.find((f) => f.folder === "Work")!;
    assert.deepEqual([w.copied, w.alreadyPresent, s.verified], [29, 1, true]);
    const [src, dstNow] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    assert.deepEqual(fingerprint(dstNow.get("Work")), fingerprint(src.get("INBOX.Work")), "every message once");
  });

  it("mail that arrives while a pass runs, in a folder not yet copied or already done, is copied once by the next pass at the latest", async () => {
    // The marks a pass starts from are read with the folder list, and those after it once all folders are done:
    // mail arriving in between must never end up under a watermark that skips it.
    const m = await mailboxPair(pair());
    const mail = gen.many(232, 81);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(0, 120));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", mail.slice(120, 230));
    const paths: Record<string, string> = { INBOX: "INBOX", Work: "INBOX.Work" };
    const started: string[] = [];
    const arriving: Promise<void>[] = [];
    const first = await syncMailbox(m.from, m.to, {
      retry: FAST_RETRY,
      connections: 1,
      onProgress: (p) => {
        if (!paths[p.folder] || started.includes(p.folder)) return;
        started.push(p.folder);
        // The first of the two under way: a message for the other, not read yet. The second: one for the first, done.
        const target = started.length === 1 ? Object.values(paths).find((f) => f !== paths[p.folder])! : paths[started[0]];
        arriving.push(appendAll(m.fromUrl, m.fromPassword, target, [mail[229 + started.length]]));
      },
    });
    assert.equal(started.length, 2, "INBOX and Work copied, one after the other");
    await Promise.all(arriving);

    const next = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.equal(first.totals.copied + next.totals.copied, 232, "every message copied once over both passes");
    assert.equal(next.verified, true);
    const [src, dst] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
    assert.deepEqual(fingerprint(dst.get("Work")), fingerprint(src.get("INBOX.Work")));
    const idle = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: next.watermarks });
    assert.deepEqual([idle.unchangedFolders, idle.totals.copied], [idle.folders.length, 0], "then nothing is left to read");
  });
});

describe("copy engine: a resync after new mail reads what changed, not what exists (real Dovecot)", function () {
  this.timeout(300_000);
  const { pair, proxy } = pairWithProxies();

  type Mailbox = Awaited<ReturnType<typeof mailboxPair>>;
  /** Both servers behind a metering proxy: what the engine read from each in one pass. */
  async function metered(m: Mailbox) {
    const [ps, pd] = await Promise.all([proxy(pair().old), proxy(pair().fresh)]);
    return { from: { ...m.from, port: ps.port }, to: { ...m.to, port: pd.port }, source: meterServer(ps), destination: meterServer(pd) };
  }

  async function assertExactlyOnce(m: Mailbox, folders: Record<string, string> = { INBOX: "INBOX" }) {
    const [src, dst] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    for (const [s, d] of Object.entries(folders))
      assert.deepEqual(fingerprint(dst.get(d)), fingerprint(src.get(s)), `${s} -> ${d}: every message once, bytes, date and flags`);
  }

  /** A folder of `size` messages copied, then 10 new ones: the delta pass, metered. */
  async function deltaPass(size: number, seed: number) {
    const m = await mailboxPair(pair());
    const mail = gen.many(size + 10, seed);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(0, size));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.deepEqual([first.totals.copied, first.verified], [size, true]);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(size));
    const via = await metered(m);
    const delta = await syncMailbox(via.from, via.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.deepEqual(
      [delta.totals.copied, delta.totals.alreadyPresent, delta.totals.onSource, delta.verified],
      [10, size, size + 10, true],
    );
    await assertExactlyOnce(m);
    return { m, delta, read: via.source.bytes + via.destination.bytes, fetches: via.source.fetches + via.destination.fetches };
  }

  it("copies only the 10 new messages, and reads no more from a folder of 4,000 than from one of 1,000", async () => {
    const small = await deltaPass(1000, 71);
    const large = await deltaPass(4000, 72);
    // Each new message is read three times: its identity, its bytes, and its arrival check on the destination.
    assert.ok(
      small.fetches <= 40 && large.fetches <= 40,
      `FETCH responses: ${small.fetches} and ${large.fetches}, not one per message of the folder`,
    );
    assert.ok(large.read < small.read * 1.25, `bytes read: ${large.read} for 4,000 messages vs ${small.read} for 1,000`);

    // The pass after it skips the folder; a pass without the state (lost) still works, and lists everything.
    const next = await syncMailbox(large.m.from, large.m.to, { retry: FAST_RETRY, watermarks: large.delta.watermarks });
    assert.equal(next.unchangedFolders, next.folders.length);
    const via = await metered(large.m);
    const lost = await syncMailbox(via.from, via.to, { retry: FAST_RETRY });
    assert.deepEqual([lost.totals.copied, lost.totals.alreadyPresent, lost.verified], [0, 4010, true]);
    assert.ok(
      via.source.fetches >= 4010 && via.source.bytes > 10 * large.read,
      `a full listing reads every message (${via.source.fetches} FETCH, ${via.source.bytes} bytes)`,
    );
    await assertExactlyOnce(large.m);
  });

  it("a flag changed on an old source message falls back to the full comparison and carries the flag", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(200, 73));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(205, 73).slice(200));
    const c = await connect(m.fromUrl, m.fromPassword);
    await c.mailboxOpen("INBOX");
    await c.messageFlagsAdd("7", ["\\Flagged", "$Later"]);
    await c.logout();

    const via = await metered(m);
    const s = await syncMailbox(via.from, via.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.deepEqual([s.totals.copied, s.totals.flagsUpdated, s.verified], [5, 1, true]);
    assert.ok(via.source.fetches >= 205, "the source was listed in full");
    await assertExactlyOnce(m);
    const next = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: s.watermarks });
    assert.equal(next.unchangedFolders, next.folders.length, "and the pass after it is free again");
  });

  it("a message moved away on the source and back is not copied a second time", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(50, 74));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Archive", gen.many(50, 75).slice(0, 1));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    // Back in INBOX it has a new UID, above the watermark: it looks new, but its copy is on the destination.
    const c = await connect(m.fromUrl, m.fromPassword);
    await c.mailboxOpen("INBOX");
    await c.messageMove("10", "INBOX.Archive", { uid: true });
    await c.mailboxOpen("INBOX.Archive");
    await c.messageMove("2", "INBOX", { uid: true });
    await c.logout();

    const s = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.equal(s.totals.copied, 0, "nothing new for the destination: the message was there, in both folders");
    const [src, dst] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "INBOX holds it once");
    assert.deepEqual(fingerprint(dst.get("Archive")), fingerprint(src.get("INBOX.Archive")));
  });

  it("mail deleted on the source changes nothing, and new mail after it is still copied without a listing", async () => {
    const m = await mailboxPair(pair());
    const mail = gen.many(310, 76);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(0, 300));
    const first = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    const c = await connect(m.fromUrl, m.fromPassword);
    await c.mailboxOpen("INBOX");
    await c.messageDelete("1:3", { uid: true });
    await c.logout();
    const quiet = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.deepEqual([quiet.totals.copied, quiet.totals.onSource, quiet.verified], [0, 297, true]);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.equal(dst.get("INBOX")!.length, 300, "the deleted messages stay on the destination");

    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(300));
    const via = await metered(m);
    const s = await syncMailbox(via.from, via.to, { retry: FAST_RETRY, watermarks: quiet.watermarks });
    assert.deepEqual([s.totals.copied, s.verified], [10, true]);
    assert.ok(via.source.fetches <= 20, `not listed: ${via.source.fetches} FETCH responses from the source`);
    const after = await snapshot(m.toUrl, m.toPassword);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dstPrints = fingerprint(after.get("INBOX"));
    for (const p of fingerprint(src.get("INBOX"))) assert.ok(dstPrints.includes(p));
    assert.equal(after.get("INBOX")!.length, 310, "the 307 on the source, and the 3 deleted there");
  });
});
