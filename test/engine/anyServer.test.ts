// The engine's promise on every server of the harness: every source message arrives exactly once, and a resync
// with no state never adds a copy, whatever the destination did to the bytes it stored.
import { strict as assert } from "node:assert";
import { syncMailbox, verifyMailbox } from "../../engine";
import { appendAll, readCorpus, type RawMessage } from "../../harness/corpus";
import * as gen from "../../harness/generate";
import { FAST_RETRY } from "./fixtures";
import type { Endpoint } from "../../engine/endpoint";
import type { Watermarks } from "../../engine/watermarks";
import { FaultProxy } from "../../harness/faultProxy";
import { astring, RawImap } from "../../harness/rawImap";
import { decodeModifiedUtf7 } from "../../engine/mailboxName";
import { LIMITED_PAIRS, PAIRS, stopPair, usersOn, type ServerPair } from "./servers";
import { connect, snapshot, type Snapshot } from "./snapshot";

/** The folder list as a client sees it (imapflow), with each folder's flags. */
async function listed(url: string, password: string) {
  const c = await connect(url, password);
  try {
    return await c.list();
  } finally {
    await c.logout();
  }
}

function withCrlf(msgs: readonly RawMessage[]): RawMessage[] {
  return msgs.map((m) => ({ ...m, raw: Buffer.from(m.raw.toString("latin1").replace(/(?<!\r)\n/g, "\r\n"), "latin1") }));
}

/** Messages per folder, named without the server's namespace prefix, sorted by name; empty folders left out. */
function counts(s: Snapshot, prefix: string): [string, number][] {
  const plain = (f: string) => (f !== "INBOX" && f.startsWith(prefix) ? f.slice(prefix.length) : f);
  return [...s]
    .filter(([, msgs]) => msgs.length)
    .map(([f, msgs]): [string, number] => [plain(f), msgs.length])
    .sort();
}

