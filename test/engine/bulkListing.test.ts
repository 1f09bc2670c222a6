// The engine's own listing reader (bulk connection) against imapflow's, on real Dovecot and real mail: the same
// UIDs, flags (keywords included), internal dates, sizes and Message-IDs, message for message.
import { strict as assert } from "node:assert";
import { openClient } from "../../engine/connect";
import { BulkConnection } from "../../engine/bulkConnection";
import { errorFacts, isNonexistentFolder } from "../../engine/classify";
import { listMessages, listMessagesBulk } from "../../engine/listing";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "./fixtures";

describe("bulk listing (real Dovecot): the same metadata as imapflow's listing", function () {
  this.timeout(120_000);
  const { pair } = pairWithProxies();

  it("reads every message's UID, flags, internal date, size and Message-ID exactly as imapflow does", async () => {
    const m = await mailboxPair(pair());
    const mail = [
      ...readCorpus("easy_ham", 200),
      ...readCorpus("spam", 50),
      gen.withoutMessageId(3),
      ...gen.sharedMessageId(3, 4),
      { ...gen.many(1, 5)[0], flags: ["\\Seen", "\\Flagged", "$Forwarded", "Work", "\\Answered", "\\Draft"] },
    ];
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail);
    const opts = { retry: FAST_RETRY };
    const client = await openClient(m.from, opts);
    const bulk = BulkConnection.adopt(await openClient(m.from, opts), 30_000);
    try {
      const expected = await listMessages(client, "INBOX", true);
      const got = await listMessagesBulk(bulk, "INBOX", true);
      assert.equal(got.metas.length, mail.length);
      assert.deepEqual(got.metas, expected.metas);
      assert.deepEqual(got.permanentFlags, expected.permanentFlags);
      assert.ok(
        got.metas.some((x) => x.flags.includes("Work") && x.flags.includes("$Forwarded")),
        "keywords are read",
      );
      assert.ok(
        got.metas.some((x) => x.messageId === ""),
        "a message without Message-ID reads as empty",
      );
    } finally {
      await client.logout();
      await bulk.close();
    }
  });

  it("says when a folder does not exist in the words the engine reads as a vanished folder", async () => {
    const m = await mailboxPair(pair());
    const bulk = BulkConnection.adopt(await openClient(m.from, { retry: FAST_RETRY }), 30_000);
    try {
      await assert.rejects(listMessagesBulk(bulk, "INBOX.No such folder", true), (e: unknown) => isNonexistentFolder(errorFacts(e)));
      assert.equal((await listMessagesBulk(bulk, "INBOX", true)).metas.length, 0, "the connection goes on after a NO");
    } finally {
      await bulk.close();
    }
  });

  it("lets a connection sit idle longer than the stall timeout: the timeout only runs while a command waits", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 5));
    const bulk = BulkConnection.adopt(await openClient(m.from, { retry: FAST_RETRY }), 300);
    try {
      await new Promise((r) => setTimeout(r, 900));
      assert.equal(bulk.usable, true, "still usable after three timeouts' worth of silence");
      assert.equal((await listMessagesBulk(bulk, "INBOX", true)).metas.length, 5);
    } finally {
      await bulk.close();
    }
  });
});
