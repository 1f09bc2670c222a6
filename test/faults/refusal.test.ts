// A destination that refuses one message must cost that message only: Cyrus answers an APPEND over its size limit
// with NO [TOOBIG] and then closes the connection (BYE), and announces the limit as APPENDLIMIT. Emulated here with
// the fault proxy in front of a Dovecot that has a size limit of its own; the real Cyrus runs in anyServer.test.ts.
import { strict as assert } from "node:assert";
import { syncMailbox } from "../../engine";
import type { Endpoint } from "../../engine/endpoint";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { FAST_RETRY, mailboxPair, pairWithProxies } from "../engine/fixtures";
import { fingerprint, snapshot } from "../engine/snapshot";

const LIMIT = 1024 * 1024;
const tooBig = /^(\S+) NO (?!\[TOOBIG\])(.*(too large|size).*)$/i;

describe("copy engine: a refused message and a server that hangs up after refusing it", function () {
  this.timeout(180_000);
  const { pair, proxy } = pairWithProxies({ maxMessageBytes: LIMIT });

  async function cyrusLike(announceLimit: boolean) {
    const m = await mailboxPair(pair());
    const p = await proxy(pair().fresh);
    let appends = 0;
    let closed = 0;
    p.use({
      client: (line) => {
        if (/^\S+ APPEND /i.test(line)) appends += 1;
        return line;
      },
      server: (line) => {
        if (announceLimit && /CAPABILITY /i.test(line)) return line.replace(/(CAPABILITY [^\]\r\n]*)/i, `$1 APPENDLIMIT=${LIMIT}`);
        const refused = tooBig.exec(line);
        return refused ? [`${refused[1]} NO [TOOBIG] ${refused[2]}`, "* BYE Message too large, closing"] : line;
      },
      closeAfter: (line) => /^\* BYE Message too large/.test(line) && (closed += 1) > 0,
    });
    const to: Endpoint = { ...m.to, port: p.port };
    return { m, to, appends: () => appends, closed: () => closed };
  }

  it("reconnects after NO [TOOBIG] and BYE, skips just those messages with the server's reason, and no pass adds a copy", async () => {
    const { m, to, closed } = await cyrusLike(false);
    const big = [gen.withAttachment(2 * LIMIT, 11), gen.withAttachment(3 * LIMIT, 12)];
    const ham = readCorpus("easy_ham", 30);
    // The big ones in the middle of batches, so that the rest of a batch must go on a new connection.
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...ham.slice(0, 10), big[0], ...ham.slice(10, 20), big[1], ...ham.slice(20)]);
    for (let pass = 1; pass <= 3; pass++) {
      const s = await syncMailbox(m.from, to, { retry: FAST_RETRY, connections: 1 });
      assert.deepEqual(
        [s.totals.copied, s.missing, s.verified],
        [pass === 1 ? 30 : 0, 2, false],
        `pass ${pass}: ${JSON.stringify(s.folders[0].skipped.slice(0, 3))} ${s.retries}`,
      );
      assert.deepEqual(
        s.folders[0].skipped.map((k) => k.messageId).sort(),
        big.map((b) => /Message-ID: (\S+)/.exec(b.raw.toString())![1]).sort(),
      );
      for (const k of s.folders[0].skipped) assert.match(k.reason, /refused by the destination: \[TOOBIG\]/);
      const dst = await snapshot(m.toUrl, m.toPassword);
      assert.equal(dst.get("INBOX")!.length, 30, `pass ${pass}: every other message once`);
    }
    assert.ok(closed() >= 2, "the server hung up after each refusal");
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    const sent = new Set(fingerprint(src.get("INBOX")!.filter((x) => x.size < LIMIT)));
    assert.deepEqual(new Set(fingerprint(dst.get("INBOX"))), sent);
  });

  it("reads APPENDLIMIT and skips a larger message before sending it, with the reason", async () => {
    const { m, to, appends, closed } = await cyrusLike(true);
    const big = gen.withAttachment(2 * LIMIT, 13);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...readCorpus("easy_ham", 5), big]);
    const s = await syncMailbox(m.from, to, { retry: FAST_RETRY, connections: 1 });
    assert.deepEqual([s.totals.copied, s.missing], [5, 1]);
    assert.match(s.folders[0].skipped[0].reason, new RegExp(`^larger than the destination accepts \\(APPENDLIMIT ${LIMIT} bytes`));
    assert.equal(closed(), 0, "never sent, so never refused");
    assert.ok(appends() <= 5, `the big message was never offered (${appends()} APPENDs)`);
  });
});
