// The result of a pass, per folder and in total: what the CLI prints and the Pulumi resource outputs.
import type { Alteration } from "./identity";
import type { Watermarks } from "./watermarks";

export interface SkippedMessage {
  folder: string;
  uid: number;
  messageId: string;
  size: number;
  reason: string;
}

export interface FolderSummary {
  /** Source folder as the user sees it ("/"-separated, no namespace prefix). */
  folder: string;
  /** Destination folder as the user sees it. */
  destination: string;
  onSource: number;
  alreadyPresent: number;
  copied: number;
  bytesCopied: number;
  flagsUpdated: number;
  skipped: SkippedMessage[];
  /** Keywords the destination folder cannot store (PERMANENTFLAGS without \*), with how many messages had them. */
  unsupportedFlags: Record<string, number>;
  notes: string[];
}

export interface Totals {
  onSource: number;
  alreadyPresent: number;
  copied: number;
  bytesCopied: number;
  flagsUpdated: number;
  skipped: number;
}

export interface SyncSummary {
  source: string;
  destination: string;
  folders: FolderSummary[];
  excluded: { folder: string; reason: string }[];
  totals: Totals;
  /** True when a fresh listing finds every source message on the destination. */
  verified: boolean;
  /** Source messages the closing check did not find on the destination. */
  missing: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  retries: number;
  /** Give these to the next pass (SyncOptions.watermarks) so that it skips folders where nothing moved. */
  watermarks: Watermarks;
  /** Folder groups skipped this pass because nothing moved on either side since the given watermarks. */
  unchangedFolders: number;
}

export function totalsOf(folders: readonly FolderSummary[]): Totals {
  const t: Totals = { onSource: 0, alreadyPresent: 0, copied: 0, bytesCopied: 0, flagsUpdated: 0, skipped: 0 };
  for (const f of folders) {
    t.onSource += f.onSource;
    t.alreadyPresent += f.alreadyPresent;
    t.copied += f.copied;
    t.bytesCopied += f.bytesCopied;
    t.flagsUpdated += f.flagsUpdated;
    t.skipped += f.skipped.length;
  }
  return t;
}

export function emptyFolderSummary(folder: string, destination: string, notes: string[] = []): FolderSummary {
  return {
    folder,
    destination,
    onSource: 0,
    alreadyPresent: 0,
    copied: 0,
    bytesCopied: 0,
    flagsUpdated: 0,
    skipped: [],
    unsupportedFlags: {},
    notes,
  };
}

/** Progress of a running pass, for a terminal line or a provider log. */
export interface Progress {
  mailbox: string;
  folder: string;
  folderIndex: number;
  folderCount: number;
  /** Messages copied so far in this pass, and how many this pass has found to copy so far. */
  copied: number;
  toCopy: number;
  bytesCopied: number;
  bytesToCopy: number;
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
