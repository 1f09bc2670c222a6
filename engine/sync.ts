// A whole-mailbox pass, top to bottom: list the folders and create what is missing, plan the pass (passPlan.ts),
// run the plan on its lanes (scheduler.ts) recording what happens (ledger.ts), settle the watermarks, summarize.
// Idempotent: a pass after a complete pass copies nothing and changes nothing.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { createFolders, planMailbox } from "./folderGroups";
import type { FolderMapOptions } from "./folderMap";
import { copyFolderGroup, type CopyLimits } from "./copyFolder";
import { withCreatedFolders } from "./folderMarks";
import { withRetries } from "./withRetries";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { connectionsFor, forRetry, planPass } from "./passPlan";
import { PassLedger } from "./ledger";
import { runPlan } from "./scheduler";
import { settleWatermarks } from "./settle";
import { decodeEntry, readStoredEntry, storeWatermarks } from "./watermarkStore";
import type { Watermarks } from "./watermarks";
import type { Progress, SyncSummary } from "./summary";

export interface SyncOptions {
  folders?: FolderMapOptions;
  /** Parallel APPEND connections to the destination, per lane. */
  connections?: number;
  /**
   * Folders copied at the same time, each lane on its own connections (passPlan.ts). 1 where many
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
  /**
   * Keep the watermarks on the destination too (a METADATA entry, where the server has METADATA), and start from
   * those found there for folders `watermarks` does not cover: a pass without state then resyncs as one with it.
   * Default true.
   */
  serverWatermarks?: boolean;
}

export async function syncMailbox(from: Endpoint, to: Endpoint, opts: SyncOptions = {}): Promise<SyncSummary> {
  const started = Date.now();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const mailbox = mailboxLabel(from);
  const destination = mailboxLabel(to);
  const connect = { socketTimeoutMs: opts.socketTimeoutMs };
  const connections = connectionsFor(to, opts);
  const session = new MailboxSession(from, to, { ...connect, retry }, connections);
  const sessions = [session];
  // Another lane gets a single attempt at its logins: a server that turns it away leaves the pass with fewer lanes.
  const anotherLane = () => {
    const lane = new MailboxSession(from, to, { ...connect, retry: { ...retry, attempts: 1 } }, connections);
    sessions.push(lane);
    return lane;
  };
  const limits: CopyLimits = {
    batchBytes: opts.batchBytes ?? 4 * 1024 * 1024,
    batchCount: 200,
    maxMessageBytes: opts.maxMessageBytes,
  };
  try {
    const onServer = opts.serverWatermarks ?? true;
    // Asked beside the folder lists, on the destination connection they open: one more command in its queue.
    const storedEntry = onServer ? session.destination().then((c) => readStoredEntry(c, mailbox)) : undefined;
    storedEntry?.catch(() => undefined);
    const { folders, retries } = await readFolders(session, mailbox, retry, opts);
    const stored = await storedEntry?.catch(() => undefined);
    // The local state (--state, the provider's outputs) first; the server's entry for the folders it lacks.
    const previous = { ...(stored && decodeEntry(stored, mailbox)), ...opts.watermarks };
    const plan = planPass(to, folders.groups, folders.marks, Object.keys(previous).length ? previous : undefined, opts);
    const ledger = new PassLedger(mailbox, folders.groups, retries, opts.onProgress);

    await runPlan(plan, session, anotherLane, async (lane, index) => {
      const planned = plan.groups[index];
      const record = ledger.groups[index];
      const folder = planned.group.sourceNames.join(", ");
      ledger.started(index);
      const retried = (attempt: number, cause: string) => opts.onRetry?.(folder, attempt, cause);
      const outcome = await withRetries(lane, retry, { mailbox, folder }, retried, () => {
        // The first attempt follows the plan; a retry reads its own marks (forRetry).
        const attempt = record.attemptCount === 0 ? planned : forRetry(planned);
        return copyFolderGroup({ session: lane, mailbox: destination, limits, plan: attempt, ledger: record.beginAttempt() });
      });
      record.finish(outcome);
    });

    const watermarks = await settleWatermarks(session, ledger.outcomes());
    // on an append connection (the destination's login, taken over): no new login for one command
    if (onServer) await (await session.appender()).use((c) => storeWatermarks(c, mailbox, watermarks, stored)).catch(() => false);
    return ledger.summary({ source: mailbox, destination, excluded: folders.excluded }, watermarks, started, Date.now());
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/**
 * Both folder lists (with their marks where the servers give LIST-STATUS), the mapping, and the destination's
 * missing folders created: what the plan is made from. `retries`: how many this took.
 */
async function readFolders(session: MailboxSession, mailbox: string, retry: RetryPolicy, opts: SyncOptions) {
  let retries = 0;
  const folder = "(folder list)";
  const retried = (attempt: number, cause: string) => {
    retries += 1;
    opts.onRetry?.(folder, attempt, cause);
  };
  const folders = await withRetries(session, retry, { mailbox, folder }, retried, async () => {
    const p = await planMailbox(session, opts.folders ?? {}, true);
    await createFolders(session, p);
    // The folders just created have marks too: the plan decides their strategy like the others'.
    if (p.marks) p.marks = await withCreatedFolders(session, p.marks, p.groups);
    return p;
  });
  return { folders, retries };
}
