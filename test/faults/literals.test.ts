// How APPEND's message bytes go out, against real Dovecot through the proxy: with LITERAL+ the whole batch is
// written without waiting for the server; where the server does not offer it (the proxy hides it), each message
// waits for the server's "+" and still arrives exactly once.
import { strict as assert } from "node:assert";
import { syncMailbox } from "../../engine";
import { appendAll, readCorpus } from "../../harness/corpus";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "../engine/fixtures";
import { fingerprint, snapshot, total } from "../engine/snapshot";

describe("faults: APPEND with and without LITERAL+ (real Dovecot behind the proxy)", function () {
  this.timeout(120_000);
  const { pair, proxy } = pairWithProxies();

  /** Copies 150 real messages through a proxy to the destination; returns how many "+" the server sent. */
  async function copyThroughProxy(hideLiteralPlus: boolean): Promise<{ continuations: number; appends: number }> {
    const m = await mailboxPair(pair());
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 150));
    const p = await proxy(pair().fresh);
    let continuations = 0;
    let appends = 0;
    // Continuations counted on a connection once it has started appending (a login may take one before).
    const appending = new Set<number>();
    p.use({
      server: (line, ctx) => {
        if (line.startsWith("+") && appending.has(ctx.connectionId)) continuations += 1;
        return hideLiteralPlus ? line.replace(/ LITERAL[+-]/gi, "") : line;
      },
      client: (line, ctx) => {
        if (/^\S+ APPEND /i.test(line)) {
          appends += 1;
          appending.add(ctx.connectionId);
        }
        return line;
      },
    });
    const s = await syncMailbox(m.from, { ...m.to, port: p.port }, { retry: FAST_RETRY, connections: 2 });
    assert.equal(s.verified, true);
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "every message exactly once, bytes, flags and date");
    assert.equal(total(dst), 150);
    return { continuations, appends };
  }

  it("with LITERAL+ sends each MULTIAPPEND batch without waiting for the server", async () => {
    const r = await copyThroughProxy(false);
    assert.ok(r.appends >= 1 && r.appends < 150, `batched: ${r.appends} APPEND commands for 150 messages`);
    assert.equal(r.continuations, 0, "the server was never asked for a continuation");
  });

  it("without LITERAL+ waits for the server's + before each message's bytes, and every message arrives once", async () => {
    const r = await copyThroughProxy(true);
    assert.ok(r.continuations >= 150, `one continuation per message (saw ${r.continuations})`);
  });
});
