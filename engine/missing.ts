// "What is missing on the destination": the multiset difference between source and destination messages,
// plus the flag changes for messages present on both. Pure; the heart of idempotent resync.
import { fullKey, looseKey, type MessageMeta } from "./identity";
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
  /** Per source folder: how many of those present are stored with other bytes (matched by looseKey). */
  rewritten: number[];
  /** Destination messages that match no source message: left alone, counted for the report. */
  destinationOnly: number;
}

export interface PairingOptions {
  permanentFlags?: ReadonlySet<string>;
  /** Pair messages without a Message-ID by their date alone when nothing else matched (looseKey). */
  dateAlone?: boolean;
}

/** Destination messages by key, each list in UID order, taken from the front as they are paired. */
function pool(dest: readonly MessageMeta[], key: (m: MessageMeta) => string | undefined): Map<string, MessageMeta[]> {
  const out = new Map<string, MessageMeta[]>();
  for (const m of [...dest].sort((a, b) => a.uid - b.uid)) {
    const k = key(m);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(m);
    else out.set(k, [m]);
  }
  return out;
}

/**
 * Pairs source and destination messages by identity, in UID order within each identity, so that N identical
 * source messages need N destination copies and a destination copy is never counted twice. What the exact
 * identity leaves unpaired on both sides is then paired by Message-ID and date (looseKey): a copy the
 * destination stored with other bytes or reports with another size is present, not missing, and is never
 * copied again. A destination message only pairs with a source message nothing else explained.
 */
export function folderDelta(
  sources: readonly (readonly MessageMeta[])[],
  dest: readonly MessageMeta[],
  opts: PairingOptions = {},
): FolderDelta {
  const exact = pool(dest, fullKey);
  const flagFixes: FlagFix[] = [];
  const present = sources.map(() => 0);
  const rewritten = sources.map(() => 0);
  const paired = (source: number, meta: MessageMeta, match: MessageMeta) => {
    present[source] += 1;
    const change = flagChange(meta.flags, match.flags, opts.permanentFlags);
    if (change.add.length || change.remove.length) flagFixes.push({ source, sourceUid: meta.uid, destUid: match.uid, ...change });
  };
  const unpaired: SourceRef[] = [];
  sources.forEach((list, source) => {
    for (const meta of [...list].sort((a, b) => a.uid - b.uid)) {
      const match = exact.get(fullKey(meta))?.shift();
      if (match) paired(source, meta, match);
      else unpaired.push({ source, meta });
    }
  });
  const dateAlone = opts.dateAlone ?? false;
  const loose = pool([...exact.values()].flat(), (m) => looseKey(m, dateAlone));
  const toCopy: SourceRef[] = [];
  for (const ref of unpaired) {
    const k = looseKey(ref.meta, dateAlone);
    const match = k === undefined ? undefined : loose.get(k)?.shift();
    if (!match) {
      toCopy.push(ref);
      continue;
    }
    paired(ref.source, ref.meta, match);
    rewritten[ref.source] += 1;
  }
  let destinationOnly = 0;
  for (const rest of exact.values()) destinationOnly += rest.length;
  destinationOnly -= rewritten.reduce((a, b) => a + b, 0);
  return { toCopy, flagFixes, present, rewritten, destinationOnly };
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
