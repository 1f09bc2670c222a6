// The engine against two real Dovecot servers with real mail: every source message arrives exactly once,
// byte for byte, with its flags and INTERNALDATE, in the right folder.
import { strict as assert } from "node:assert";
import { syncMailbox } from "../../engine";
import { appendAll, readCorpus, type RawMessage } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { stopAllDovecots } from "../../harness/dovecot";
import { FAST_RETRY, mailboxPair, startPair, type Pair } from "./fixtures";
import { connect, fingerprint, snapshot, total } from "./snapshot";

describe("copy engine: every message exactly once (real Dovecot)", function () {
  this.timeout(180_000);
  let pair: Pair;
  before(async () => {
    pair = await startPair({ maxMessageBytes: 8 * 1024 * 1024 });
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("copies every folder of a real mailbox: hierarchy, special-use roles, non-ASCII names, bytes, flags, dates", async () => {
    const m = await mailboxPair(pair);
    const ham = readCorpus("easy_ham", 400);
    const notmuch = readCorpus("notmuch");
    const spam = readCorpus("spam", 120);
    const nonAscii = gen.nonAsciiFolderNames();
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 250));
    await appendAll(
      m.fromUrl,
      m.fromPassword,
      "INBOX.Sent",
      ham.slice(250, 320).map((x) => ({ ...x, flags: ["\\Seen"] })),
    );
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Junk", spam);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Projects.2024", notmuch);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Trash", ham.slice(320, 330));
    const nonAsciiPaths = nonAscii.map((n) => `INBOX.${n.split("/").join(".")}`);
    for (const [i, p] of nonAsciiPaths.entries()) await appendAll(m.fromUrl, m.fromPassword, p, ham.slice(330 + i * 5, 335 + i * 5));

    const before = await snapshot(m.fromUrl, m.fromPassword);
    const summary = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(summary.verified, true, JSON.stringify(summary.folders.filter((f) => f.skipped.length)));
    assert.equal(summary.totals.copied, total(before));
    assert.equal(summary.totals.skipped, 0);

    const after = await snapshot(m.toUrl, m.toPassword);
    const expected: Record<string, string> = {
      INBOX: "INBOX",
      "INBOX.Sent": "Sent Items",
      "INBOX.Junk": "Junk Email",
      "INBOX.Trash": "Deleted Items",
      "INBOX.Projects.2024": "Projects/2024",
    };
    for (const [i, n] of nonAscii.entries()) expected[nonAsciiPaths[i]] = n;
    for (const [src, dst] of Object.entries(expected)) {
      assert.ok(after.has(dst), `destination folder "${dst}" exists (has: ${[...after.keys()].join(", ")})`);
      assert.deepEqual(fingerprint(after.get(dst)), fingerprint(before.get(src)), `${src} -> ${dst}: same bytes, dates and flags`);
    }
    assert.equal(total(after), total(before), "nothing extra anywhere");
    // Every folder mailshift created is subscribed, so a mail client shows it.
    const c = await connect(m.toUrl, m.toPassword);
    try {
      const subscribed = new Set((await c.list()).filter((f) => f.subscribed).map((f) => f.path));
      for (const dst of Object.values(expected))
        assert.ok(subscribed.has(dst) || dst === "INBOX", `destination folder "${dst}" subscribed`);
    } finally {
      await c.logout();
    }
    // The source is never modified: same messages, same flags (no \Seen from reading).
    const again = await snapshot(m.fromUrl, m.fromPassword);
    for (const [f, list] of before) assert.deepEqual(fingerprint(again.get(f)), fingerprint(list), `source ${f} unchanged`);
  });

  it("keeps messages without a Message-ID, different messages sharing one, N identical copies and large attachments", async () => {
    const m = await mailboxPair(pair);
    const same = gen.many(1, 7)[0];
    const fixed: RawMessage = { ...same, internalDate: new Date("2020-01-02T03:04:05Z") };
    const msgs: RawMessage[] = [
      gen.withoutMessageId(1),
      gen.withoutMessageId(2),
      gen.withoutMessageId(3),
      ...gen.sharedMessageId(4, 11),
      fixed,
      fixed,
      fixed,
      gen.withAttachment(3 * 1024 * 1024, 5),
    ];
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", msgs);
    const summary = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(summary.totals.copied, msgs.length);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
    const counts = new Map<string, number>();
    for (const x of dst.get("INBOX")!) counts.set(x.digest, (counts.get(x.digest) ?? 0) + 1);
    assert.equal(Math.max(...counts.values()), 3, "three identical copies stay three");
    // A second pass over the tricky ones copies nothing.
    const second = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(second.totals.copied, 0);
    assert.equal(second.totals.alreadyPresent, msgs.length);
  });
});
