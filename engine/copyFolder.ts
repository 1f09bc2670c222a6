// One destination folder: work out what is missing (from the last pass's watermark when it still holds, else by
// listing both sides), copy it, carry flags over, and prove it arrived. Safe to interrupt anywhere: the next pass
// lists again and finds what already arrived.
import type { MessageMeta } from "./identity";
import { alteration, compareCopy, needDigests, type Alteration, type Digests } from "./identity";
import type { FolderGroup } from "./folderMap";
import { newMailIsAllMissing, type GroupWatermark } from "./watermarks";
import { groupMark } from "./folderMarks";
import { folderDelta, storeCommands, type FolderDelta, type SourceRef } from "./missing";
import { fetchContentDigests, folderMark, listMessages, listMessagesBulk, type FolderListing } from "./listing";
import { newSinceProof, noneOnDestination } from "./incremental";
import { flagChange, storableFlags } from "./flags";
import { errorFacts, isNonexistentFolder } from "./classify";
import { sendMessages, type Arrival } from "./sendMessages";
import { sizeRefusal } from "./limits";
import type { MailboxSession } from "./session";
import { strategyOf, type FullListing, type GroupPlan } from "./passPlan";
import type { AttemptLedger, GroupOutcome, Settle } from "./ledger";

export interface CopyLimits {
  /** Bytes of source messages fetched per batch: memory follows this, not the folder size. */
  batchBytes: number;
  batchCount: number;
  /** Messages larger than this are not sent; recorded as skipped. */
  maxMessageBytes?: number;
}

