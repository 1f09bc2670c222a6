// Watermarks kept on the destination (a METADATA entry): a pass on a machine with no local state resyncs as one
// with --state where the destination has METADATA (Dovecot with imap_metadata, Cyrus with
// annotation_allow_undefined), lists everything where it has not (Courier), and a stale, damaged or forged entry
// never costs a message: each is followed by a pass with no state and a comparison of both mailboxes.
import { strict as assert } from "node:assert";
import { mailboxLabel, syncMailbox, type Endpoint, type SyncSummary, type Watermarks } from "../../engine";
import { encodeEntry, entryName } from "../../engine/watermarkStore";
import { appendAll } from "../../harness/corpus";
import { Courier, ensureCourier } from "../../harness/courier";
import { Cyrus, ensureCyrus } from "../../harness/cyrus";
import { Dovecot, ensureDovecot } from "../../harness/dovecot";
import { FaultProxy, meterServer } from "../../harness/faultProxy";
import * as gen from "../../harness/generate";
import type { ImapServer } from "../../harness/imapServer";
import { astring, RawImap } from "../../harness/rawImap";
import { FAST_RETRY } from "./fixtures";
import { usersOn, type ServerPair } from "./servers";
import { connect, fingerprint, snapshot } from "./snapshot";

/** `work`: the source's INBOX.Work as the destination names it. */
const DESTINATIONS: { name: string; metadata: boolean; work: string; start(): Promise<ImapServer> }[] = [
  {
    name: "Dovecot (imap_metadata)",
    metadata: true,
    work: "Work",
    start: async () => Dovecot.start({ layout: "new", users: [], name: "meta-dovecot", keepDir: false, metadata: true }),
  },
  {
    name: "Cyrus (annotation_allow_undefined)",
    metadata: true,
    work: "Work",
    start: async () => {
      ensureCyrus();
      return Cyrus.start({ hierarchy: "slash", users: [], name: "meta-cyrus", keepDir: false, metadata: true });
    },
  },
  {
    name: "Courier (no METADATA)",
    metadata: false,
    work: "INBOX.Work",
    start: async () => {
      ensureCourier();
      return Courier.start({ users: [], name: "meta-courier", keepDir: false });
    },
  },
];

type Mailbox = Awaited<ReturnType<typeof usersOn>>;

/** Both mailboxes hold the same messages, bytes, dates and flags, folder by folder. */
async function assertExact(m: Mailbox, folders: Record<string, string>) {
  const [src, dst] = await Promise.all([snapshot(m.fromUrl, m.fromPassword), snapshot(m.toUrl, m.toPassword)]);
  for (const [s, d] of Object.entries(folders))
    assert.deepEqual(fingerprint(dst.get(d)), fingerprint(src.get(s)), `${s} -> ${d}: every message once`);
}

const stateless = (from: Endpoint, to: Endpoint) => syncMailbox(from, to, { retry: FAST_RETRY });

/** Writes `text` as the entry the engine keeps for this source on the destination, as its user could. */
async function writeEntry(server: ImapServer, m: Mailbox, text: string) {
  const c = await RawImap.connect(server.host, server.port);
  try {
    assert.equal((await c.command(["LOGIN", astring(m.user), astring(m.toPassword)])).status, "OK");
    const set = await c.command([
      "SETMETADATA",
      '""',
      Buffer.concat([Buffer.from(`(${entryName(mailboxLabel(m.from))} `), astring(text), Buffer.from(")")]),
    ]);
    assert.equal(set.status, "OK", set.text);
  } finally {
    c.close();
  }
}

