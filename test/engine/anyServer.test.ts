// The engine's promise on every server of the harness: every source message arrives exactly once, and a resync
// with no state never adds a copy, whatever the destination did to the bytes it stored.
import { strict as assert } from "node:assert";
import { syncMailbox, verifyMailbox } from "../../engine";
import { appendAll, readCorpus } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { FAST_RETRY } from "./fixtures";
import { PAIRS, stopPair, usersOn, type ServerPair } from "./servers";
import { snapshot, type Snapshot } from "./snapshot";

/** Messages per folder, named without the server's namespace prefix, sorted by name; empty folders left out. */
function counts(s: Snapshot, prefix: string): [string, number][] {
  const plain = (f: string) => (f !== "INBOX" && f.startsWith(prefix) ? f.slice(prefix.length) : f);
  return [...s].filter(([, msgs]) => msgs.length).map(([f, msgs]): [string, number] => [plain(f), msgs.length]).sort();
}

for (const spec of PAIRS) {
  describe(`copy engine on ${spec.name}: exactly once, whatever the server does to the bytes`, function () {
    this.timeout(240_000);
    let pair: ServerPair | undefined;
    before(async () => {
      pair = await spec.start();
    });
    after(() => stopPair(pair));

    it("copies mail the server stores altered (bare CRs, 8-bit headers, no Message-ID) once: three passes, no state, no growth", async () => {
      const m = await usersOn(pair!);
      const inbox = [...readCorpus("spam", 20), ...gen.alteredOnAppend(1, false), ...gen.alteredOnAppend(2, true), gen.withoutMessageId(3)];
      const sub = `${pair!.old.spec.prefix}Work`;
      const work = [...readCorpus("easy_ham", 15), ...gen.alteredOnAppend(4, false)];
      // As SMTP left them on the old host where its store allows (an APPEND to it would alter them already).
      const old = pair!.old;
      if (old.storeAsIs) {
        await old.storeAsIs(m.user, "INBOX", inbox);
        await old.storeAsIs(m.user, "Work", work);
      } else {
        await appendAll(m.fromUrl, m.fromPassword, "INBOX", inbox);
        await appendAll(m.fromUrl, m.fromPassword, sub, work);
      }
      const src = await snapshot(m.fromUrl, m.fromPassword);
      const expected = counts(src, pair!.old.spec.prefix);

      for (let pass = 1; pass <= 3; pass++) {
        const r = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
        const why = `pass ${pass}: ${JSON.stringify(r.folders.map((f) => [f.folder, f.notes, f.skipped]))}`;
        assert.deepEqual([r.totals.copied, r.missing, r.verified], [pass === 1 ? inbox.length + work.length : 0, 0, true], why);
        const dst = await snapshot(m.toUrl, m.toPassword);
        assert.deepEqual(counts(dst, pair!.fresh.spec.prefix), expected, `pass ${pass}: each folder holds what the source holds, once`);
      }
      // verify pairs as the copy does: nothing missing; what the server altered is listed, with how.
      const v = await verifyMailbox(m.from, m.to, { retry: FAST_RETRY });
      assert.deepEqual([v.missing, v.verified], [0, true], JSON.stringify(v.folders));
      for (const f of v.folders) for (const a of f.altered) assert.ok(["line breaks", "8-bit bytes", "size", "content"].includes(a.how));
    });
  });
}
