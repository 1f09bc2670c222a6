// What goes wrong on real servers: a refused message, a full mailbox, bad credentials, no server, a restart.
import { strict as assert } from "node:assert";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthenticationError, QuotaExceededError, UnreachableError, syncMailbox } from "../../engine";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { stopAllDovecots } from "../../harness/dovecot";
import { FAST_RETRY, mailboxPair, startPair, type Pair } from "./fixtures";
import { connect, fingerprint, snapshot } from "./snapshot";

describe("copy engine: refusals and failures (real Dovecot)", function () {
  this.timeout(180_000);
  let pair: Pair;
  before(async () => {
    pair = await startPair({ maxMessageBytes: 1024 * 1024 });
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("records a message the destination refuses as too large, with the server's reason, and copies the rest", async () => {
    const m = await mailboxPair(pair);
    const big = gen.withAttachment(2 * 1024 * 1024, 1);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...readCorpus("easy_ham", 20), big]);
    const s = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(s.totals.copied, 20);
    assert.equal(s.totals.skipped, 1);
    const skipped = s.folders[0].skipped[0];
    assert.equal(skipped.folder, "INBOX");
    assert.equal(skipped.messageId, "<attachment-2097152-1@generated.mailshift.test>", "named by its Message-ID");
    assert.match(skipped.reason, /refused by the destination: .*(too large|size)/i);
    assert.equal(s.verified, false, "a skipped message means the mailbox is not complete");
    assert.equal(s.missing, 1);
  });

  it("leaves out a message over maxMessageBytes without reading it, named by its Message-ID, and copies the rest", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...gen.many(10, 31), gen.withAttachment(300 * 1024, 2)]);
    const s = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, maxMessageBytes: 200 * 1024 });
    assert.deepEqual([s.totals.copied, s.totals.skipped, s.missing], [10, 1, 1]);
    const skipped = s.folders[0].skipped[0];
    assert.equal(skipped.messageId, "<attachment-307200-2@generated.mailshift.test>");
    assert.match(skipped.reason, /^larger than the maximum message size \(\d+ > 204800 bytes\)$/);
  });

  it("stops on a full destination with an error naming the mailbox and folder, and resumes without duplicates once the quota is raised", async () => {
    const m = await mailboxPair(pair, { quotaBytes: 200 * 1024 });
    const msgs = readCorpus("easy_ham", 120);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", msgs);
    await assert.rejects(syncMailbox(m.from, m.to, { retry: FAST_RETRY }), (e: Error) => {
      assert.ok(e instanceof QuotaExceededError, e.message);
      assert.match(e.message, new RegExp(`${m.name}@127\\.0\\.0\\.1:\\d+ is over its quota while copying folder "INBOX"`));
      assert.match(e.message, /Raise the quota/);
      return true;
    });
    await pair.fresh.setQuota(m.name, undefined);
    const s = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
    assert.equal(s.verified, true);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
  });

  it("goes on with the other folders when the destination refuses a folder name, and reports that folder's mail as not copied", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 10));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Projects", readCorpus("spam", 4));
    // Dovecot refuses a name that begins with "~", as Exchange refuses some names of its own.
    const s = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, folders: { rename: { Projects: "~Projects" } } });
    assert.equal(s.totals.copied, 10, "INBOX is copied");
    const projects = s.folders.find((f) => f.folder === "Projects")!;
    assert.equal(projects.copied, 0);
    assert.match(
      projects.notes.join(" "),
      /refused to create folder "~Projects": .*Begins with '~'.*--rename "Projects=NEW NAME".*mailshift:oldHost\.folders\.rename/,
    );
    assert.deepEqual([s.verified, s.missing], [false, 4]);
  });

  it("stops on a wrong password with an error that names the mailbox and never contains the password", async () => {
    const m = await mailboxPair(pair);
    const wrong = { ...m.to, password: "definitely-wrong-password" };
    await assert.rejects(syncMailbox(m.from, wrong, { retry: FAST_RETRY }), (e: Error) => {
      assert.ok(e instanceof AuthenticationError, e.message);
      assert.match(e.message, new RegExp(`authentication failed for ${m.name}@127\\.0\\.0\\.1`));
      assert.ok(!e.message.includes("definitely-wrong-password") && !e.message.includes(m.fromPassword));
      return true;
    });
  });

  it("stops on an unreachable host after a few retries, naming it", async () => {
    const m = await mailboxPair(pair);
    const nowhere = { ...m.to, port: 1 };
    const t0 = Date.now();
    await assert.rejects(syncMailbox(m.from, nowhere, { retry: { attempts: 3, baseMs: 50, maxMs: 100 } }), (e: Error) => {
      assert.ok(e instanceof UnreachableError, e.message);
      assert.match(e.message, /cannot reach the IMAP server for .*@127\.0\.0\.1:1/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000);
  });

  it("stops at once on an unknown host name, and on a port where something else than IMAP answers, saying what to check", async () => {
    const m = await mailboxPair(pair);
    await assert.rejects(syncMailbox(m.from, { ...m.to, host: "no-such-host.invalid" }, { retry: FAST_RETRY }), (e: Error) => {
      assert.ok(e instanceof UnreachableError, e.message);
      assert.match(e.message, /the host name no-such-host\.invalid does not resolve/);
      return true;
    });
    // A web server where the IMAP server should be: it never sends an IMAP greeting.
    const http = createServer((_, res) => res.end("hello"));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const port = (http.address() as AddressInfo).port;
    http.on("connection", (s) => s.write("HTTP/1.1 400 Bad Request\r\n\r\n"));
    try {
      await assert.rejects(syncMailbox(m.from, { ...m.to, port }, { retry: FAST_RETRY }), (e: Error) => {
        assert.match(e.message, new RegExp(`the server at 127\\.0\\.0\\.1:${port} does not answer like an IMAP server`));
        assert.match(e.message, /Check the port and the scheme/);
        return true;
      });
    } finally {
      http.close();
    }
  });

  it("goes on when a source folder is deleted in the middle of the run, and says so", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(400, 21));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Zzz", readCorpus("spam", 5));
    let deleting: Promise<void> | undefined;
    const s = await syncMailbox(m.from, m.to, {
      retry: FAST_RETRY,
      batchBytes: 16 * 1024,
      // One folder at a time, so that "Zzz" is surely not started yet when it is deleted.
      lanes: 1,
      onProgress: (p) => {
        // While INBOX is being copied, the user deletes "Zzz" on the old host (it comes later in the plan).
        if (!deleting && p.folder === "INBOX" && p.copied > 0) {
          deleting = (async () => {
            const c = await connect(m.fromUrl, m.fromPassword);
            await c.mailboxDelete("INBOX.Zzz");
            await c.logout();
          })();
        }
      },
    });
    await deleting;
    const zzz = s.folders.find((f) => f.folder === "Zzz")!;
    assert.match(zzz.notes.join(" "), /deleted on the source during the run/);
    assert.equal(s.folders.find((f) => f.folder === "INBOX")!.copied, 400);
    assert.equal(s.verified, true, "nothing that still exists on the source is missing");
  });

  it("retries with backoff when the destination server restarts mid-copy, and ends with every message exactly once", async () => {
    const m = await mailboxPair(pair);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(3000, 8));
    let restarting: Promise<void> | undefined;
    let copiedAtRestart = 0;
    const s = await syncMailbox(m.from, m.to, {
      retry: FAST_RETRY,
      connections: 1,
      batchBytes: 16 * 1024, // small batches, so the restart lands in the middle of the copy
      onProgress: (p) => {
        if (!restarting && p.copied >= 100) {
          copiedAtRestart = p.copied;
          restarting = pair.fresh.restart();
        }
      },
    });
    await restarting;
    assert.ok(restarting && copiedAtRestart < 3000, "the restart happened during the copy");
    assert.ok(s.retries >= 1, "the engine retried");
    assert.equal(s.totals.copied + s.totals.alreadyPresent, 3000);
    // Copies made before the restart count as copied by this run (only a batch whose OK was lost may not).
    assert.ok(s.totals.copied >= 2900, `copied ${s.totals.copied} of 3000 by this run`);
    assert.equal(s.verified, true);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
  });
});
