// Watermarks: what each folder looked like (STATUS) when a pass proved it complete, and what the next pass may
// conclude from them. The cost of a resync follows what changed, not what exists: a group where nothing moved is
// skipped, one where only new mail arrived on the source is copied from the new UIDs on. Pure; the STATUS that
// reads a mark is in listing.ts. A source mark is only trusted with HIGHESTMODSEQ (CONDSTORE), the one counter
// that moves on a flag change; a destination without it (Exchange Online) is trusted on its counts (sameDestination).

export interface FolderMark {
  path: string;
  uidValidity: string;
  uidNext: number;
  messages: number;
  highestModseq?: string;
}

/**
 * A group's marks when it was proven complete: every source message with a UID below its folder's `uidNext`
 * (and still there) has its own counterpart, with the same flags, among the destination's messages at
 * `destination`.
 */
export interface GroupWatermark {
  sources: FolderMark[];
  destination: FolderMark;
}

/** Keyed by destination folder path. */
export type Watermarks = Record<string, GroupWatermark>;

function sameCounts(a: FolderMark | undefined, b: FolderMark | undefined): a is FolderMark {
  return !!a && !!b && a.path === b.path && a.uidValidity === b.uidValidity && a.uidNext === b.uidNext && a.messages === b.messages;
}

/** A source folder as it was: its counts, and HIGHESTMODSEQ, without which a flag change there would go unseen. */
function sameSource(a: FolderMark | undefined, b: FolderMark | undefined): boolean {
  return sameCounts(a, b) && a.highestModseq !== undefined && a.highestModseq === b!.highestModseq;
}

/**
 * The destination as it was. Its counts prove it holds the same messages (an expunge lowers MESSAGES, an append
 * raises UIDNEXT), so a destination without CONDSTORE (Exchange Online) still has watermarks: what goes unseen
 * there is a flag its users changed since, which is theirs to keep. HIGHESTMODSEQ, where there is one, must match.
 */
function sameDestination(a: FolderMark | undefined, b: FolderMark | undefined): boolean {
  return sameCounts(a, b) && a.highestModseq === b!.highestModseq;
}

/**
 * A watermark that could be true: every source message had its own counterpart on the destination, so the
 * destination held at least as many messages. A stored entry that says otherwise (tampered with, or rewritten after
 * mail was deleted there) is not a proof, and the group is listed.
 */
export function plausible(w: GroupWatermark): boolean {
  return w.destination.messages >= w.sources.reduce((n, m) => n + m.messages, 0);
}

/**
 * The destination moved only in HIGHESTMODSEQ: the same messages (UIDNEXT and MESSAGES as they were), and
 * something else changed its modification sequence: a flag, or a METADATA entry (Dovecot counts the server's
 * entries, ours among them, as INBOX's changes). A search for messages changed since (copyFolder.ts) tells which.
 */
function onlyModseqMoved(a: FolderMark, b: FolderMark): boolean {
  return (
    sameCounts(a, b) &&
    /^[1-9]\d*$/.test(a.highestModseq ?? "") &&
    /^\d+$/.test(b.highestModseq ?? "") &&
    BigInt(b.highestModseq!) > BigInt(a.highestModseq!)
  );
}

/** True when every folder of the group is exactly as it was when the group was last proven complete. */
export function unchangedSince(previous: GroupWatermark | undefined, now: GroupWatermark): boolean {
  if (!previous || previous.sources.length !== now.sources.length || !plausible(previous)) return false;
  return sameDestination(previous.destination, now.destination) && previous.sources.every((m, i) => sameSource(m, now.sources[i]));
}

/** What of one source folder an incremental pass reads. */
export interface NewMail {
  /** Messages with a UID below this were proven on the destination: only their flags can have changed. */
  provenBelow: number;
  /** Set when the folder moved since the proof: flag changes since this HIGHESTMODSEQ must be looked for. */
  changedSince?: string;
  /** The new messages: UIDs from `provenBelow` up to `upTo`, the last UID assigned when the pass began. */
  upTo: number;
}

export type ResyncPath =
  /** Nothing moved on either side since the proof. */
  | { kind: "skip" }
  /** The destination did not move and the sources only grew (or lost mail): copy what is new, list nothing else. */
  | { kind: "incremental"; sources: NewMail[]; destinationChangedSince?: string }
  /** The sources hold no message: nothing to copy and no flag to carry, so nothing to list on either side. */
  | { kind: "empty" }
  /** No proof to build on: list both sides and compare. */
  | { kind: "full" };

