// The engine against a destination that answers like Exchange Online: Dovecot's "new" layout (Sent Items,
// Deleted Items, Junk Email) behind the fault proxy with the Exchange emulation rules.
import { strict as assert } from "node:assert";
import { syncMailbox, verifyMailbox, type Endpoint } from "../../engine";
import { appendAll, readCorpus, type RawMessage } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { Dovecot } from "../../harness/dovecot";
import { exchangeEmulation, TOO_BIG_TEXT, type ExchangeEmulationOptions } from "../../harness/exchangeEmulation";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "../engine/fixtures";
import { connect, fingerprint, snapshot, total } from "../engine/snapshot";

describe("faults: an Exchange Online destination (Dovecot behind the emulating proxy)", function () {
  this.timeout(180_000);
  const { pair, proxy } = pairWithProxies();

  /** A fresh mailbox pair whose destination endpoint goes through an Exchange-emulating proxy. */
  async function exchangeMailbox(opts: ExchangeEmulationOptions = {}) {
    const m = await mailboxPair(pair());
    const p = await proxy(pair().fresh);
    const { rules, stats } = exchangeEmulation(opts);
    p.use(rules);
    const to: Endpoint = { ...m.to, port: p.port };
    return { m, to, proxy: p, stats };
  }

  it("waits out throttled APPENDs for the suggested backoff and goes on: every message exactly once", async () => {
    const { m, to, stats, proxy } = await exchangeMailbox({ throttleEvery: 4, backoffMs: 150 });
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(60, 71));
    const t0 = Date.now();
    const s = await syncMailbox(m.from, to, { retry: FAST_RETRY, connections: 1 });
    const elapsed = Date.now() - t0;
    assert.ok(stats.throttled >= 10, `the server throttled (${stats.throttled} times)`);
    assert.ok(elapsed >= stats.throttled * 150, `the engine waited the suggested 150 ms each time (${elapsed} ms for ${stats.throttled})`);
    assert.equal(proxy.errors.length, 0);
    assert.equal(s.totals.copied, 60);
    assert.equal(s.totals.skipped, 0, "a throttled message is not a refused one");
    assert.equal(s.verified, true);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
  });

  it("skips a message over Exchange's size limit with Exchange's reason, copies the rest, and a second pass adds nothing", async () => {
    const { m, to } = await exchangeMailbox({ maxAppendBytes: 100 * 1024 });
    const big = gen.withAttachment(300 * 1024, 3);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...readCorpus("easy_ham", 20), big]);
    for (let pass = 1; pass <= 2; pass++) {
      const s = await syncMailbox(m.from, to, { retry: FAST_RETRY });
      assert.equal(s.totals.copied, pass === 1 ? 20 : 0, `pass ${pass}`);
      assert.equal(s.totals.skipped, 1, `pass ${pass}: the big message is reported each time`);
      assert.ok(s.folders[0].skipped[0].reason.includes(TOO_BIG_TEXT), s.folders[0].skipped[0].reason);
      assert.equal(s.verified, false);
      assert.equal(s.missing, 1);
    }
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.equal(dst.get("INBOX")?.length, 20);
  });

  it("sets \\Flagged again after Exchange drops it on APPEND, and reports keywords it cannot store without failing", async () => {
    const { m, to, stats } = await exchangeMailbox();
    const msgs: RawMessage[] = gen.many(30, 72).map((x, i) => ({
      ...x,
      flags: i % 3 === 0 ? ["\\Seen", "\\Flagged"] : i % 3 === 1 ? ["\\Seen", "$Label1"] : ["\\Answered"],
    }));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", msgs);
    const s = await syncMailbox(m.from, to, { retry: FAST_RETRY });
    assert.equal(s.totals.copied, 30);
    assert.equal(s.verified, true);
    assert.equal(s.folders[0].unsupportedFlags.$Label1, 10, "the 10 messages with a keyword are reported");
    assert.ok(stats.flaggedDropped >= 1, "the emulation dropped \\Flagged from APPENDs");
    const dst = await snapshot(m.toUrl, m.toPassword);
    const flagged = (dst.get("INBOX") ?? []).filter((x) => x.flags.includes("\\Flagged")).length;
    assert.equal(flagged, 10, `\\Flagged is back on all 10 (dropped on APPEND ${stats.flaggedDropped} times)`);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const withoutKeywords = (l: typeof src extends Map<string, infer V> ? V : never) =>
      fingerprint(l.map((x) => ({ ...x, flags: x.flags.filter((f) => f.startsWith("\\")) })));
    assert.deepEqual(withoutKeywords(dst.get("INBOX") ?? []), withoutKeywords(src.get("INBOX") ?? []), "system flags all match");
    assert.ok(
      (dst.get("INBOX") ?? []).every((x) => !x.flags.includes("$Label1")),
      "no keyword reached the destination",
    );
  });

  it("works without CONDSTORE/QRESYNC: a later pass still sees a flag changed on the source", async () => {
    const { m, to } = await exchangeMailbox();
    await appendAll(
      m.fromUrl,
      m.fromPassword,
      "INBOX",
      gen.many(20, 73).map((x) => ({ ...x, flags: [] })),
    );
    const first = await syncMailbox(m.from, to, { retry: FAST_RETRY });
    assert.equal(first.verified, true);
    // the user reads a message on the old host between passes
    const c = await connect(m.fromUrl, m.fromPassword);
    try {
      await c.mailboxOpen("INBOX");
      await c.messageFlagsAdd("1", ["\\Seen"]);
    } finally {
      await c.logout();
    }
    const second = await syncMailbox(m.from, to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.equal(
      second.unchangedFolders,
      Object.keys(first.watermarks).length - 1,
      "every folder but INBOX, where a flag changed, is skipped",
    );
    assert.equal(second.totals.flagsUpdated, 1);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
  });

  it("maps the special folders to Exchange's names (Sent Items, Deleted Items, Junk Email)", async () => {
    const { m, to } = await exchangeMailbox({ throttleEvery: 7, backoffMs: 50 });
    const ham = readCorpus("easy_ham", 30);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Sent", ham.slice(0, 10));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Trash", ham.slice(10, 20));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Junk", ham.slice(20, 30));
    const s = await syncMailbox(m.from, to, { retry: FAST_RETRY });
    assert.equal(s.verified, true);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    for (const [a, b] of [
      ["INBOX.Sent", "Sent Items"],
      ["INBOX.Trash", "Deleted Items"],
      ["INBOX.Junk", "Junk Email"],
    ]) {
      assert.deepEqual(fingerprint(dst.get(b)), fingerprint(src.get(a)), `${a} -> ${b}`);
    }
    assert.equal(total(dst), 30);
  });

  it("reports a folder Exchange refuses with its reason and how to rename it, copies the rest; with the rename the next run completes", async () => {
    // A source with "/" as separator can have a folder name ending in "." (Exchange refuses those).
    const source = await Dovecot.start({ layout: "new", users: [], name: "src-new", keepDir: false });
    const user = `dot-${process.pid}`;
    await source.addUser({ user, password: "src-pw" });
    const { m, to, stats } = await exchangeMailbox();
    const from: Endpoint = { host: source.host, port: source.port, tls: "starttls", user, password: "src-pw" };
    const fromUrl = source.url(user);
    await appendAll(fromUrl, "src-pw", "INBOX", gen.many(5, 74));
    await appendAll(fromUrl, "src-pw", "Notes v1.", gen.many(5, 75));
    const refused = await syncMailbox(from, to, { retry: FAST_RETRY });
    assert.deepEqual(stats.rejectedFolders, ["Notes v1."]);
    const notes = refused.folders.find((f) => f.folder === "Notes v1.");
    assert.ok(notes, JSON.stringify(refused.folders.map((f) => f.folder)));
    assert.equal(notes.copied, 0);
    assert.match(
      notes.notes.join(" "),
      /refused to create folder "Notes v1\.": .*Folder name is not valid.*--rename "Notes v1\.=NEW NAME"/,
    );
    assert.deepEqual(
      [refused.verified, refused.missing, refused.totals.copied],
      [false, 5, 5],
      "INBOX copied, the refused folder's 5 reported missing",
    );
    const s = await syncMailbox(from, to, { retry: FAST_RETRY, folders: { rename: { "Notes v1.": "Notes v1" } } });
    assert.equal(s.verified, true);
    const src = await snapshot(fromUrl, "src-pw");
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("Notes v1")), fingerprint(src.get("Notes v1.")));
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
    assert.equal(total(dst), 10);
  });

  it("sizes that are not the bytes it was sent (Exchange's estimates): the copy is proven by Message-ID and date, and no pass copies anything twice", async () => {
    const { m, to } = await exchangeMailbox();
    const mail = [...readCorpus("easy_ham", 25), ...gen.sharedMessageId(3, 76), gen.withAttachment(200 * 1024, 77)];
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail);
    const first = await syncMailbox(m.from, to, { retry: FAST_RETRY });
    assert.equal(first.totals.copied, mail.length);
    assert.equal(first.verified, true, JSON.stringify(first.folders[0].notes));
    assert.match(
      first.folders[0].notes.join(" "),
      new RegExp(
        `${mail.length} messages are stored by the destination server \\(127\\.0\\.0\\.1\\) altered \\(${mail.length} with another size`,
      ),
    );
    for (let pass = 2; pass <= 3; pass++) {
      const again = await syncMailbox(m.from, to, { retry: FAST_RETRY });
      assert.equal(again.totals.copied, 0, `pass ${pass} copies nothing`);
      assert.equal(again.folders[0].alreadyPresent, mail.length, `pass ${pass}`);
      assert.equal(again.verified, true);
    }
    // What the server holds (read directly, not through the emulation): each message once, byte for byte.
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
    // Deep verification compares bytes: through the emulation they are the same, but the sizes are not.
    const quick = await verifyMailbox(m.from, to, { retry: FAST_RETRY, deep: false });
    assert.deepEqual([quick.verified, quick.missing, quick.rewritten], [true, 0, mail.length]);
  });

  it("messages without a Message-ID: recognised on arrival and by every later pass, with no state: the folder never grows", async () => {
    const { m, to } = await exchangeMailbox();
    const mail = [...gen.many(6, 78), gen.withoutMessageId(79), gen.withoutMessageId(80)];
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail);
    for (let pass = 1; pass <= 3; pass++) {
      const r = await syncMailbox(m.from, to, { retry: FAST_RETRY });
      assert.deepEqual([r.totals.copied, r.verified, r.missing], [pass === 1 ? 8 : 0, true, 0], `pass ${pass}`);
      assert.match(
        r.folders[0].notes.join(" "),
        /stored by the destination server \(127\.0\.0\.1\) altered/,
        `pass ${pass}: the sizes it reports are not the bytes`,
      );
      const dst = await snapshot(m.toUrl, m.toPassword);
      assert.equal(dst.get("INBOX")!.length, mail.length, `pass ${pass}: the destination holds each message once`);
    }
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
  });

  it("has watermarks without CONDSTORE: a pass after a complete one lists nothing, and new source mail is copied without listing the destination", async () => {
    const { m, to, proxy } = await exchangeMailbox();
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(20, 81));
    const first = await syncMailbox(m.from, to, { retry: FAST_RETRY });
    assert.equal(first.verified, true);
    let listings = 0;
    proxy.rewriteClient((line) => {
      if (/FETCH 1:\*/i.test(line)) listings += 1;
      return line;
    });
    const second = await syncMailbox(m.from, to, { retry: FAST_RETRY, watermarks: first.watermarks });
    assert.deepEqual([second.totals.copied, listings, second.verified], [0, 0, true]);
    assert.equal(second.unchangedFolders, Object.keys(first.watermarks).length, "every folder skipped as unchanged");

    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(3, 82));
    const third = await syncMailbox(m.from, to, { retry: FAST_RETRY, watermarks: second.watermarks });
    assert.deepEqual([third.totals.copied, listings, third.verified], [3, 0, true], "only the new mail, the destination not listed");
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
  });
});
