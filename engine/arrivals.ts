// The proof that what was sent arrived: the appended messages read back by the UIDs the server gave them.
import type { MessageMeta } from "./identity";
import { alteration, compareCopy, type Alteration } from "./identity";
import type { FolderGroup } from "./folderMap";
import type { FolderDelta } from "./missing";
import { flagChange } from "./flags";
import type { Arrival } from "./sendMessages";
import type { MailboxSession } from "./session";
import { readDigests, withDigests } from "./compare";

/**
 * Reads back just the appended messages by the UIDs the server gave them, and checks each against what was
 * sent with the same tiers the next pass pairs by (identity.ts compareCopy): O(copied), not O(folder). A copy the
 * server stored altered is arrived, and counted by what changed (`altered`). Returns the flag fixes still needed.
 */
export async function checkArrivals(
  session: MailboxSession,
  group: FolderGroup,
  arrived: readonly Arrival[],
  permanentFlags?: Set<string>,
) {
  const got = new Map<number, MessageMeta>();
  const uids = arrived.map((a) => a.destUid!);
  // On an append connection (idle now): read in bulk, like the source listing. One that has the folder SELECTed
  // (a resync's: copyFolder.ts) reads it without opening it again; should a UID not be in its view yet (appended
  // over another connection), the folder is opened afresh and the rest read again, so nothing is missed.
  await (await session.appender()).use(async (c) => {
    const read = async (list: readonly number[]) => {
      for (let i = 0; i < list.length; i += 2000) {
        for (const m of await c.fetchMetas(list.slice(i, i + 2000).join(","))) got.set(m.uid, m);
      }
    };
    const open = c.hasSelected(group.destination);
    if (!open) await c.open(group.destination, true);
    await read(uids);
    const unseen = uids.filter((u) => !got.has(u));
    if (open && unseen.length) {
      await c.open(group.destination, true);
      await read(unseen);
    }
    // Where the next pass would compare digests (no Message-ID, or a shared one), so does this check.
    const digested = arrived.filter((a) => a.meta.contentDigest && got.has(a.destUid!)).map((a) => got.get(a.destUid!)!);
    if (digested.length) withDigests(digested, await readDigests(c, digested));
  });
  const flagFixes: FolderDelta["flagFixes"] = [];
  const unconfirmed = new Map<number, number>();
  const altered = new Map<number, Alteration[]>();
  let missing = 0;
  for (const a of arrived) {
    const d = got.get(a.destUid!);
    const verdict = d ? compareCopy(a.meta, d) : "different";
    if (!d || verdict === "different") {
      missing += 1;
      unconfirmed.set(a.source, (unconfirmed.get(a.source) ?? 0) + 1);
      continue;
    }
    if (verdict !== "exact") altered.set(a.source, [...(altered.get(a.source) ?? []), alteration(a.meta, d)]);
    const change = flagChange(a.meta.flags, d.flags, permanentFlags);
    if (change.add.length || change.remove.length) flagFixes.push({ source: a.source, sourceUid: a.meta.uid, destUid: d.uid, ...change });
  }
  const delta: FolderDelta = { toCopy: [], flagFixes, present: [], rewritten: [], altered: [], destinationOnly: 0 };
  return { delta, missing, unconfirmed, altered };
}
