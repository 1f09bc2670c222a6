// Both sides of a folder group listed and paired: what is missing on the destination, which flags differ, and
// which copies the destination stores altered. The pairing itself is pure (missing.ts, identity.ts); this reads
// what it needs: the listings, and the digests only where the cheap identity cannot decide.
import type { MessageMeta } from "./identity";
import { digestsOf, needDigests, type Digests } from "./identity";
import type { BulkConnection } from "./bulkConnection";
import type { FolderGroup } from "./folderMap";
import { folderDelta, type SourceRef } from "./missing";
import { listMessagesBulk, type FolderListing } from "./listing";
import { errorFacts, isNonexistentFolder } from "./classify";
import type { MailboxSession } from "./session";
import type { FullListing } from "./passPlan";

/** Fills in digests where the cheap identity cannot settle a pairing (identity.ts needDigests). */
async function disambiguate(session: MailboxSession, group: FolderGroup, sources: FolderListing[], dest: FolderListing): Promise<void> {
  const wanted = needDigests(
    sources.map((s) => s.metas),
    dest.metas,
  );
  for (let i = 0; i < sources.length; i++) {
    if (!wanted.sources[i].length) continue;
    const src = await session.sourceReader();
    await src.examine(group.sources[i].path);
    withDigests(wanted.sources[i], await readDigests(src, wanted.sources[i]));
  }
  if (wanted.dest.length) {
    await (await session.appender()).use(async (c) => {
      if (!c.hasSelected(group.destination)) await c.open(group.destination, false);
      withDigests(wanted.dest, await readDigests(c, wanted.dest));
    });
  }
}

/** Content digests of messages of the folder open on `conn`, read in bounded batches (memory follows the batch). */
export async function readDigests(conn: BulkConnection, metas: readonly { uid: number }[], batch = 200): Promise<Map<number, Digests>> {
  const out = new Map<number, Digests>();
  for (let i = 0; i < metas.length; i += batch) {
    await conn.fetchBodies(
      metas.slice(i, i + batch).map((m) => m.uid),
      (uid, chunks) => out.set(uid, digestsOf(Buffer.concat(chunks))),
    );
  }
  return out;
}

export function withDigests(metas: readonly MessageMeta[], digests: ReadonlyMap<number, Digests>): void {
  for (const m of metas) Object.assign(m, digests.get(m.uid));
}

/**
 * Lists every source folder of the group, read-only, one after the other on the source's bulk connection.
 * `idsWithBodies`: without Message-IDs (BulkConnection.fetchMetas), which then come with the bodies.
 */
export async function listSources(session: MailboxSession, group: FolderGroup, idsWithBodies = false): Promise<FolderListing[]> {
  const src = await session.sourceReader();
  const out: FolderListing[] = [];
  for (const f of group.sources) {
    if (!f.selectable) {
      out.push({ metas: [] });
      continue;
    }
    try {
      out.push(await listMessagesBulk(src, f.path, true, !idsWithBodies));
    } catch (err) {
      // Deleted on the source since the folder list was read: nothing left to copy from it, and not a failure.
      if (!isNonexistentFolder(errorFacts(err))) throw err;
      out.push({ metas: [], vanished: true });
    }
  }
  return out;
}

/**
 * The destination folder listed (SELECTed, for its PERMANENTFLAGS) on an append connection, idle until this
 * group's appends: read in bulk like the source, not through imapflow's general parser (about two thirds of a
 * stateless no-op pass's CPU went there), and the connection is then open for the appends that follow.
 */
function listDestination(session: MailboxSession, group: FolderGroup): Promise<FolderListing> {
  return session.appender().then((pool) => pool.use((c) => listMessagesBulk(c, group.destination, false)));
}

/**
 * Lists both sides (at the same time, on their own connections) and works out what is missing. Where the plan
 * lists the sources without Message-IDs (passPlan.ts `idsWithBodies`: the destination was empty at the marks)
 * the server reads each message's file once, while the appends run, rather than once for the listing and again
 * for the copy; should the destination have mail by now after all, the sources are listed again with them.
 */
export async function compare(session: MailboxSession, group: FolderGroup, listing: FullListing) {
  let [sources, dest] = await Promise.all([listSources(session, group, listing.idsWithBodies), listDestination(session, group)]);
  const idsWithBodies = listing.idsWithBodies && !dest.metas.length;
  if (listing.idsWithBodies && !idsWithBodies) sources = await listSources(session, group, false);
  if (!idsWithBodies) await disambiguate(session, group, sources, dest);
  return {
    sources,
    dest,
    delta: folderDelta(
      sources.map((s) => s.metas),
      dest.metas,
      { permanentFlags: dest.permanentFlags },
    ),
    idsWithBodies,
  };
}

/** The Message-IDs of messages listed without them and never read (skipped), for the report. */
export async function readIds(session: MailboxSession, group: FolderGroup, refs: readonly SourceRef[]): Promise<void> {
  if (!refs.length) return;
  const src = await session.sourceReader();
  for (const [i, f] of group.sources.entries()) {
    const mine = refs.filter((r) => r.source === i);
    if (!mine.length) continue;
    await src.examine(f.path);
    const ids = new Map((await src.fetchMetas(mine.map((r) => r.meta.uid).join(","))).map((m) => [m.uid, m.messageId]));
    for (const r of mine) r.meta.messageId = ids.get(r.meta.uid) ?? "";
  }
}
