// A whole-mailbox pass: plan the folders, copy what is missing folder by folder, then check the result.
// Idempotent: a pass after a complete pass copies nothing and changes nothing.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { createFolders, planMailbox } from "./folderGroups";
import type { FolderGroup, FolderMapOptions } from "./folderMap";
import { copyFolderGroup, type CopyLimits } from "./copyFolder";
import { checkGroup } from "./verify";
import { withRetries } from "./withRetries";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { totalsOf, type FolderSummary, type Progress, type SyncSummary } from "./summary";

export interface SyncOptions {
  folders?: FolderMapOptions;
  /** Parallel APPEND connections to the destination. */
  connections?: number;
  maxMessageBytes?: number;
  batchBytes?: number;
  retry?: RetryPolicy;
  socketTimeoutMs?: number;
  /** Skip the closing check (the caller verifies separately). */
  skipCheck?: boolean;
  onProgress?: (p: Progress) => void;
  onRetry?: (folder: string, attempt: number, cause: string) => void;
}

export const DEFAULT_CONNECTIONS = 4;

export async function syncMailbox(from: Endpoint, to: Endpoint, opts: SyncOptions = {}): Promise<SyncSummary> {
  const started = Date.now();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const mailbox = mailboxLabel(from);
  const destination = mailboxLabel(to);
  const session = new MailboxSession(
    from,
    to,
    { retry, socketTimeoutMs: opts.socketTimeoutMs },
    opts.connections ?? DEFAULT_CONNECTIONS,
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
      await createFolders(session, destination, p);
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
    const touched: FolderGroup[] = [];
    for (const [index, group] of plan.groups.entries()) {
      const name = group.sourceNames.join(", ");
      progress.folder = name;
      progress.folderIndex = index;
      const summaries = await withRetries(session, retry, { mailbox, folder: name }, onRetry(name), () =>
        copyFolderGroup(session, destination, group, limits, {
          // A retry lists again and finds only what is still missing, so "to copy" is re-based on each listing.
          onFound(n, bytes) {
            progress.toCopy = progress.copied + n;
            progress.bytesToCopy = progress.bytesCopied + bytes;
            opts.onProgress?.({ ...progress });
          },
          onCopied(bytes) {
            progress.copied += 1;
            progress.bytesCopied += bytes;
            opts.onProgress?.({ ...progress });
          },
        }),
      );
      folders.push(...summaries);
      // A group with nothing to copy was just proven complete by its own listing; the others are listed again.
      if (summaries.some((f) => f.copied > 0 || f.skipped.length > 0)) touched.push(group);
    }

    let missing = 0;
    if (!opts.skipCheck) {
      for (const group of touched) {
        const checked = await withRetries(session, retry, { mailbox, folder: group.sourceNames.join(", ") }, onRetry("check"), () =>
          checkGroup(session, group, false),
        );
        missing += checked.reduce((n, f) => n + f.missing.length, 0);
      }
    }
    const finished = Date.now();
    return {
      source: mailbox,
      destination,
      folders,
      excluded: plan.excluded,
      totals: totalsOf(folders),
      verified: !opts.skipCheck && missing === 0,
      missing,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      retries,
    };
  } finally {
    await session.close();
  }
}
