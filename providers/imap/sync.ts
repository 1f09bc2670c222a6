// A whole-mailbox pass: plan the folders, copy what is missing folder by folder, then check the result.
// Idempotent: a pass after a complete pass copies nothing and changes nothing.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { createFolders, planMailbox } from "./folderGroups";
import type { FolderMapOptions } from "./folderMap";
import { copyFolderGroup, type CopyLimits } from "./copyFolder";
import { withRetries } from "./withRetries";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { defaultConnections } from "./limits";
import type { Watermarks } from "./watermarks";
import { totalsOf, type FolderSummary, type Progress, type SyncSummary } from "./summary";

export interface SyncOptions {
  folders?: FolderMapOptions;
  /** Parallel APPEND connections to the destination. */
  connections?: number;
  maxMessageBytes?: number;
  batchBytes?: number;
  retry?: RetryPolicy;
  socketTimeoutMs?: number;
  onProgress?: (p: Progress) => void;
  onRetry?: (folder: string, attempt: number, cause: string) => void;
  /** From the previous pass's summary: folders unchanged on both sides since then are not listed again. */
  watermarks?: Watermarks;
  /** The destination stores its own rendering of each message (session.ts). Default: true for Exchange Online. */
  rewritingDestination?: boolean;
}


export async function syncMailbox(from: Endpoint, to: Endpoint, opts: SyncOptions = {}): Promise<SyncSummary> {
  const started = Date.now();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const mailbox = mailboxLabel(from);
  const destination = mailboxLabel(to);
  const session = new MailboxSession(
    from,
    to,
    { retry, socketTimeoutMs: opts.socketTimeoutMs },
    opts.connections ?? defaultConnections(to),
    opts.rewritingDestination,
  );
  const limits: CopyLimits = {
    batchBytes: opts.batchBytes ?? 4 * 1024 * 1024,
    batchCount: 200,
    maxMessageBytes: opts.maxMessageBytes,
  };
  let retries = 0;
  const onRetry = (folder: string) => (attempt: number, cause: string) => {
    retries += 1;
    opts.onRetry?.(folder, attempt, cause);
  };
  try {
    const plan = await withRetries(session, retry, { mailbox, folder: "(folder list)" }, onRetry("(folder list)"), async () => {
      const p = await planMailbox(session, opts.folders ?? {});
      await createFolders(session, p);
      return p;
    });

    const progress: Progress = {
      mailbox,
      folder: "",
      folderIndex: 0,
      folderCount: plan.groups.length,
      copied: 0,
      toCopy: 0,
      bytesCopied: 0,
      bytesToCopy: 0,
    };
    const folders: FolderSummary[] = [];
    const watermarks: Watermarks = {};
    let unchanged = 0;
    let missing = 0;
    for (const [index, group] of plan.groups.entries()) {
      const name = group.sourceNames.join(", ");
      progress.folder = name;
      progress.folderIndex = index;
      // Copies made by an attempt that then failed are "already present" to the retry that finishes the
      // folder; they are moved back to "copied" so the summary tells what this run did.
      const copiedInRun = group.sources.map(() => ({ n: 0, bytes: 0 }));
      let beforeAttempt = copiedInRun.map((c) => ({ ...c }));
      const result = await withRetries(session, retry, { mailbox, folder: name }, onRetry(name), () => {
        beforeAttempt = copiedInRun.map((c) => ({ ...c }));
        return copyFolderGroup(session, destination, group, limits, {
          // A retry lists again and finds only what is still missing, so "to copy" is re-based on each listing.
          onFound(n, bytes) {
            progress.toCopy = progress.copied + n;
            progress.bytesToCopy = progress.bytesCopied + bytes;
            opts.onProgress?.({ ...progress });
          },
          onCopied(bytes, source) {
            copiedInRun[source].n += 1;
            copiedInRun[source].bytes += bytes;
            progress.copied += 1;
            progress.bytesCopied += bytes;
            opts.onProgress?.({ ...progress });
          },
        }, opts.watermarks?.[group.destination]);
      });
      result.summaries.forEach((f, i) => {
        const earlier = beforeAttempt[i];
        const moved = Math.min(earlier.n, f.alreadyPresent);
        f.copied += moved;
        f.alreadyPresent -= moved;
        f.bytesCopied += earlier.bytes;
      });
      if (result.watermark) watermarks[group.destination] = result.watermark;
      if (result.unchanged) unchanged += 1;
      folders.push(...result.summaries);
      missing += result.missing;
    }

    const finished = Date.now();
    return {
      source: mailbox,
      destination,
      folders,
      excluded: plan.excluded,
      totals: totalsOf(folders),
      verified: missing === 0,
      missing,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      retries,
      watermarks,
      unchangedFolders: unchanged,
    };
  } finally {
    await session.close();
  }
}
