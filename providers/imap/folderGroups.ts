// Lists both mailboxes and plans the folder mapping; creates what is missing on the destination.
import type { MailboxSession } from "./session";
import { listFolders } from "./listing";
import { planFolders, type FolderMapOptions, type FolderPlan } from "./folderMap";
import { errorFacts, serverWords } from "./classify";
import { FolderError } from "./errors";

export async function planMailbox(session: MailboxSession, opts: FolderMapOptions): Promise<FolderPlan> {
  const src = await listFolders(await session.source());
  const dst = await listFolders(await session.destination());
  return planFolders(src.folders, src.namespace, dst.folders, dst.namespace, opts);
}

/** Creates missing destination folders, parents first, and subscribes them so mail clients show them. */
export async function createFolders(session: MailboxSession, mailbox: string, plan: FolderPlan): Promise<void> {
  const dst = await session.destination();
  const missing = plan.groups.filter((g) => g.create).sort((a, b) => a.destination.length - b.destination.length);
  for (const g of missing) {
    try {
      await dst.mailboxCreate(g.destination);
      await dst.mailboxSubscribe(g.destination);
    } catch (err) {
      const f = errorFacts(err);
      if (f.serverResponseCode === "ALREADYEXISTS") continue;
      if (f.responseStatus === "NO" || f.responseStatus === "BAD") {
        throw new FolderError(
          mailbox,
          g.destinationName,
          "creating the destination",
          `${serverWords(f)}. Rename it with --rename "${g.sourceNames[0]}=NEW NAME" or exclude it with --exclude`,
        );
      }
      throw err;
    }
    g.create = false;
  }
}