/** The marks of one group as they are now on both servers: what a forger would write to make it look proven. */
async function marksNow(m: Mailbox, w: Watermarks, folder: string): Promise<Watermarks> {
  const g = w[folder];
  const read = async (url: string, password: string, path: string) => {
    const c = await connect(url, password);
    try {
      const st = await c.status(path, { uidValidity: true, uidNext: true, messages: true, highestModseq: true });
      assert.ok(st, `STATUS ${path}`);
      return {
        path,
        uidValidity: String(st.uidValidity),
        uidNext: st.uidNext!,
        messages: st.messages!,
        ...(st.highestModseq !== undefined ? { highestModseq: String(st.highestModseq) } : {}),
      };
    } finally {
      await c.logout();
    }
  };
  const sources = await Promise.all(g.sources.map((s) => read(m.fromUrl, m.fromPassword, s.path)));
  return { ...w, [folder]: { sources, destination: await read(m.toUrl, m.toPassword, g.destination.path) } };
}

async function deleteOnDestination(m: Mailbox, folder: string, seqs: string) {
  const c = await connect(m.toUrl, m.toPassword);
  await c.mailboxOpen(folder);
  await c.messageDelete(seqs);
  await c.logout();
}

function counts(s: SyncSummary) {
  return { copied: s.totals.copied, present: s.totals.alreadyPresent, verified: s.verified };
}

