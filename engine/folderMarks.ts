// A group's marks (watermarks.ts): every folder's STATUS, read from the folder list where the servers give it
// (LIST-STATUS, one round trip for all folders), else folder by folder. Reading them for all groups at once saves
// two STATUS per folder before it is copied and two after, which on mailboxes of small folders is much of the work.
import type { ImapFlow } from "imapflow";
import type { FolderGroup } from "./folderMap";
import type { MailboxMarks } from "./folderGroups";
import { folderMark, listMarks } from "./listing";
import type { MailboxSession } from "./session";
import type { FolderMark, GroupWatermark } from "./watermarks";

/** The marks of the group's source folders; undefined when one of them has none. Pure. */
export function sourceMarks(marks: MailboxMarks, group: FolderGroup): FolderMark[] | undefined {
  const sources: FolderMark[] = [];
  for (const f of group.sources) {
    const m = marks.source.get(f.path);
    if (!m) return undefined;
    sources.push(m);
  }
  return sources;
}

/** The group's marks out of every folder's; undefined when one of its folders has none. Pure. */
export function marksOfGroup(marks: MailboxMarks, group: FolderGroup): GroupWatermark | undefined {
  const sources = sourceMarks(marks, group);
  const destination = marks.destination.get(group.destination);
  return sources && destination ? { sources, destination } : undefined;
}

/** STATUS of every folder of the group; undefined when any one cannot be read. */
export async function groupMark(session: MailboxSession, group: FolderGroup): Promise<GroupWatermark | undefined> {
  const sources: FolderMark[] = [];
  for (const f of group.sources) {
    const m = await markOn(() => session.source(), f.path);
    if (!m) return undefined;
    sources.push(m);
  }
  const destination = await markOn(() => session.destination(), group.destination);
  return destination ? { sources, destination } : undefined;
}

/** STATUS on a connection, asked again once on a fresh one when the connection died: only the server's answer counts. */
async function markOn(client: () => Promise<ImapFlow>, path: string): Promise<FolderMark | undefined> {
  const c = await client();
  const m = await folderMark(c, path);
  return m || c.usable ? m : folderMark(await client(), path);
}

/**
 * Every folder's marks on both sides now, one LIST-STATUS each; undefined when a server has no LIST-STATUS (or a
 * connection fails: then a group has no watermark, and the next pass lists it).
 */
export async function mailboxMarks(session: MailboxSession): Promise<MailboxMarks | undefined> {
  try {
    const [source, destination] = await Promise.all([session.source().then(listMarks), session.destination().then(listMarks)]);
    return source && destination ? { source, destination } : undefined;
  } catch {
    return undefined;
  }
}

/** The marks of these groups now: from one LIST-STATUS per side, else folder by folder. */
export async function marksNow(session: MailboxSession, groups: readonly FolderGroup[]): Promise<(GroupWatermark | undefined)[]> {
  const all = await mailboxMarks(session);
  if (all) return groups.map((g) => marksOfGroup(all, g));
  const out: (GroupWatermark | undefined)[] = [];
  for (const g of groups) out.push(await groupMark(session, g).catch(() => undefined));
  return out;
}

/**
 * The marks of the destination folders created after the folder list (they were not in it), added to those it
 * gave, which stay as they were: they were taken before this pass changed anything.
 */
export async function withCreatedFolders(
  session: MailboxSession,
  marks: MailboxMarks,
  groups: readonly FolderGroup[],
): Promise<MailboxMarks> {
  if (groups.every((g) => g.refused || marks.destination.has(g.destination))) return marks;
  const now = await listMarks(await session.destination());
  if (!now) return marks;
  const destination = new Map(marks.destination);
  for (const g of groups)
    if (!destination.has(g.destination) && now.has(g.destination)) destination.set(g.destination, now.get(g.destination)!);
  return { ...marks, destination };
}
