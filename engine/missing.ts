// "What is missing on the destination": the multiset difference between source and destination messages,
// plus the flag changes for messages present on both. Pure; the heart of idempotent resync.
import { alteration, TIERS, type Alteration, type MessageMeta, type Tier } from "./identity";
import { flagChange, type FlagChange } from "./flags";

export interface SourceRef {
  /** Index of the source folder in the group. */
  source: number;
  meta: MessageMeta;
}

export interface FlagFix extends FlagChange {
  source: number;
  sourceUid: number;
  destUid: number;
}

export interface FolderDelta {
  /** Source messages with no counterpart on the destination, in source order. */
  toCopy: SourceRef[];
  /** Messages on both sides whose flags differ. */
  flagFixes: FlagFix[];
  /** Per source folder: how many of its messages are already on the destination. */
  present: number[];
  /** Per source folder: how many of those present the destination stores altered (paired by a tier after "exact"). */
  rewritten: number[];
  /** The altered copies, for the report: what the server changed, and how the copy was recognised. */
  altered: AlteredCopy[];
  /** Destination messages that match no source message: left alone, counted for the report. */
  destinationOnly: number;
}

export interface AlteredCopy {
  source: number;
  sourceUid: number;
  destUid: number;
  messageId: string;
  how: Alteration;
  tier: Tier;
}

export interface PairingOptions {
  permanentFlags?: ReadonlySet<string>;
}

/** Messages by key, in UID order; those the key leaves out (undefined) are not listed. */
function byKey<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/**
 * Pairs source and destination messages of one key: the nearest sizes first, then UID order. Where every size is the
 * same (the exact tier) that is UID order, first with first. Where a server altered the copies, the copy whose size
 * is nearest a source message's is the likeliest to be its copy (two messages of one second without Message-ID).
 */
function pairWithin(srcs: readonly SourceRef[], dests: readonly MessageMeta[]): [SourceRef, MessageMeta][] {
  if (!dests.length) return [];
  if (srcs.length === 1 && dests.length === 1) return [[srcs[0], dests[0]]];
  const sameSize = srcs.every((r) => r.meta.size === srcs[0].meta.size) && dests.every((d) => d.size === srcs[0].meta.size);
  if (sameSize || srcs.length * dests.length > 10_000) {
    const s = sameSize ? srcs : [...srcs].sort((a, b) => a.meta.size - b.meta.size);
    const d = sameSize ? dests : [...dests].sort((a, b) => a.size - b.size);
    return s.slice(0, d.length).map((r, i) => [r, d[i]]);
  }
  const candidates: [SourceRef, MessageMeta][] = [];
  for (const r of srcs) for (const d of dests) candidates.push([r, d]);
  candidates.sort(
    ([a, x], [b, y]) => Math.abs(a.meta.size - x.size) - Math.abs(b.meta.size - y.size) || a.meta.uid - b.meta.uid || x.uid - y.uid,
  );
  const usedSrc = new Set<SourceRef>();
  const usedDest = new Set<MessageMeta>();
  const out: [SourceRef, MessageMeta][] = [];
  for (const [r, d] of candidates) {
    if (usedSrc.has(r) || usedDest.has(d)) continue;
    usedSrc.add(r);
    usedDest.add(d);
    out.push([r, d]);
  }
  return out;
}

/**
 * Pairs source and destination messages tier by tier (identity.ts TIERS), so that N identical source messages need N
 * destination copies and a destination copy is never counted twice. What the exact identity leaves unpaired on both
 * sides is then paired by the weaker tiers: a copy the destination stored altered is present, not missing, and is
 * never copied again. A destination message only pairs with a source message nothing better explained.
 */
export function folderDelta(
  sources: readonly (readonly MessageMeta[])[],
  dest: readonly MessageMeta[],
  opts: PairingOptions = {},
): FolderDelta {
  const flagFixes: FlagFix[] = [];
  const present = sources.map(() => 0);
  const rewritten = sources.map(() => 0);
  const altered: AlteredCopy[] = [];
  let unpaired: SourceRef[] = [];
  sources.forEach((list, source) => {
    for (const meta of [...list].sort((a, b) => a.uid - b.uid)) unpaired.push({ source, meta });
  });
  let left = [...dest].sort((a, b) => a.uid - b.uid);
  for (const { tier, key } of TIERS) {
    if (!unpaired.length || !left.length) break;
    const destByKey = byKey(left, key);
    const pairedSrc = new Set<SourceRef>();
    const pairedDest = new Set<MessageMeta>();
    for (const [k, srcs] of byKey(unpaired, (r) => key(r.meta))) {
      for (const [ref, match] of pairWithin(srcs, destByKey.get(k) ?? [])) {
        pairedSrc.add(ref);
        pairedDest.add(match);
        present[ref.source] += 1;
        const change = flagChange(ref.meta.flags, match.flags, opts.permanentFlags);
        if (change.add.length || change.remove.length)
          flagFixes.push({ source: ref.source, sourceUid: ref.meta.uid, destUid: match.uid, ...change });
        if (tier !== "exact") {
          rewritten[ref.source] += 1;
          altered.push({
            source: ref.source,
            sourceUid: ref.meta.uid,
            destUid: match.uid,
            messageId: ref.meta.messageId,
            how: alteration(ref.meta, match),
            tier,
          });
        }
      }
    }
    unpaired = unpaired.filter((r) => !pairedSrc.has(r));
    left = left.filter((m) => !pairedDest.has(m));
  }
  const order = (a: { source: number; sourceUid: number }, b: { source: number; sourceUid: number }) =>
    a.source - b.source || a.sourceUid - b.sourceUid;
  return {
    toCopy: unpaired,
    flagFixes: flagFixes.sort(order),
    present,
    rewritten,
    altered: altered.sort(order),
    destinationOnly: left.length,
  };
}

/** Groups flag fixes into as few STORE commands as possible: one per (add|remove, flag set). */
export function storeCommands(fixes: readonly FlagFix[]): { op: "add" | "remove"; flags: string[]; uids: number[] }[] {
  const byKey = new Map<string, { op: "add" | "remove"; flags: string[]; uids: number[] }>();
  for (const f of fixes) {
    for (const op of ["add", "remove"] as const) {
      const flags = f[op];
      if (!flags.length) continue;
      const k = `${op}\u0000${flags.join(" ")}`;
      const cmd = byKey.get(k) ?? { op, flags, uids: [] };
      cmd.uids.push(f.destUid);
      byKey.set(k, cmd);
    }
  }
  return [...byKey.values()];
}

/** Splits messages into fetch batches bounded by count and bytes, so memory follows the batch, not the folder. */
export function batches<T extends { meta: MessageMeta }>(items: readonly T[], maxBytes: number, maxCount: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    if (cur.length && (bytes + it.meta.size > maxBytes || cur.length >= maxCount)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.meta.size;
  }
  if (cur.length) out.push(cur);
  return out;
}
