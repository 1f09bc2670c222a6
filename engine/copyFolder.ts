// One destination folder: work out what is missing (from the last pass's watermark when it still holds, else by
// listing both sides), copy it, carry flags over, and prove it arrived. Safe to interrupt anywhere: the next pass
// lists again and finds what already arrived.
import type { MessageMeta } from "./identity";
import type { FolderGroup } from "./folderMap";
import { newMailIsAllMissing, type GroupWatermark } from "./watermarks";
import { groupMark } from "./folderMarks";
import { storeCommands, type FolderDelta, type SourceRef } from "./missing";
import { newSinceProof, noneOnDestination, unchangedOnDestination } from "./incremental";
import { storableFlags } from "./flags";
import { compare, readIds } from "./compare";
import { checkArrivals } from "./arrivals";
import { sendMessages } from "./sendMessages";
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

/**
 * Makes destination flags match the source's, in as few STOREs as possible, written together on an append
 * connection (SELECTed there, where the listing or the appends left it open already).
 */
async function applyFlagFixes(session: MailboxSession, group: FolderGroup, delta: FolderDelta, ledger: AttemptLedger): Promise<void> {
  if (!delta.flagFixes.length) return;
  await (await session.appender()).use(async (c) => {
    if (!c.hasSelected(group.destination)) await c.open(group.destination, false);
    await c.store(storeCommands(delta.flagFixes));
  });
  for (const fix of delta.flagFixes) ledger.flagsFixed(fix.source);
}

/** A folder the destination would not create: nothing copied, every message of it reported missing. */
async function refusedGroup({ session, plan: { group }, ledger }: GroupJob): Promise<GroupOutcome> {
  const src = await session.sourceReader();
  const marks = await src.statuses(group.sources.map((f) => f.path)).catch(() => []);
  let missing = 0;
  for (const [i, f] of group.sources.entries()) {
    ledger.note(i, group.refused!);
    const onSource = f.selectable ? (marks[i]?.messages ?? 0) : 0;
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
  ledger.found(
    sendable.length,
    sendable.reduce((n, r) => n + r.meta.size, 0),
  );
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
    for (const [i, hows] of check.altered) ledger.altered(i, session.destinationLabel, hows);
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
async function copyNewMail(
  pass: GroupPass,
  before: GroupWatermark,
  fresh: MessageMeta[][],
  permanentFlags: Set<string> | undefined,
): Promise<GroupOutcome> {
  const toCopy: SourceRef[] = [];
  fresh.forEach((metas, i) => {
    const onSource = before.sources[i].messages;
    pass.ledger.listed(i, onSource, Math.max(0, onSource - metas.length));
    for (const meta of metas) toCopy.push({ source: i, meta });
  });
  for (const [i, metas] of fresh.entries()) countUnsupported(pass.ledger, i, metas, permanentFlags);
  return copyMissing(pass, { toCopy, permanentFlags, touched: false, idsWithBodies: false });
}

/** Lists both sides, fixes flags, copies what is missing. */
async function copyCompared(pass: GroupPass, listing: FullListing): Promise<GroupOutcome> {
  const { session, group, ledger } = pass;
  const { sources, dest, delta, idsWithBodies } = await compare(session, group, listing);
  sources.forEach((listed, i) => {
    ledger.listed(i, listed.metas.length, delta.present[i]);
    if (listed.vanished) ledger.note(i, "deleted on the source during the run: nothing copied from it");
    const hows = delta.altered.filter((a) => a.source === i).map((a) => a.how);
    if (hows.length) ledger.altered(i, session.destinationLabel, hows);
    countUnsupported(ledger, i, listed.metas, dest.permanentFlags);
  });
  // Flags first: cheap, and a later failure in the copy must not leave them stale.
  await applyFlagFixes(session, group, delta, ledger);
  const touched = delta.flagFixes.length > 0;
  return copyMissing(pass, { toCopy: delta.toCopy, permanentFlags: dest.permanentFlags, touched, idsWithBodies });
}

/** Nothing to read or copy: every source message is there, as the marks prove. */
function unchanged(job: GroupJob, marks: GroupWatermark, skipped: boolean): GroupOutcome {
  for (const [i, m] of marks.sources.entries()) job.ledger.listed(i, m.messages, m.messages);
  job.ledger.found(0, 0);
  return { missing: 0, watermark: marks, unchanged: skipped };
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
    case "empty":
      return unchanged(job, strategy.marks, strategy.kind === "skip");
    case "incremental": {
      const { marks } = strategy;
      const since = strategy.destinationChangedSince;
      // Nothing new on the sources, and the destination moved in HIGHESTMODSEQ alone: a skip once the search
      // shows that no message there changed, without an append connection.
      if (since && strategy.sources.every((p) => !p.changedSince && p.provenBelow > p.upTo))
        return (await unchangedOnDestination(job.session, group, since))
          ? unchanged(job, marks, true)
          : copyCompared(pass, strategy.otherwise);
      // The destination folder's PERMANENTFLAGS while the source is read: SELECTed on an append connection, which
      // then appends there and reads back what arrived without opening the folder again (arrivals.ts).
      const [fresh, permanentFlags, destinationSame] = await Promise.all([
        newSinceProof(job.session, group, strategy.sources),
        job.session.appender().then(async (pool) => (await pool.use((c) => c.open(group.destination, false))).permanentFlags),
        since ? unchangedOnDestination(job.session, group, since) : true,
      ]);
      if (!destinationSame) return copyCompared(pass, strategy.otherwise);
      const allMissing = (f: MessageMeta[][]) =>
        newMailIsAllMissing(
          marks,
          f.map((m) => m.length),
        );
      const copyable = fresh && (allMissing(fresh) || (await noneOnDestination(job.session, group, fresh.flat())));
      if (fresh && copyable) return copyNewMail(pass, marks, fresh, permanentFlags);
      // The proof does not carry over (a flag changed on an older message, or new mail may already be there).
      return copyCompared(pass, strategy.otherwise);
    }
    case "full":
      return copyCompared(pass, strategy);
  }
}