for (const d of DESTINATIONS) {
  describe(`copy engine: watermarks kept on the destination, Dovecot -> ${d.name}`, function () {
    this.timeout(240_000);
    let pair: ServerPair | undefined;
    const proxies: FaultProxy[] = [];
    before(async () => {
      ensureDovecot();
      const [old, fresh] = await Promise.all([Dovecot.start({ layout: "old", users: [], name: "meta-old", keepDir: false }), d.start()]);
      pair = { name: d.name, old, fresh };
    });
    afterEach(async () => {
      await Promise.all(proxies.splice(0).map((p) => p.stop()));
    });
    after(async () => {
      await Promise.all([pair?.old.stop(), pair?.fresh.stop()]);
    });

    it(
      d.metadata
        ? "a pass with no local state reads the last pass's watermarks there: unchanged folders skipped, only the new UIDs read"
        : "a pass with no local state lists every folder (nothing kept there), and copies the new mail once",
      async () => {
        const m = await usersOn(pair!);
        const mail = gen.many(80, 301);
        await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(0, 40));
        await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", mail.slice(40, 75));
        // Every pass goes through the same two metering proxies: the source's label (host and port) names the entry.
        const [ps, pd] = await Promise.all(
          [pair!.old, pair!.fresh].map((s) => FaultProxy.start({ target: { host: s.host, port: s.port } })),
        );
        proxies.push(ps, pd);
        const source = meterServer(ps);
        const from = { ...m.from, port: ps.port };
        const to = { ...m.to, port: pd.port };
        const first = await stateless(from, to);
        assert.deepEqual(counts(first), { copied: 75, present: 0, verified: true });

        await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", mail.slice(75, 80));
        source.fetches = 0;
        // the entry read and written, and INBOX searched on Dovecot, all over the destination's one login
        let destinationLogins = 0;
        const stopCounting = pd.rewriteClient((line) => {
          if (/^\S+ (AUTHENTICATE|LOGIN) /i.test(line)) destinationLogins += 1;
          return line;
        });
        const second = await stateless(from, to);
        stopCounting();
        // a pass from the entry is a resync (one lane); without it the listing may open a second lane
        if (d.metadata) assert.equal(destinationLogins, 1, "one login on the destination for the whole pass");
        assert.deepEqual(counts(second), { copied: 5, present: 75, verified: true });
        await assertExact(m, { INBOX: "INBOX", "INBOX.Work": d.work });
        if (d.metadata) {
          assert.equal(second.unchangedFolders, second.folders.length - 1, "every folder but Work skipped: nothing moved there");
          // Work's 5 new messages: their identities, then their bodies; nothing of the 75 older ones.
          assert.ok(source.fetches <= 12, `${source.fetches} FETCH responses from the source, not a listing of 80`);
        } else {
          assert.equal(second.unchangedFolders, 0, "no watermarks without METADATA: every folder listed");
          assert.ok(source.fetches >= 80, `${source.fetches} FETCH responses: a full listing`);
        }

        // The same pass told not to use the destination's entry lists everything, and finds nothing to do.
        source.fetches = 0;
        const listed = await syncMailbox(from, to, { retry: FAST_RETRY, serverWatermarks: false });
        assert.deepEqual([listed.unchangedFolders, listed.totals.copied, listed.verified], [0, 0, true]);
        assert.ok(source.fetches >= 80, `${source.fetches} FETCH responses: a full listing`);
      },
    );

    if (!d.metadata) return;

    it("a damaged, stale or forged entry never costs a message nor copies one twice", async () => {
      const m = await usersOn(pair!);
      const mail = gen.many(60, 302);
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(0, 30));
      await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", mail.slice(30, 50));
      const folders = { INBOX: "INBOX", "INBOX.Work": d.work };
      let last = await stateless(m.from, m.to);
      assert.deepEqual(counts(last), { copied: 50, present: 0, verified: true });

      // Damaged: not JSON. Everything listed, nothing copied; the pass writes a good entry again.
      await writeEntry(pair!.fresh, m, "{ not json");
      last = await stateless(m.from, m.to);
      assert.deepEqual([counts(last), last.unchangedFolders], [{ copied: 0, present: 50, verified: true }, 0]);
      assert.equal((await stateless(m.from, m.to)).unchangedFolders, last.folders.length, "and the next pass skips again");

      // Stale: mail deleted on the destination after the entry was written. Its counts moved: listed, copied back.
      await deleteOnDestination(m, "INBOX", "1:3");
      last = await stateless(m.from, m.to);
      assert.deepEqual(counts(last), { copied: 3, present: 47, verified: true });
      await assertExact(m, folders);

      // Forged: mail deleted on the destination, then the entry rewritten to both servers' marks now, as if proven.
      await deleteOnDestination(m, "INBOX", "4:5");
      await writeEntry(pair!.fresh, m, encodeEntry(mailboxLabel(m.from), await marksNow(m, last.watermarks, "INBOX")));
      last = await stateless(m.from, m.to);
      assert.deepEqual(counts(last), { copied: 2, present: 48, verified: true });
      await assertExact(m, folders);

      // Forged: new source mail outside the watermark, claimed as proven (the source's marks now in the entry).
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", mail.slice(50, 54));
      await writeEntry(pair!.fresh, m, encodeEntry(mailboxLabel(m.from), await marksNow(m, last.watermarks, "INBOX")));
      last = await stateless(m.from, m.to);
      assert.deepEqual(counts(last), { copied: 4, present: 50, verified: true });
      await assertExact(m, folders);

      // Tampered: another UIDVALIDITY in the entry. Not the same folder: listed, nothing copied.
      const w = structuredClone(last.watermarks);
      w[d.work].sources[0].uidValidity = String(Number(w[d.work].sources[0].uidValidity) + 1);
      await writeEntry(pair!.fresh, m, encodeEntry(mailboxLabel(m.from), w));
      last = await stateless(m.from, m.to);
      assert.deepEqual(counts(last), { copied: 0, present: 54, verified: true });
      assert.equal(last.unchangedFolders, last.folders.length - 1, "only Work, whose entry was tampered with, listed");

      // A real UIDVALIDITY change: Work rebuilt on the source (same mail, new UIDs), plus new mail in it.
      const c = await connect(m.fromUrl, m.fromPassword);
      await c.mailboxCreate("INBOX.Work2");
      await c.mailboxOpen("INBOX.Work");
      await c.messageCopy("1:*", "INBOX.Work2");
      await c.mailboxClose();
      await c.mailboxDelete("INBOX.Work");
      await c.mailboxRename("INBOX.Work2", "INBOX.Work");
      await c.logout();
      await appendAll(m.fromUrl, m.fromPassword, "INBOX.Work", mail.slice(54, 60));
      last = await stateless(m.from, m.to);
      assert.deepEqual(counts(last), { copied: 6, present: 54, verified: true });
      await assertExact(m, folders);
    });
  });
}
