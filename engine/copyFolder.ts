// One destination folder: work out what is missing (from the last pass's watermark when it still holds, else by
// listing both sides), copy it, carry flags over, and prove it arrived. Safe to interrupt anywhere: the next pass
// lists again and finds what already arrived.
import type { MessageMeta } from "./identity";
import { alteration, compareCopy, needDigests, type Alteration, type Digests } from "./identity";
import type { FolderGroup } from "./folderMap";
import { newMailIsAllMissing, resyncPath, type GroupWatermark } from "./watermarks";
import { groupMark } from "./folderMarks";
import { folderDelta, storeCommands, type FolderDelta, type SourceRef } from "./missing";
import { fetchContentDigests, folderMark, listMessages, listMessagesBulk, type FolderListing } from "./listing";
import { newSinceProof, noneOnDestination } from "./incremental";
import { flagChange, storableFlags } from "./flags";
import { errorFacts, isNonexistentFolder } from "./classify";
import { sendMessages, type Arrival } from "./sendMessages";
import { sizeRefusal } from "./limits";
import type { MailboxSession } from "./session";
import { emptyFolderSummary, type FolderSummary } from "./summary";

export interface CopyLimits {
  /** Bytes of source messages fetched per batch: memory follows this, not the folder size. */
  batchBytes: number;
  batchCount: number;
  /** Messages larger than this are not sent; recorded as skipped. */
  maxMessageBytes?: number;
}

export interface CopyEvents {
  onFound(toCopy: number, bytes: number): void;
  /** `source` is the index of the source folder in the group. */
  onCopied(bytes: number, source: number): void;
}

/** Fills in digests where the cheap identity cannot settle a pairing (identity.ts needDigests). */
async function disambiguate(
  session: MailboxSession,
  group: FolderGroup,
  sources: FolderListing[],
  dest: FolderListing,
): Promise<void> {
  const wanted = needDigests(sources.map((s) => s.metas), dest.metas);
  const src = await session.source();
  for (let i = 0; i < sources.length; i++) {
    if (!wanted.sources[i].length) continue;
    await src.mailboxOpen(group.sources[i].path, { readOnly: true });
    withDigests(wanted.sources[i], await fetchContentDigests(src, wanted.sources[i].map((m) => m.uid)));
  }
  if (wanted.dest.length) {
    const dst = await session.destination();
    await dst.mailboxOpen(group.destination);
    withDigests(wanted.dest, await fetchContentDigests(dst, wanted.dest.map((m) => m.uid)));
  }
}

function withDigests(metas: readonly MessageMeta[], digests: ReadonlyMap<number, Digests>): void {
  for (const m of metas) Object.assign(m, digests.get(m.uid));
}

/**
 * Lists every source folder of the group, read-only, one after the other on the source's bulk connection.
 * `withIds` false: without Message-IDs (BulkConnection.fetchMetas), which then come with the bodies.
 */
export async function listSources(session: MailboxSession, group: FolderGroup, withIds = true): Promise<FolderListing[]> {
  const src = await session.sourceReader();
  const out: FolderListing[] = [];
  for (const f of group.sources) {
    if (!f.selectable) {
      out.push({ metas: [] });
      continue;
    }
    try {
      out.push(await listMessagesBulk(src, f.path, true, withIds));
    } catch (err) {
      // Deleted on the source since the folder list was read: nothing left to copy from it, and not a failure.
      if (!isNonexistentFolder(errorFacts(err))) throw err;
      out.push({ metas: [], vanished: true });
    }
  }
  return out;
}

/**
 * Lists both sides (at the same time, on their own connections) and works out what is missing. When the
 * destination was empty at the group's marks (`destinationEmpty`) and still is, there is nothing to compare
 * with: the sources are listed without Message-IDs (`idsLater`), which come with the bodies, so that the server
 * reads each message's file once, while the appends run, rather than once for the listing and again for the copy.
 */
