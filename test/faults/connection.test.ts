// The engine against real Dovecot through the fault proxy: connections cut mid-FETCH and mid-APPEND, an APPEND
// stored whose OK never arrives, a stalled connection, a connection limit. After each fault the same run (or the
// next) ends with every source message on the destination exactly once.
import { strict as assert } from "node:assert";
import { syncMailbox } from "../../engine";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import type { FaultProxy } from "../../harness/faultProxy";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "../engine/fixtures";
import { fingerprint, snapshot, total } from "../engine/snapshot";

type Mailbox = Awaited<ReturnType<typeof mailboxPair>>;

/** Every source folder's messages on the destination exactly once (bytes, date, flags), and nothing more. */
async function assertExactlyOnce(m: Mailbox, folders: Record<string, string> = { INBOX: "INBOX" }): Promise<void> {
  const src = await snapshot(m.fromUrl, m.fromPassword);
  const dst = await snapshot(m.toUrl, m.toPassword);
  for (const [s, d] of Object.entries(folders)) {
    assert.deepEqual(fingerprint(dst.get(d)), fingerprint(src.get(s)), `${s} -> ${d}: every message exactly once`);
  }
  assert.equal(total(dst), total(src), "nothing extra on the destination");
}

describe("faults: cut, lost and stalled connections (real Dovecot behind the fault proxy)", function () {
  this.timeout(180_000);
  const { pair, proxy } = pairWithProxies();

  it("finishes in the same run, every message once, when the source connection is cut in the middle of a FETCH", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 300));
    const p = await proxy({ host: pair().old.host, port: pair().old.port });
    let cut: ReturnType<FaultProxy["cutAfter"]> | undefined;
    const s = await syncMailbox({ ...m.from, port: p.port }, m.to, {
      retry: FAST_RETRY,
      batchBytes: 32 * 1024,
      onProgress: (pr) => {
        // armed once copying is under way: the next 20 kB from the source are FETCH data
        if (!cut && pr.copied >= 40) cut = p.cutAfter({ direction: "server", bytes: 20_000 });
      },
    });
    assert.ok(cut, "the cut was armed during the copy");
    const where = await cut;
    assert.ok(where.midUnit, "the cut left a FETCH response half-sent");
    assert.ok(s.retries >= 1, "the engine retried the folder");
    assert.equal(s.verified, true);
    await assertExactlyOnce(m);
  });

  it("finishes in the same run, every message once, when a destination connection is cut in the middle of an APPEND", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 300));
    const p = await proxy({ host: pair().fresh.host, port: pair().fresh.port });
    let cut: ReturnType<FaultProxy["cutAfter"]> | undefined;
    const s = await syncMailbox(
      m.from,
      { ...m.to, port: p.port },
      {
        retry: FAST_RETRY,
        batchBytes: 32 * 1024,
        connections: 2,
        onProgress: (pr) => {
          if (!cut && pr.copied >= 40) cut = p.cutAfter({ direction: "client", bytes: 10_000 });
        },
      },
    );
    assert.ok(cut, "the cut was armed during the copy");
    const where = await cut;
    assert.ok(where.midUnit, "the cut left an APPEND literal half-sent");
    assert.ok(s.retries >= 1, "the engine retried the folder");
    assert.equal(s.verified, true);
    await assertExactlyOnce(m);
  });

  it("does not duplicate a message the server stored when the connection dies before the APPEND's OK arrives", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", gen.many(200, 61));
    const p = await proxy({ host: pair().fresh.host, port: pair().fresh.port });
    let swallowed = 0;
    // the first APPEND completion after 3 is lost: the server has stored the batch, the client never hears it
    let seen = 0;
    const remove = p.rewriteServer((line) => {
      if (!/^\S+ OK \[APPENDUID /.test(line)) return line;
      seen += 1;
      if (seen !== 4) return line;
      swallowed += 1;
      setImmediate(() => p.dropAll());
      return [];
    });
    const s = await syncMailbox(m.from, { ...m.to, port: p.port }, { retry: FAST_RETRY, batchBytes: 8 * 1024, connections: 1 });
    remove();
    assert.equal(swallowed, 1, "one APPEND's OK was lost");
    assert.ok(s.retries >= 1, "the engine retried the folder");
    assert.equal(s.verified, true);
    await assertExactlyOnce(m);
  });

  it("times out a stalled source connection (socketTimeoutMs), reconnects and finishes with every message once", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 200));
    const p = await proxy({ host: pair().old.host, port: pair().old.port });
    let stall: ReturnType<FaultProxy["stall"]> | undefined;
    const t0 = Date.now();
    let stalledAt = 0;
    const s = await syncMailbox({ ...m.from, port: p.port }, m.to, {
      retry: FAST_RETRY,
      batchBytes: 32 * 1024,
      socketTimeoutMs: 1_500,
      onProgress: (pr) => {
        if (!stall && pr.copied >= 40) {
          stalledAt = Date.now();
          // the connections open now hang (open, silent) for a minute; new ones flow
          stall = p.stall({ ms: 60_000 });
        }
      },
    });
    const elapsed = Date.now() - t0;
    stall?.release();
    assert.ok(stall, "the stall was armed during the copy");
    assert.ok(s.retries >= 1, "the engine gave up on the stalled connection and retried");
    assert.ok(Date.now() - stalledAt < 30_000 && elapsed < 60_000, `finished long before the stall ended (${elapsed} ms)`);
    assert.equal(s.verified, true);
    await assertExactlyOnce(m);
  });

  it("keeps within the connections it is given: one append connection means at most two to the destination", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 120));
    const p = await proxy({ host: pair().fresh.host, port: pair().fresh.port });
    p.limitConnections(2);
    const s = await syncMailbox(m.from, { ...m.to, port: p.port }, { retry: FAST_RETRY, connections: 1, batchBytes: 32 * 1024 });
    assert.equal(p.refused, 0, "no connection beyond the limit was tried");
    assert.ok(p.peak <= 2, `at most 2 connections at once (saw ${p.peak})`);
    assert.equal(s.verified, true);
    await assertExactlyOnce(m);
  });

  it("copies two folders at once on a second lane, and goes on with one when a connection limit turns the second away", async () => {
    for (const limit of [undefined, 3]) {
      const m = await mailboxPair(pair());
      const ham = readCorpus("easy_ham", 160);
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 100));
      await appendAll(m.fromUrl, m.fromPassword, "INBOX.Archive", ham.slice(100, 130));
      await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", ham.slice(130));
      const p = await proxy({ host: pair().fresh.host, port: pair().fresh.port });
      p.limitConnections(limit);
      const s = await syncMailbox(m.from, { ...m.to, port: p.port }, { retry: FAST_RETRY, batchBytes: 32 * 1024 });
      if (limit) assert.ok(p.refused >= 1 && p.peak <= limit, `the limit was hit and kept (refused ${p.refused}, peak ${p.peak})`);
      // Each lane holds a destination connection and an append connection at least.
      else assert.ok(p.peak >= 4, `two lanes on the destination at once (peak ${p.peak} connections)`);
      assert.deepEqual([s.verified, s.retries, s.totals.copied], [true, 0, 160]);
      await assertExactlyOnce(m, { INBOX: "INBOX", "INBOX.Archive": "Archive", "INBOX.Work": "Work" });
    }
  });

  // Exchange Online turns away connections beyond its per-mailbox limit with "* BYE" at the greeting.
  it("goes on with fewer connections when the destination refuses connections beyond its limit (* BYE)", async () => {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 120));
    const p = await proxy({ host: pair().fresh.host, port: pair().fresh.port });
    // One: the connection that lists the folders also appends (engine/session.ts), so any further one is refused.
    p.limitConnections(1);
    const s = await syncMailbox(m.from, { ...m.to, port: p.port }, { retry: FAST_RETRY, connections: 4, batchBytes: 32 * 1024 });
    assert.ok(p.refused >= 1, "the limit was hit");
    assert.equal(s.verified, true);
    await assertExactlyOnce(m);
  });
});
