// A whole-mailbox pass: plan the folders, copy what is missing folder by folder, then check the result.
// Idempotent: a pass after a complete pass copies nothing and changes nothing.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { createFolders, planMailbox } from "./folderGroups";
import type { FolderMapOptions } from "./folderMap";
import { copyFolderGroup, type CopyLimits, type GroupResult } from "./copyFolder";
import { marksNow, marksOfGroup, withCreatedFolders } from "./folderMarks";
import { withRetries } from "./withRetries";
import { createInboxAlone, openLanes } from "./lanes";
import { laneOrder } from "./laneOrder";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { defaultConnections, defaultLanes } from "./limits";
import { watermarkAfterCopy, type Watermarks } from "./watermarks";
import { totalsOf, type FolderSummary, type Progress, type SyncSummary } from "./summary";

export interface SyncOptions {
  folders?: FolderMapOptions;
  /** Parallel APPEND connections to the destination, per lane. */
  connections?: number;
  /**
   * Folders copied at the same time, each lane on its own connections (limits.ts defaultLanes). 1 where many
   * mailboxes already run at once (sync-many).
   */
  lanes?: number;
  maxMessageBytes?: number;
  batchBytes?: number;
  retry?: RetryPolicy;
  socketTimeoutMs?: number;
  onProgress?: (p: Progress) => void;
  onRetry?: (folder: string, attempt: number, cause: string) => void;
  /** From the previous pass's summary: folders unchanged on both sides since then are not listed again. */
  watermarks?: Watermarks;
}


export async function syncMailbox(from: Endpoint, to: Endpoint, opts: SyncOptions = {}): Promise<SyncSummary> {
  const started = Date.now();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const mailbox = mailboxLabel(from);
  const destination = mailboxLabel(to);
  const newSession = (connectRetry = retry) =>
    new MailboxSession(
      from,
      to,
      { retry: connectRetry, socketTimeoutMs: opts.socketTimeoutMs },
      opts.connections ?? defaultConnections(to),
    );
  const session = newSession();
  const sessions = [session];
  // Connections the user counted (`connections`) are not multiplied behind their back.
  const lanes = opts.lanes ?? (opts.connections === undefined ? defaultLanes(to) : 1);
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
      const p = await planMailbox(session, opts.folders ?? {}, true);
      await createFolders(session, p);
      if (p.marks) p.marks = await withCreatedFolders(session, p.marks, p.groups);
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
    // Each group's "to copy": what this run copied of it before its latest listing, plus what that listing found
    // (a retry lists again and finds only what is still missing).
    const toCopy = plan.groups.map(() => ({ n: 0, bytes: 0 }));
    const report = () => {
      progress.toCopy = toCopy.reduce((t, f) => t + f.n, 0);
      progress.bytesToCopy = toCopy.reduce((t, f) => t + f.bytes, 0);
      opts.onProgress?.({ ...progress });
    };

    const copyGroup = async (lane: MailboxSession, index: number): Promise<GroupResult> => {
      const group = plan.groups[index];
      const name = group.sourceNames.join(", ");
      progress.folder = name;
      progress.folderIndex = index;
      // Copies made by an attempt that then failed are "already present" to the retry that finishes the
      // folder; they are moved back to "copied" so the summary tells what this run did.
      const copiedInRun = group.sources.map(() => ({ n: 0, bytes: 0 }));
      let beforeAttempt = copiedInRun.map((c) => ({ ...c }));
      let attempt = 0;
      const result = await withRetries(lane, retry, { mailbox, folder: name }, onRetry(name), () => {
        beforeAttempt = copiedInRun.map((c) => ({ ...c }));
        // The marks from the folder list hold for the first attempt; a retry takes its own, after what the
        // failed attempt appended.
        const planned = (attempt += 1) === 1 && plan.marks ? marksOfGroup(plan.marks, group) : undefined;
        return copyFolderGroup(lane, destination, group, limits, {
          onFound(n, bytes) {
            toCopy[index] = copiedInRun.reduce((t, c) => ({ n: t.n + c.n, bytes: t.bytes + c.bytes }), { n, bytes });
            report();
          },
          onCopied(bytes, source) {
            copiedInRun[source].n += 1;
            copiedInRun[source].bytes += bytes;
            progress.copied += 1;
            progress.bytesCopied += bytes;
            report();
          },
        }, opts.watermarks?.[group.destination], planned);
      });
      result.summaries.forEach((f, i) => {
        const earlier = beforeAttempt[i];
        const moved = Math.min(earlier.n, f.alreadyPresent);
        f.copied += moved;
        f.alreadyPresent -= moved;
        f.bytesCopied += earlier.bytes;
      });
      return result;
    };

    // Folders go to the lanes largest first, the next to whichever lane is free (a pass with watermarks is mostly
    // skips, where the order matters little). Lanes beyond the first join as soon as their connections are open;
    // the first starts at once.
    const order = lanes > 1 && !opts.watermarks ? laneOrder(plan.groups) : plan.groups.map((_, i) => i);
    const results: GroupResult[] = [];
    let next = 0;
    let failure: { err: unknown } | undefined;
    const runLane = async (lane: MailboxSession): Promise<void> => {
      while (!failure && next < order.length) {
        const index = order[next++];
        try {
          results[index] = await copyGroup(lane, index);
        } catch (err) {
          failure ??= { err };
        }
      }
    };
    // A pass with a watermark for every folder is a resync (skips and small deltas), where another lane's logins
    // would cost more than they save.
    const resync = plan.groups.every((g) => opts.watermarks?.[g.destination]);
    const more = lanes > 1 && plan.groups.length > 1 && !resync ? lanes - 1 : 0;
    if (more) await createInboxAlone(session);
    await Promise.all([
      runLane(session),
      openLanes(session, more, () => newSession({ ...retry, attempts: 1 })).then((opened) => {
        sessions.push(...opened);
        return Promise.all(opened.map(runLane));
      }),
    ]);
    if (failure) throw failure.err;

    const folders: FolderSummary[] = [];
    const watermarks: Watermarks = {};
    let unchanged = 0;
    let missing = 0;
    // Groups this pass completed get their watermark from the marks after it, all read at once.
    const settling = [...results.keys()].filter((i) => results[i].settle);
    const after = settling.length ? await marksNow(session, settling.map((i) => plan.groups[i])) : [];
    settling.forEach((i, j) => {
      const { before, appended } = results[i].settle!;
      results[i].watermark = watermarkAfterCopy(before, after[j], appended);
    });
    for (const [index, result] of results.entries()) {
      if (result.watermark) watermarks[plan.groups[index].destination] = result.watermark;
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
    await Promise.all(sessions.map((s) => s.close()));
  }
}