/** One attempt at one folder group: where it copies, within what limits, what the plan decided, where it records. */
export interface GroupJob {
  session: MailboxSession;
  mailbox: string;
  limits: CopyLimits;
  plan: GroupPlan;
  ledger: AttemptLedger;
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
 * Lists both sides (at the same time, on their own connections) and works out what is missing. Where the plan
 * lists the sources without Message-IDs (passPlan.ts `idsWithBodies`: the destination was empty at the marks)
 * the server reads each message's file once, while the appends run, rather than once for the listing and again
 * for the copy; should the destination have mail by now after all, the sources are listed again with them.
 */
async function compare(session: MailboxSession, group: FolderGroup, listing: FullListing) {
  let [sources, dest] = await Promise.all([
    listSources(session, group, listing.idsWithBodies),
    session.destination().then((d) => listMessages(d, group.destination, false)),
  ]);
  const idsWithBodies = listing.idsWithBodies && !dest.metas.length;
  if (listing.idsWithBodies && !idsWithBodies) sources = await listSources(session, group, false);
  if (!idsWithBodies) await disambiguate(session, group, sources, dest);
  return {
    sources,
    dest,
    delta: folderDelta(sources.map((s) => s.metas), dest.metas, { permanentFlags: dest.permanentFlags }),
    idsWithBodies,
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

/** Makes destination flags match the source's, in as few STOREs as possible. */
async function applyFlagFixes(session: MailboxSession, group: FolderGroup, delta: FolderDelta, ledger: AttemptLedger): Promise<void> {
  if (!delta.flagFixes.length) return;
  const dst = await session.destination();
  await dst.mailboxOpen(group.destination);
  for (const cmd of storeCommands(delta.flagFixes)) {
    const range = cmd.uids.join(",");
    if (cmd.op === "add") await dst.messageFlagsAdd(range, cmd.flags, { uid: true });
    else await dst.messageFlagsRemove(range, cmd.flags, { uid: true });
  }
  for (const fix of delta.flagFixes) ledger.flagsFixed(fix.source);
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

/** A folder the destination would not create: nothing copied, every message of it reported missing. */
async function refusedGroup({ session, plan: { group }, ledger }: GroupJob): Promise<GroupOutcome> {
  const src = await session.source();
  let missing = 0;
  for (const [i, f] of group.sources.entries()) {
    ledger.note(i, group.refused!);
    const onSource = f.selectable ? ((await folderMark(src, f.path))?.messages ?? 0) : 0;
    ledger.listed(i, onSource, 0);
    missing += onSource;
  }
  return { missing, unchanged: false };
}

function countUnsupported(ledger: AttemptLedger, source: number, metas: readonly MessageMeta[], permanentFlags?: Set<string>): void {
  for (const m of metas) for (const f of storableFlags(m.flags, permanentFlags).unsupported) ledger.unsupportedFlag(source, f);
}

/** A job under way: with the marks taken when it began (from the plan, or read then). */
interface GroupPass extends GroupJob {
  group: FolderGroup;
  before?: GroupWatermark;
}

/** What a listing (or the new mail since a proof) left to send, and how. */
interface Missing {
  toCopy: readonly SourceRef[];
  permanentFlags?: Set<string>;
  /** This pass already changed the destination's flags. */
  touched: boolean;
  /** The messages were listed without their Message-IDs, which are read with the bodies. */
  idsWithBodies: boolean;
}

/** After this pass changed the destination: a watermark once the marks after it show only our own changes. */
function settleAfter(pass: GroupPass, appended: number): Settle | undefined {
  return pass.before ? { before: pass.before, appended } : undefined;
}

/**
 * Copies `toCopy` (all of it missing on the destination), proves what arrived by its APPENDUID, and fixes the
 * flags the server dropped on APPEND.
 */
async function copyMissing(pass: GroupPass, { toCopy, permanentFlags, touched, idsWithBodies }: Missing): Promise<GroupOutcome> {
  const { session, group, limits, ledger } = pass;
  const appendLimit = toCopy.length ? await session.appendLimit() : undefined;
  const refusal = (ref: SourceRef) => sizeRefusal(ref.meta.size, limits.maxMessageBytes, appendLimit);
  const sendable: SourceRef[] = [];
  if (idsWithBodies) await readIds(session, group, toCopy.filter(refusal));
  for (const ref of toCopy) {
    const reason = refusal(ref);
    if (reason) {
      const { uid, messageId, size } = ref.meta;
      ledger.skipped(ref.source, { folder: group.sourceNames[ref.source], uid, messageId, size, reason });
    } else sendable.push(ref);
  }
  ledger.found(sendable.length, sendable.reduce((n, r) => n + r.meta.size, 0));
  // Nothing to copy: every source message is there (the listing, or the watermark, is the proof).
  if (!toCopy.length) {
    if (touched) return { missing: 0, settle: settleAfter(pass, 0), unchanged: false };
    return { missing: 0, watermark: pass.before, unchanged: false };
  }
  if (!sendable.length) return { missing: toCopy.length, unchanged: false };
  const arrived = await sendMessages(pass, sendable, { permanentFlags, idsWithBodies });

  // The proof that what was sent arrived, and a second chance for flags the server dropped on APPEND
  // (Exchange Online drops \Flagged there; a STORE sets it).
  const notVerified = toCopy.length - arrived.length;
  if (arrived.every((a) => a.destUid !== undefined)) {
    const check = await checkArrivals(session, group, arrived, permanentFlags);
    await applyFlagFixes(session, group, check.delta, ledger);
    for (const [i, n] of check.unconfirmed) ledger.note(i, `${n} appended messages were not found as sent on the destination`);
    for (const [i, hows] of check.altered) ledger.note(i, alteredNote(session.destinationLabel, hows));
    const missing = notVerified + check.missing;
    // Complete, and every message accounted for by its UID: a watermark when no one else moved the folders.
    return { missing, settle: missing === 0 ? settleAfter(pass, arrived.length) : undefined, unchanged: false };
  }
  // Without UIDPLUS the server does not say where the messages went: list both sides again.
  const after = await compare(session, group, { kind: "full", idsWithBodies: false });
  await applyFlagFixes(session, group, after.delta, ledger);
  return { missing: after.delta.toCopy.length, unchanged: false };
}

/** The proof of the last pass holds and only new mail came: copy it without listing anything else. */
async function copyNewMail(pass: GroupPass, before: GroupWatermark, fresh: MessageMeta[][]): Promise<GroupOutcome> {
  const toCopy: SourceRef[] = [];
  fresh.forEach((metas, i) => {
    const onSource = before.sources[i].messages;
    pass.ledger.listed(i, onSource, Math.max(0, onSource - metas.length));
    for (const meta of metas) toCopy.push({ source: i, meta });
  });
  let permanentFlags: Set<string> | undefined;
  if (toCopy.length) {
    permanentFlags = (await (await pass.session.destination()).mailboxOpen(pass.group.destination)).permanentFlags;
    fresh.forEach((metas, i) => countUnsupported(pass.ledger, i, metas, permanentFlags));
  }
  return copyMissing(pass, { toCopy, permanentFlags, touched: false, idsWithBodies: false });
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
async function copyCompared(pass: GroupPass, listing: FullListing): Promise<GroupOutcome> {
  const { session, group, ledger } = pass;
  const { sources, dest, delta, idsWithBodies } = await compare(session, group, listing);
  sources.forEach((listed, i) => {
    ledger.listed(i, listed.metas.length, delta.present[i]);
    if (listed.vanished) ledger.note(i, "deleted on the source during the run: nothing copied from it");
    const hows = delta.altered.filter((a) => a.source === i).map((a) => a.how);
    if (hows.length) ledger.note(i, alteredNote(session.destinationLabel, hows));
    countUnsupported(ledger, i, listed.metas, dest.permanentFlags);
  });
  // Flags first: cheap, and a later failure in the copy must not leave them stale.
  await applyFlagFixes(session, group, delta, ledger);
  const touched = delta.flagFixes.length > 0;
  return copyMissing(pass, { toCopy: delta.toCopy, permanentFlags: dest.permanentFlags, touched, idsWithBodies });
}

/**
 * Carries out what the plan decided for the group. Without marks from the folder list (no LIST-STATUS, or a
 * retry) it reads them first and decides by the same rule (passPlan.ts strategyOf).
 */
export async function copyFolderGroup(job: GroupJob): Promise<GroupOutcome> {
  const { group, previous } = job.plan;
  let before = job.plan.marks;
  let strategy = job.plan.strategy;
  // Taken before reading anything: whatever moves after this shows as a change next time.
  if (!strategy) strategy = strategyOf(group, (before = await groupMark(job.session, group)), previous);
  const pass: GroupPass = { ...job, group, before };
  switch (strategy.kind) {
    case "refused":
      return refusedGroup(job);
    case "nothing":
      return { missing: 0, unchanged: false };
    case "skip":
    case "empty": {
      const { marks } = strategy;
      marks.sources.forEach((m, i) => job.ledger.listed(i, m.messages, m.messages));
      job.ledger.found(0, 0);
      return { missing: 0, watermark: marks, unchanged: strategy.kind === "skip" };
    }
    case "incremental": {
      const { marks } = strategy;
      const fresh = await newSinceProof(job.session, group, strategy.sources);
      const allMissing = (f: MessageMeta[][]) => newMailIsAllMissing(marks, f.map((m) => m.length));
      const copyable = fresh && (allMissing(fresh) || (await noneOnDestination(job.session, group, fresh.flat())));
      if (fresh && copyable) return copyNewMail(pass, marks, fresh);
      // The proof does not carry over (a flag changed on an older message, or new mail may already be there).
      return copyCompared(pass, strategy.otherwise);
    }
    case "full":
      return copyCompared(pass, strategy);
  }
}