for (const spec of PAIRS) {
  describe(`copy engine on ${spec.name}: exactly once, whatever the server does to the bytes`, function () {
    this.timeout(240_000);
    let pair: ServerPair | undefined;
    before(async () => {
      pair = await spec.start();
    });
    after(() => stopPair(pair));

    it("copies mail the server stores altered (bare CRs, 8-bit headers, no Message-ID) once: three passes, no state, no growth; then new mail from watermarks", async () => {
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
        // Over IMAP, as a client would have put it there: lines end in CRLF (Cyrus refuses a bare LF).
        await appendAll(m.fromUrl, m.fromPassword, "INBOX", withCrlf(inbox));
        await appendAll(m.fromUrl, m.fromPassword, sub, withCrlf(work));
      }
      const src = await snapshot(m.fromUrl, m.fromPassword);
      const expected = counts(src, pair!.old.spec.prefix);

      let watermarks: Watermarks | undefined;
      for (let pass = 1; pass <= 3; pass++) {
        const r = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
        const why = `pass ${pass}: ${JSON.stringify(r.folders.map((f) => [f.folder, f.notes, f.skipped]))}`;
        assert.deepEqual([r.totals.copied, r.missing, r.verified], [pass === 1 ? inbox.length + work.length : 0, 0, true], why);
        const dst = await snapshot(m.toUrl, m.toPassword);
        assert.deepEqual(counts(dst, pair!.fresh.spec.prefix), expected, `pass ${pass}: each folder holds what the source holds, once`);
        watermarks = r.watermarks;
      }
      // New mail, then a pass from the last one's watermarks (the cutover pass): just the new mail, once.
      const later = withCrlf(gen.many(3, 5));
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", later);
      const r = await syncMailbox(m.from, m.to, { retry: FAST_RETRY, watermarks });
      assert.deepEqual([r.totals.copied, r.missing, r.verified], [later.length, 0, true], JSON.stringify(r.folders));
      const grown = counts(await snapshot(m.fromUrl, m.fromPassword), pair!.old.spec.prefix);
      assert.deepEqual(counts(await snapshot(m.toUrl, m.toPassword), pair!.fresh.spec.prefix), grown, "the new mail once, nothing else");
      // verify pairs as the copy does: nothing missing; what the server altered is listed, with how.
      const v = await verifyMailbox(m.from, m.to, { retry: FAST_RETRY });
      assert.deepEqual([v.missing, v.verified], [0, true], JSON.stringify(v.folders));
      for (const f of v.folders) for (const a of f.altered) assert.ok(["line breaks", "8-bit bytes", "size", "content"].includes(a.how));
    });

    it("creates folders with non-ASCII names as every client reads them: LIST without UTF8=ACCEPT stays 7-bit and whole", async () => {
      const m = await usersOn(pair!);
      const names = ["Café & Crème", `Entwürfe${pair!.old.spec.separator}Prüfung`, "日本語", "Party 🎉"];
      for (const [i, n] of names.entries())
        await appendAll(m.fromUrl, m.fromPassword, `${pair!.old.spec.prefix}${n}`, withCrlf(readCorpus("easy_ham", 2 + i)));
      const r = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
      // A name a server cannot take in modified UTF-7 (Courier: a character outside the BMP) is not created in UTF-8,
      // which would break LIST for others: reported with the server's words and the fix, and the rest goes on.
      const refused = r.folders.filter((f) => f.notes.some((n) => /refused to create folder/.test(n)));
      for (const f of refused) assert.match(f.notes.join(" "), /--rename "Party 🎉=NEW NAME"/);
      assert.ok(
        refused.every((f) => f.folder === "Party 🎉"),
        JSON.stringify(r.folders.map((f) => [f.folder, f.notes])),
      );
      assert.deepEqual([r.totals.copied + r.missing, r.verified], [2 + 3 + 4 + 5, refused.length === 0]);
      const created = names.filter((n) => !refused.some((f) => f.folder === n));
      // A client that never enabled UTF8=ACCEPT (older Outlook, Thunderbird, imapsync), on the raw wire.
      const legacy = await RawImap.connect(pair!.fresh.host, pair!.fresh.port);
      try {
        assert.equal((await legacy.command(["LOGIN", astring(m.user), astring(m.toPassword)])).status, "OK");
        const list = await legacy.command(["LIST", '""', '"*"']);
        assert.equal(list.status, "OK", `LIST answered ${list.status} ${list.text}`);
        for (const line of list.lines) assert.match(line, /^[\x20-\x7e]*$/, `a 7-bit LIST line: ${JSON.stringify(line)}`);
        const listed = list.lines.map((l) =>
          decodeModifiedUtf7(
            /"((?:[^"\\]|\\.)*)"\s*$|(\S+)\s*$/
              .exec(l)!
              .slice(1)
              .find((x) => x !== undefined)!,
          ),
        );
        const sep = pair!.fresh.spec.separator;
        for (const n of created)
          assert.ok(
            listed.includes(`${pair!.fresh.spec.prefix}${n.split(pair!.old.spec.separator).join(sep)}`),
            `${n} is listed: ${JSON.stringify(listed)}`,
          );
        assert.equal((await legacy.command(["LOGOUT"])).status, "OK");
      } finally {
        legacy.close();
      }
    });

    it("does not turn a \\Noselect parent into a mail folder; its child is copied", async () => {
      const m = await usersOn(pair!);
      const sep = pair!.old.spec.separator;
      await appendAll(m.fromUrl, m.fromPassword, `${pair!.old.spec.prefix}Parent${sep}Child`, withCrlf(readCorpus("easy_ham", 3)));
      const before = await listed(m.fromUrl, m.fromPassword);
      const parentOnSource = before.find((f) => f.path === `${pair!.old.spec.prefix}Parent`);
      const r = await syncMailbox(m.from, m.to, { retry: FAST_RETRY });
      assert.deepEqual([r.totals.copied, r.verified], [3, true]);
      const after = await listed(m.toUrl, m.toPassword);
      const parent = after.find((f) => f.path === `${pair!.fresh.spec.prefix}Parent`);
      const child = after.find((f) => f.path === `${pair!.fresh.spec.prefix}Parent${pair!.fresh.spec.separator}Child`);
      assert.ok(child && !child.flags.has("\\Noselect"), "the child is a mail folder");
      if (parentOnSource?.flags.has("\\Noselect")) {
        // Where the source's parent holds no mail, mailshift does not create it (a pass that plans it says so).
        const planned = r.folders.find((f) => f.folder === "Parent");
        if (planned) assert.match(planned.notes.join(" "), /Noselect/);
        // Cyrus has no \Noselect: it makes the parents a CREATE needs into real folders itself (harness/SERVERS.md).
        if (pair!.fresh.kind !== "cyrus") {
          assert.ok(
            !parent || parent.flags.has("\\Noselect") || parent.flags.has("\\NonExistent"),
            `Parent on the destination: ${JSON.stringify(parent && [...parent.flags])}`,
          );
        }
      }
    });
  });
}

