// "What is missing on the destination": the multiset difference between source and destination messages,
// plus the flag changes for messages present on both. Pure; the heart of idempotent resync.
import { fullKey, type MessageMeta } from "./identity";
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
  /** Destination messages that match no source message: left alone, counted for the report. */
  destinationOnly: number;
}

/**
 * Pairs source and destination messages by identity, in UID order within each identity, so that N identical
 * source messages need N destination copies and a destination copy is never counted twice.
 */
export function folderDelta(
  sources: readonly (readonly MessageMeta[])[],
  dest: readonly MessageMeta[],
  permanentFlags?: ReadonlySet<string>,
): FolderDelta {
  const pool = new Map<string, MessageMeta[]>();
  for (const m of [...dest].sort((a, b) => a.uid - b.uid)) {
    const k = fullKey(m);
    const list = pool.get(k);
    if (list) list.push(m);
    else pool.set(k, [m]);
  }
  const toCopy: SourceRef[] = [];
  const flagFixes: FlagFix[] = [];
  const present = sources.map(() => 0);
  sources.forEach((list, source) => {
    for (const meta of [...list].sort((a, b) => a.uid - b.uid)) {
      const match = pool.get(fullKey(meta))?.shift();
      if (!match) {
        toCopy.push({ source, meta });
        continue;
      }
      present[source] += 1;
      const change = flagChange(meta.flags, match.flags, permanentFlags);
      if (change.add.length || change.remove.length) {
        flagFixes.push({ source, sourceUid: meta.uid, destUid: match.uid, ...change });
      }
    }
  });
  let destinationOnly = 0;
  for (const rest of pool.values()) destinationOnly += rest.length;
  return { toCopy, flagFixes, present, destinationOnly };
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
