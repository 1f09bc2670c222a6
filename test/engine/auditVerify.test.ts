// Audit (what the new quota must hold) and verify (proof that every source message arrived), on real Dovecot.
import { strict as assert } from "node:assert";
import { auditMailbox, syncMailbox, verifyMailbox } from "../../engine";
import { appendAll, readCorpus } from "../../harness/corpus";
import { stopAllDovecots } from "../../harness/dovecot";
import { FAST_RETRY, mailboxPair, startPair, type Pair } from "./fixtures";
import { connect, snapshot } from "./snapshot";

describe("audit and verify (real Dovecot)", function () {
  this.timeout(120_000);
  let pair: Pair;
  before(async () => {
    pair = await startPair();
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("audits each folder's message count, total size and largest message", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 40));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Archive.2002", readCorpus("spam", 25));
    const a = await auditMailbox(m.from, { retry: FAST_RETRY });
    const src = await snapshot(m.fromUrl, m.fromPassword);
    for (const [path, folder] of [
      ["INBOX", "INBOX"],
      ["INBOX.Archive.2002", "Archive/2002"],
    ]) {
      const list = src.get(path)!;
      const row = a.folders.find((f) => f.folder === folder)!;
      assert.ok(row, `audit lists ${folder}`);
      assert.equal(row.messages, list.length);
      assert.equal(
        row.bytes,
        list.reduce((n, x) => n + x.size, 0),
      );
      assert.equal(row.largest, Math.max(...list.map((x) => x.size)));
    }
    assert.equal(a.totals.messages, 65);
  });

  it("proves every message arrived, and lists the ones that did not by folder and Message-ID", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Sent", readCorpus("easy_ham", 30));
    await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    const ok = await verifyMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(ok.verified, true);
    assert.equal(ok.deep, true);
    assert.equal(ok.folders.find((f) => f.folder === "Sent")?.found, 30);

    // Lose one message on the destination (deleted by someone), and alter nothing else.
    const c = await connect(m.toUrl, m.toPassword);
    await c.mailboxOpen("Sent Items");
    const victim = await c.fetchOne("7", { uid: true, headers: ["message-id"] });
    await c.messageDelete("7");
    await c.logout();
    const bad = await verifyMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(bad.verified, false);
    assert.equal(bad.missing, 1);
    const missing = bad.folders.find((f) => f.folder === "Sent")!.missing[0];
    assert.equal(missing.folder, "Sent");
    assert.ok((victim || undefined)?.headers?.toString().includes(missing.messageId), "the missing one is named by its Message-ID");
  });
});
