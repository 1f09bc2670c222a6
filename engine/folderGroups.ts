// Lists both mailboxes and plans the folder mapping; creates what is missing on the destination.
import type { MailboxSession } from "./session";
import { listFolders } from "./listing";
import type { FolderMark } from "./watermarks";
import { planFolders, type FolderMapOptions, type FolderPlan } from "./folderMap";
import { errorFacts, serverWords } from "./classify";

/** Every folder's STATUS on each side, from the folder list (LIST-STATUS): the marks a pass starts from. */
export interface MailboxMarks {
  source: Map<string, FolderMark>;
  destination: Map<string, FolderMark>;
}

/**
 * `marks`: with every folder's STATUS on both sides, where both servers give it with the folder list
 * (LIST-STATUS) and so at no extra round trip. Also the source folders' message counts then, which order lanes.
 */
export async function planMailbox(
  session: MailboxSession,
  opts: FolderMapOptions,
  marks = false,
): Promise<FolderPlan & { marks?: MailboxMarks }> {
  // Both sides at once: a pass's first two logins are its start-up time.
  const [src, dst] = await Promise.all([
    session.source().then((c) => listFolders(c, marks)),
    session.destination().then((c) => listFolders(c, marks)),
  ]);
  const plan = planFolders(src.folders, src.namespace, dst.folders, dst.namespace, opts);
  return src.marks && dst.marks ? { ...plan, marks: { source: src.marks, destination: dst.marks } } : plan;
}

/**
 * Creates missing destination folders, parents first, and subscribes them so mail clients show them. A name the
 * destination refuses (Exchange reserves some) does not stop the mailbox: the group is marked with the server's
 * reason, its mail is reported as not copied, and the rest goes on.
 */
export async function createFolders(session: MailboxSession, plan: FolderPlan): Promise<void> {
  const dst = await session.destination();
  const missing = plan.groups.filter((g) => g.create).sort((a, b) => a.destination.length - b.destination.length);
  for (const g of missing) {
    try {
      // imapflow's mailboxCreate subscribes a folder it created (CREATE, then SUBSCRIBE); one that appeared
      // meanwhile (ALREADYEXISTS, created: false) is subscribed here.
      if (!(await dst.mailboxCreate(g.destination)).created) await dst.mailboxSubscribe(g.destination);
    } catch (err) {
      const f = errorFacts(err);
      if (f.serverResponseCode === "ALREADYEXISTS") continue;
      // Cyrus ("Mailbox already exists") and Courier ("Cannot create this folder.") say so without the code: a
      // folder that is there now (made meanwhile, or by the server for a child) is not a refusal.
      if (f.responseStatus === "NO" && (await dst.list()).some((e) => e.path === g.destination)) {
        await dst.mailboxSubscribe(g.destination);
        g.create = false;
        continue;
      }
      if (f.responseStatus === "NO" || f.responseStatus === "BAD") {
        g.refused =
          `the destination refused to create folder "${g.destinationName}": ${serverWords(f)}. ` +
          `Give it another name with --rename "${g.sourceNames[0]}=NEW NAME", or leave it out with --exclude ` +
          `(in the stack: mailshift:oldHost.folders.rename or .exclude, or the mailbox's mailshift:mailboxes[N].folders)`;
        continue;
      }
      throw err;
    }
    g.create = false;
  }
}
