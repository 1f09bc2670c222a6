// Extra lanes for one mailbox: each a MailboxSession of its own (connections on both sides) that copies other
// folders of the same mailbox at the same time, so one folder's tail (its last APPENDs, the arrival check, its
// STATUS) overlaps the next folder's listing and reading. How many lanes and in what order: passPlan.ts.
import type { MailboxSession } from "./session";

/**
 * Dovecot creates a new account's INBOX on disk on first use, and two sessions doing so at once fail ("Mailbox
 * already exists", or a dropped connection). Opened once, on the first lane, before any other lane exists.
 */
export async function createInboxAlone(first: MailboxSession): Promise<void> {
  const dst = await first.destination();
  await dst.mailboxOpen("INBOX", { readOnly: true });
  await dst.mailboxClose();
}

/** Opens (or finds open) every connection a lane copies on: the bulk ones (imapflow is for the folder list). */
function everyConnection(s: MailboxSession): Promise<unknown> {
  return Promise.all([s.sourceReader(), s.appender()]);
}

/**
 * Opens up to `n` lanes beside `first`, each with every connection a lane uses, without retries (`make` gives them
 * a single attempt), once `first` holds all of its own: a server that turns connections away (a per-user limit)
 * leaves the pass with fewer lanes, never the first lane without its connections.
 */
export async function openLanes(first: MailboxSession, n: number, make: () => MailboxSession): Promise<MailboxSession[]> {
  const opened: MailboxSession[] = [];
  if (!n) return opened;
  try {
    await everyConnection(first);
  } catch {
    return opened; // the first lane's own trouble: its folders meet it under their retries
  }
  for (let i = 0; i < n; i++) {
    const lane = make();
    try {
      await everyConnection(lane);
    } catch {
      await lane.close().catch(() => undefined);
      break;
    }
    opened.push(lane);
  }
  return opened;
}