/** How a pass treats a group, from the marks of its last proof (`previous`) and those taken now. */
export function resyncPath(previous: GroupWatermark | undefined, now: GroupWatermark | undefined): ResyncPath {
  if (!now) return { kind: "full" };
  if (unchangedSince(previous, now)) return { kind: "skip" };
  if (now.sources.every((m) => m.messages === 0)) return { kind: "empty" };
  if (!previous || previous.sources.length !== now.sources.length || !plausible(previous)) return { kind: "full" };
  // A destination that moved may have lost a message or changed a flag: only a listing tells which. One that moved
  // in HIGHESTMODSEQ alone is searched for changed messages first.
  const destinationMoved = !sameDestination(previous.destination, now.destination);
  if (destinationMoved && !onlyModseqMoved(previous.destination, now.destination)) return { kind: "full" };
  const sources: NewMail[] = [];
  for (const [i, p] of previous.sources.entries()) {
    const n = now.sources[i];
    const comparable =
      p.path === n.path &&
      p.uidValidity === n.uidValidity &&
      n.uidNext >= p.uidNext &&
      p.highestModseq !== undefined &&
      n.highestModseq !== undefined;
    if (!comparable) return { kind: "full" };
    sources.push({
      provenBelow: p.uidNext,
      changedSince: p.highestModseq !== n.highestModseq && p.uidNext > 1 ? p.highestModseq : undefined,
      upTo: n.uidNext - 1,
    });
  }
  return destinationMoved
    ? { kind: "incremental", sources, destinationChangedSince: previous.destination.highestModseq }
    : { kind: "incremental", sources };
}

/**
 * Whether the new messages found by an incremental pass can all be copied without looking at the destination.
 * They can when there are none, or when the destination holds exactly the older source messages and nothing else
 * (no mail of its own, none whose source copy was expunged since): then none of them has a counterpart there.
 * Otherwise one of them could be, say, a message moved away on the source and back, whose copy is already there:
 * the destination must be asked.
 */
export function newMailIsAllMissing(now: GroupWatermark, newCounts: readonly number[]): boolean {
  const fresh = newCounts.reduce((a, b) => a + b, 0);
  if (fresh === 0) return true;
  const onSources = now.sources.reduce((a, m) => a + m.messages, 0);
  return now.destination.messages + fresh === onSources;
}

/**
 * Dovecot answers STATUS for a mailbox it has not created on disk yet (a new account's INBOX) with UIDVALIDITY 0;
 * the first APPEND creates it under a real one. Nothing was in it, so what it holds afterwards is what came since.
 */
function notCreatedYet(m: FolderMark): boolean {
  return m.uidValidity === "0" && m.messages === 0 && m.uidNext === 1;
}

/**
 * The watermark of a group this pass made complete, from the marks taken before it (`before`) and after it
 * (`after`), given how many messages it appended (each confirmed by its APPENDUID). Undefined unless the sources
 * did not move at all and the destination only took our appends: UIDNEXT and MESSAGES each grew by exactly that
 * many, so no one else appended or expunged there meanwhile.
 *
 * What this trusts: a third party's flag change on the destination during the pass (after it was listed, or after
 * `before` when it was not listed) is indistinguishable from our own STOREs and APPENDs, which move HIGHESTMODSEQ
 * too, so it would be missed. Flags changed on the destination by its users after the migration are theirs
 * anyway, as with any watermark.
 */
export function watermarkAfterCopy(
  before: GroupWatermark,
  after: GroupWatermark | undefined,
  appended: number,
): GroupWatermark | undefined {
  if (!after || after.sources.length !== before.sources.length) return undefined;
  if (!before.sources.every((m, i) => sameSource(m, after.sources[i]))) return undefined;
  const b = before.destination;
  const a = after.destination;
  const onlyOurs =
    a.path === b.path &&
    (a.uidValidity === b.uidValidity || notCreatedYet(b)) &&
    a.uidNext === b.uidNext + appended &&
    a.messages === b.messages + appended &&
    (a.highestModseq === undefined) === (b.highestModseq === undefined);
  return onlyOurs ? { sources: before.sources, destination: a } : undefined;
}