for (const spec of LIMITED_PAIRS) {
  describe(`copy engine on ${spec.name}: one refused message costs that message only`, function () {
    this.timeout(240_000);
    let pair: ServerPair | undefined;
    const proxies: FaultProxy[] = [];
    before(async () => {
      pair = await spec.start();
    });
    after(async () => {
      await Promise.all(proxies.map((p) => p.stop()));
      await stopPair(pair);
    });

    async function mailboxWithBigOnes() {
      const m = await usersOn(pair!);
      const ham = withCrlf(readCorpus("easy_ham", 30));
      const big = [gen.withAttachment(2 * 1024 * 1024, 21), gen.withAttachment(3 * 1024 * 1024, 22)];
      // In the middle of batches: the rest of a batch must still go.
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...ham.slice(0, 10), big[0], ...ham.slice(10, 20), big[1], ...ham.slice(20)]);
      return { m, ids: big.map((b) => /Message-ID: (\S+)/.exec(b.raw.toString("latin1"))![1]).sort() };
    }

    async function threePasses(m: Awaited<ReturnType<typeof usersOn>>, to: Endpoint, ids: string[], reason: RegExp) {
      for (let pass = 1; pass <= 3; pass++) {
        const r = await syncMailbox(m.from, to, { retry: FAST_RETRY });
        const why = `pass ${pass}: ${JSON.stringify(r.folders[0].skipped)}`;
        assert.deepEqual([r.totals.copied, r.missing, r.verified], [pass === 1 ? 30 : 0, 2, false], why);
        assert.deepEqual(r.folders[0].skipped.map((k) => k.messageId).sort(), ids, why);
        for (const k of r.folders[0].skipped) assert.match(k.reason, reason);
        const dst = await snapshot(m.toUrl, m.toPassword);
        assert.equal(dst.get("INBOX")!.length, 30, `pass ${pass}: every other message, once`);
      }
    }

    it("reads the APPENDLIMIT it announces and skips the larger messages before sending them", async () => {
      const { m, ids } = await mailboxWithBigOnes();
      await threePasses(m, m.to, ids, /^larger than the destination accepts \(APPENDLIMIT 1048576 bytes/);
    });

    it("where the limit is not announced: NO [TOOBIG], then BYE and a closed connection, skips that message and goes on", async () => {
      const { m, ids } = await mailboxWithBigOnes();
      // The real server's refusal and hang-up; only its announcement of the limit is taken out on the way.
      const proxy = await FaultProxy.start({ target: { host: pair!.fresh.host, port: pair!.fresh.port } });
      proxies.push(proxy);
      proxy.use({ server: (line) => line.replace(/ APPENDLIMIT=\d+/gi, "") });
      await threePasses(m, { ...m.to, port: proxy.port }, ids, /refused by the destination: \[TOOBIG\]/);
    });
  });
}
