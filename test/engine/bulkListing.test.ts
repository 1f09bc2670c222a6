// The engine's own listing reader (bulk connection) against imapflow's, on real Dovecot and real mail: the same
// UIDs, flags (keywords included), internal dates, sizes and Message-IDs, message for message; and the same for
// what a resync asks together in one write (a folder's new mail, the folders' marks).
import { strict as assert } from "node:assert";
import { openClient } from "../../engine/connect";
import { BulkConnection } from "../../engine/bulkConnection";
import { errorFacts, isNonexistentFolder } from "../../engine/classify";
import { listFolders, listMessages, listMessagesBulk } from "../../engine/listing";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "./fixtures";
import { connect } from "./snapshot";

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

  it("reads a resync's new mail, flag changes and folder marks sent together as imapflow reads them one by one", async () => {
    // Dovecot runs commands written together at the same time and mixes their answers: each is told apart by its
    // UID or folder name, not by the order of arrival.
    const m = await mailboxPair(pair());
    const odd = gen.nonAsciiFolderNames()[4]; // "Café & Crème": modified UTF-7 on the wire, with its "&-"
    const old = [...gen.many(30, 11), gen.withoutMessageId(12)];
    const fresh = [...gen.many(4, 13), gen.withAttachment(200_000, 14), gen.withoutMessageId(15)];
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...old, ...fresh]);
    await appendAll(m.fromUrl, m.fromPassword, `INBOX.${odd}`, gen.many(3, 16));
    const opts = { retry: FAST_RETRY };
    const client = await openClient(m.from, opts);
    const bulk = BulkConnection.adopt(await openClient(m.from, opts), 30_000);
    try {
      const paths = [...(await listFolders(client)).folders.map((f) => f.path), "INBOX.No such folder"];
      assert.ok(paths.includes(`INBOX.${odd}`));
      const marks = await bulk.statuses(paths);
      for (const [i, path] of paths.entries()) {
        if (path === "INBOX.No such folder") {
          assert.equal(marks[i], undefined, "no mark for a folder that is not there");
          continue;
        }
        const st = await client.status(path, { uidValidity: true, uidNext: true, messages: true, highestModseq: true });
        assert.ok(st, path);
        assert.deepEqual(
          marks[i],
          {
            path,
            uidValidity: String(st.uidValidity),
            uidNext: st.uidNext,
            messages: st.messages,
            highestModseq: String(st.highestModseq),
          },
          path,
        );
      }
      const inbox = marks[paths.indexOf("INBOX")]!;
      const below = old.length + 1;
      const all = (await listMessages(client, "INBOX", true)).metas;
      const read = await bulk.readSince("INBOX", below, inbox.uidNext - 1, inbox.highestModseq);
      assert.deepEqual(read.metas, all.slice(old.length), "the new messages, as imapflow lists them");
      assert.equal(read.flagsUnchanged, true, "no older message changed its flags");
      // The bodies: the small ones came with the listing, the large one is read now; all byte for byte.
      const bodies = new Map<number, Buffer>();
      await bulk.fetchBodies(
        read.metas.map((x) => x.uid),
        (uid, chunks) => bodies.set(uid, Buffer.concat(chunks)),
      );
      await client.mailboxOpen("INBOX", { readOnly: true });
      for await (const msg of client.fetch(`${below}:*`, { uid: true, source: true }, { uid: true }))
        assert.ok(msg.source && bodies.get(msg.uid)?.equals(msg.source), `the body of UID ${msg.uid}`);
      assert.equal(bodies.size, fresh.length);

      const writer = await connect(m.fromUrl, m.fromPassword);
      await writer.mailboxOpen("INBOX");
      await writer.messageFlagsAdd("3", ["\\Flagged"], { uid: true });
      await writer.logout();
      const again = await bulk.readSince("INBOX", below, inbox.uidNext - 1, inbox.highestModseq);
      assert.equal(again.flagsUnchanged, false, "the flag change on an older message is seen");
      await assert.rejects(bulk.readSince("INBOX.No such folder", 1, 5), (e: unknown) => isNonexistentFolder(errorFacts(e)));
    } finally {
      await client.logout();
      await bulk.close();
    }
  });
});
