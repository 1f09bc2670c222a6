// Shapes what the engine reports into the resource's outputs. Pure: no I/O, nothing secret added.
import type { SyncSummary, VerifyReport } from "../../engine";
import type { DriftOutput, FolderOutput, MigrationInputs, MigrationOutputs, PassOutput, SkippedOutput, TotalsOutput } from "./types";

/** Enough to see what kind of messages were refused; the full list is in `mailshift verify`. */
export const SKIPPED_LIMIT = 50;
const REASON_LIMIT = 300;

export function label(e: { user: string; host: string; port?: number }): string {
  return `${e.user}@${e.host}:${e.port}`;
}

/** The resource id: the two mailboxes, readable, no secret. */
export function migrationId(inputs: MigrationInputs): string {
  return `${label(inputs.source)} -> ${label(inputs.destination)}`;
}

export function foldersOf(summary: SyncSummary): FolderOutput[] {
  return summary.folders.map((f) => ({
    folder: f.folder,
    destination: f.destination,
    onSource: f.onSource,
    onDestination: f.alreadyPresent + f.copied,
    copied: f.copied,
    alreadyPresent: f.alreadyPresent,
    skipped: f.skipped.length,
    bytesCopied: f.bytesCopied,
    flagsUpdated: f.flagsUpdated,
  }));
}

export function totalsOf(folders: readonly FolderOutput[]): TotalsOutput {
  const t: TotalsOutput = { onSource: 0, onDestination: 0, copied: 0, alreadyPresent: 0, skipped: 0, bytesCopied: 0, flagsUpdated: 0 };
  for (const f of folders) {
    t.onSource += f.onSource;
    t.onDestination += f.onDestination;
    t.copied += f.copied;
    t.alreadyPresent += f.alreadyPresent;
    t.skipped += f.skipped;
    t.bytesCopied += f.bytesCopied;
    t.flagsUpdated += f.flagsUpdated;
  }
  return t;
}

export function boundedSkipped(summary: SyncSummary, limit = SKIPPED_LIMIT): { skipped: SkippedOutput[]; omitted: number } {
  const all = summary.folders.flatMap((f) => f.skipped);
  return {
    skipped: all.slice(0, limit).map((s) => ({
      folder: s.folder,
      uid: s.uid,
      messageId: s.messageId,
      size: s.size,
      reason: s.reason.length > REASON_LIMIT ? `${s.reason.slice(0, REASON_LIMIT)}…` : s.reason,
    })),
    omitted: Math.max(0, all.length - limit),
  };
}

/** After a pass: the engine's closing check found `missing`; the ones it skipped on purpose are not pending. */
export function driftAfterPass(summary: SyncSummary, folders: readonly FolderOutput[]): DriftOutput {
  const skipped = folders.reduce((n, f) => n + f.skipped, 0);
  return {
    checkedAt: summary.finishedAt,
    by: "pass",
    missing: summary.missing,
    pending: summary.verified ? 0 : Math.max(0, summary.missing - skipped),
    folders: [],
  };
}

/**
 * After a refresh: per folder, the source messages the destination lacks, less those the last pass skipped in
 * that folder (too large, refused by the server): copying those again would fail again, so they are not "pending".
 */
export function driftFromVerify(report: VerifyReport, lastFolders: readonly FolderOutput[], at: string): DriftOutput {
  const skippedIn = new Map<string, number>();
  for (const f of lastFolders) skippedIn.set(f.folder, (skippedIn.get(f.folder) ?? 0) + f.skipped);
  const folders = report.folders
    .filter((f) => f.missing.length > 0)
    .map((f) => ({ folder: f.folder, missing: f.missing.length, pending: Math.max(0, f.missing.length - (skippedIn.get(f.folder) ?? 0)) }));
  return {
    checkedAt: at,
    by: "refresh",
    missing: report.missing,
    pending: folders.reduce((n, f) => n + f.pending, 0),
    folders,
  };
}

export function passOf(kind: PassOutput["kind"], inputs: MigrationInputs, summary: SyncSummary): PassOutput {
  return {
    kind,
    syncGeneration: inputs.syncGeneration,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    durationMs: summary.durationMs,
    retries: summary.retries,
  };
}

/** The outputs of a complete pass: the (normalized) inputs echoed, so that read/update/delete have what they need. */
export function passOutputs(kind: PassOutput["kind"], inputs: MigrationInputs, summary: SyncSummary): MigrationOutputs {
  const folders = foldersOf(summary);
  const { skipped, omitted } = boundedSkipped(summary);
  return {
    ...inputs,
    mailbox: label(inputs.source),
    destinationMailbox: label(inputs.destination),
    totals: totalsOf(folders),
    perFolder: folders,
    skipped,
    skippedOmitted: omitted,
    excluded: summary.excluded,
    lastPassAt: summary.finishedAt,
    lastPass: passOf(kind, inputs, summary),
    verified: summary.verified,
    drift: driftAfterPass(summary, folders),
    watermarks: summary.watermarks,
    unchangedFolders: summary.unchangedFolders,
  };
}

/** The outputs kept when a pass fails part-way: what was known before, the new inputs, and the error. */
export function failedOutputs(
  inputs: MigrationInputs,
  previous: Partial<MigrationOutputs> | undefined,
  message: string,
  at: string,
): Record<string, unknown> {
  const empty = totalsOf([]);
  return {
    ...(previous ?? {}),
    ...inputs,
    mailbox: label(inputs.source),
    destinationMailbox: label(inputs.destination),
    totals: previous?.totals ?? empty,
    perFolder: previous?.perFolder ?? [],
    skipped: previous?.skipped ?? [],
    skippedOmitted: previous?.skippedOmitted ?? 0,
    excluded: previous?.excluded ?? [],
    verified: false,
    lastError: { at, message },
  };
}

/** Struct values cannot hold `undefined`: drop such keys (JSON does exactly that). */
export function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