async function compare(session: MailboxSession, group: FolderGroup, destinationEmpty = false) {
  let [sources, dest] = await Promise.all([
    listSources(session, group, !destinationEmpty),
    session.destination().then((d) => listMessages(d, group.destination, false)),
  ]);
  // Mail arrived on the destination since the marks: compare as usual.
  if (destinationEmpty && dest.metas.length) sources = await listSources(session, group);
  const idsLater = destinationEmpty && !dest.metas.length;
  if (!idsLater) await disambiguate(session, group, sources, dest);
  return {
    sources,
    dest,
    delta: folderDelta(sources.map((s) => s.metas), dest.metas, { permanentFlags: dest.permanentFlags }),
    idsLater,
  };
}

/** The Message-IDs of messages listed without them and never read (skipped), for the report. */
async function readIds(session: MailboxSession, group: FolderGroup, refs: readonly SourceRef[]): Promise<void> {
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

/** Makes destination flags match the source's, in as few STOREs as possible; returns how many messages changed. */
async function applyFlagFixes(session: MailboxSession, group: FolderGroup, delta: FolderDelta, summaries: FolderSummary[]): Promise<void> {
  if (!delta.flagFixes.length) return;
  const dst = await session.destination();
  await dst.mailboxOpen(group.destination);
  for (const cmd of storeCommands(delta.flagFixes)) {
    const range = cmd.uids.join(",");
    if (cmd.op === "add") await dst.messageFlagsAdd(range, cmd.flags, { uid: true });
    else await dst.messageFlagsRemove(range, cmd.flags, { uid: true });
  }
  for (const fix of delta.flagFixes) summaries[fix.source].flagsUpdated += 1;
}

/**
 * Reads back just the appended messages by the UIDs the server gave them, and checks each against what was
 * sent with the same tiers the next pass pairs by (identity.ts compareCopy): O(copied), not O(folder). A copy the
 * server stored altered is arrived, and counted by what changed (`altered`). Returns the flag fixes still needed.
 */
async function checkArrivals(session: MailboxSession, group: FolderGroup, arrived: readonly Arrival[], permanentFlags?: Set<string>) {
  const got = new Map<number, MessageMeta>();
  const uids = arrived.map((a) => a.destUid!);
  // On an append connection (idle now): read in bulk, like the source listing.
  await (await session.appender()).use(async (c) => {
    await c.open(group.destination, true);
    for (let i = 0; i < uids.length; i += 2000) {
      for (const m of await c.fetchMetas(uids.slice(i, i + 2000).join(","))) got.set(m.uid, m);
    }
  });
  // Where the next pass would compare digests (no Message-ID, or a shared one), so does this check.
  const digested = arrived.filter((a) => a.meta.contentDigest && got.has(a.destUid!));
  if (digested.length) {
    const dst = await session.destination();
    await dst.mailboxOpen(group.destination);
    withDigests(digested.map((a) => got.get(a.destUid!)!), await fetchContentDigests(dst, digested.map((a) => a.destUid!)));
  }
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

export interface GroupResult {
  summaries: FolderSummary[];
  /** Source messages not on the destination when the group was done (refused ones included). */
  missing: number;
  /** Set when the group was proven complete: the next pass builds on it (skips the group, or copies only new mail). */
  watermark?: GroupWatermark;
  /**
   * Set when this pass made the group complete by its own changes: the watermark is then the marks taken after
   * the pass (all groups at once, folderMarks.ts), provided only those changes moved them (watermarkAfterCopy).
   */
  settle?: Settle;
  /** True when the group was skipped because nothing moved since the previous watermark. */
  unchanged: boolean;
}

/** A folder the destination would not create: nothing copied, every message of it reported missing. */
async function refusedGroup(session: MailboxSession, group: FolderGroup): Promise<GroupResult> {
  const src = await session.source();
  let missing = 0;
  const summaries: FolderSummary[] = [];
  for (const [i, f] of group.sources.entries()) {
    const s = emptyFolderSummary(group.sourceNames[i], group.destinationName, [group.refused!]);
    s.onSource = f.selectable ? ((await folderMark(src, f.path))?.messages ?? 0) : 0;
    missing += s.onSource;
    summaries.push(s);
  }
  return { summaries, missing, unchanged: false };
}

function groupSummaries(group: FolderGroup): FolderSummary[] {
  return group.sourceNames.map((name, i) => emptyFolderSummary(name, group.destinationName, i === 0 ? [...group.notes] : []));
}

function countUnsupported(summary: FolderSummary, metas: readonly MessageMeta[], permanentFlags?: Set<string>): void {
  for (const m of metas) {
    for (const f of storableFlags(m.flags, permanentFlags).unsupported) summary.unsupportedFlags[f] = (summary.unsupportedFlags[f] ?? 0) + 1;
  }
}

/** One pass over one group: where it copies, within what limits, and the marks taken when it began. */
interface GroupPass {
  session: MailboxSession;
  mailbox: string;
  group: FolderGroup;
  limits: CopyLimits;
  events: CopyEvents;
  before?: GroupWatermark;
}

/** What turns into a watermark once the marks after the pass are known: the marks before, and our appends. */
export interface Settle {
  before: GroupWatermark;
  appended: number;
}

/** After this pass changed the destination: a watermark once the marks after it show only our own changes. */
function settleAfter(pass: GroupPass, appended: number): Settle | undefined {
  return pass.before ? { before: pass.before, appended } : undefined;
}

/**
 * Copies `toCopy` (all of it missing on the destination), proves what arrived by its APPENDUID, and fixes the
 * flags the server dropped on APPEND. `touched`: this pass already changed the destination's flags. `idsLater`:
 * the messages were listed without their Message-IDs, which are read with the bodies.
 */
async function copyMissing(
  pass: GroupPass,
  toCopy: readonly SourceRef[],
  permanentFlags: Set<string> | undefined,
  summaries: FolderSummary[],
  touched: boolean,
  idsLater = false,
): Promise<GroupResult> {
  const { session, group, limits } = pass;
  const appendLimit = toCopy.length ? await session.appendLimit() : undefined;
  const refusal = (ref: SourceRef) => sizeRefusal(ref.meta.size, limits.maxMessageBytes, appendLimit);
  const sendable: SourceRef[] = [];
  if (idsLater) await readIds(session, group, toCopy.filter(refusal));
  for (const ref of toCopy) {
    const reason = refusal(ref);
    if (reason) {
      summaries[ref.source].skipped.push({ folder: group.sourceNames[ref.source], uid: ref.meta.uid, messageId: ref.meta.messageId, size: ref.meta.size, reason });
    } else sendable.push(ref);
  }
  pass.events.onFound(sendable.length, sendable.reduce((n, r) => n + r.meta.size, 0));
  // Nothing to copy: every source message is there (the listing, or the watermark, is the proof).
  if (!toCopy.length) return touched ? { summaries, missing: 0, settle: settleAfter(pass, 0), unchanged: false } : { summaries, missing: 0, watermark: pass.before, unchanged: false };

  if (!sendable.length) return { summaries, missing: toCopy.length, unchanged: false };
  const arrived = await sendMessages(session, pass.mailbox, group, sendable, permanentFlags, limits, summaries, pass.events, idsLater);

  // The proof that what was sent arrived, and a second chance for flags the server dropped on APPEND
  // (Exchange Online drops \Flagged there; a STORE sets it).
  const notVerified = toCopy.length - arrived.length;
  if (arrived.every((a) => a.destUid !== undefined)) {
    const check = await checkArrivals(session, group, arrived, permanentFlags);
    await applyFlagFixes(session, group, check.delta, summaries);
    for (const [i, n] of check.unconfirmed) summaries[i].notes.push(`${n} appended messages were not found as sent on the destination`);
    for (const [i, hows] of check.altered) summaries[i].notes.push(alteredNote(pass.session.destinationLabel, hows));
    const missing = notVerified + check.missing;
    // Complete, and every message accounted for by its UID: a watermark when no one else moved the folders.
    return { summaries, missing, settle: missing === 0 ? settleAfter(pass, arrived.length) : undefined, unchanged: false };
  }
  // Without UIDPLUS the server does not say where the messages went: list both sides again.
  const after = await compare(session, group);
  await applyFlagFixes(session, group, after.delta, summaries);
  return { summaries, missing: after.delta.toCopy.length, unchanged: false };
}

/** The proof of the last pass holds and only new mail came: copy it without listing anything else. */
async function copyNewMail(pass: GroupPass, before: GroupWatermark, fresh: MessageMeta[][]): Promise<GroupResult> {
  const summaries = groupSummaries(pass.group);
  const toCopy: SourceRef[] = [];
  fresh.forEach((metas, i) => {
    summaries[i].onSource = before.sources[i].messages;
    summaries[i].alreadyPresent = Math.max(0, before.sources[i].messages - metas.length);
    for (const meta of metas) toCopy.push({ source: i, meta });
  });
  let permanentFlags: Set<string> | undefined;
  if (toCopy.length) {
    permanentFlags = (await (await pass.session.destination()).mailboxOpen(pass.group.destination)).permanentFlags;
    fresh.forEach((metas, i) => countUnsupported(summaries[i], metas, permanentFlags));
  }
  return copyMissing(pass, toCopy, permanentFlags, summaries, false);
}

/**
 * Said where the destination holds copies with other bytes or another size than the source's messages: which
 * server, how many, and what it changed, as far as the digests tell.
 */
export function alteredNote(server: string, hows: readonly Alteration[]): string {
  const counts = new Map<Alteration, number>();
  for (const h of hows) counts.set(h, (counts.get(h) ?? 0) + 1);
  const what = [...counts].map(([h, n]) => `${n} with ${ALTERATION_TEXT[h]}`).join(", ");
  const n = hows.length;
  return `${n} message${n === 1 ? " is" : "s are"} stored by ${server} altered (${what}): recognised as copies, not copied again`;
}

const ALTERATION_TEXT: Readonly<Record<Alteration, string>> = {
  "line breaks": "line breaks changed (bare CR or LF)",
  "8-bit bytes": "8-bit header bytes replaced",
  size: "another size (the server stores its own rendering)",
  content: "other content (matched by date, no Message-ID)",
};

/** Lists both sides, fixes flags, copies what is missing. */
async function copyCompared(pass: GroupPass): Promise<GroupResult> {
  const { sources, dest, delta, idsLater } = await compare(pass.session, pass.group, pass.before?.destination.messages === 0);
  const summaries = groupSummaries(pass.group);
  summaries.forEach((s, i) => {
    s.onSource = sources[i].metas.length;
    if (sources[i].vanished) s.notes.push("deleted on the source during the run: nothing copied from it");
    s.alreadyPresent = delta.present[i];
    const hows = delta.altered.filter((a) => a.source === i).map((a) => a.how);
    if (hows.length) s.notes.push(alteredNote(pass.session.destinationLabel, hows));
    countUnsupported(s, sources[i].metas, dest.permanentFlags);
  });
  // Flags first: cheap, and a later failure in the copy must not leave them stale.
  await applyFlagFixes(pass.session, pass.group, delta, summaries);
  return copyMissing(pass, delta.toCopy, dest.permanentFlags, summaries, delta.flagFixes.length > 0, idsLater);
}

export async function copyFolderGroup(
  session: MailboxSession,
  mailbox: string,
  group: FolderGroup,
  limits: CopyLimits,
  events: CopyEvents,
  previous?: GroupWatermark,
  /** The group's marks from the folder list at the start of the pass, when there are any. */
  planned?: GroupWatermark,
): Promise<GroupResult> {
  if (group.refused) return refusedGroup(session, group);
  // Only \Noselect parents: nothing to copy, and no destination folder (folderMap.ts).
  if (!group.sources.some((f) => f.selectable)) return { summaries: groupSummaries(group), missing: 0, unchanged: false };
  // Taken before reading anything: whatever moves after this shows as a change next time.
  const before = planned ?? (await groupMark(session, group));
  const pass: GroupPass = { session, mailbox, group, limits, events, before };
  const path = resyncPath(previous, before);
  if (before && (path.kind === "skip" || path.kind === "empty")) {
    const summaries = groupSummaries(group);
    summaries.forEach((s, i) => (s.onSource = s.alreadyPresent = before.sources[i].messages));
    events.onFound(0, 0);
    return { summaries, missing: 0, watermark: before, unchanged: path.kind === "skip" };
  }
  if (before && path.kind === "incremental") {
    const fresh = await newSinceProof(session, group, path.sources);
    if (fresh && (newMailIsAllMissing(before, fresh.map((f) => f.length)) || (await noneOnDestination(session, group, fresh.flat())))) {
      return copyNewMail(pass, before, fresh);
    }
    // The proof does not carry over (a flag changed on an older message, or new mail may already be there).
  }
  return copyCompared(pass);
}
