// A group's marks (watermarks.ts): every folder's STATUS, read from the folder list where the servers give it
// (LIST-STATUS, one round trip for all folders), else asked on the bulk connections, a side's folders in one
// write. Reading them for all groups at once saves two STATUS per folder before it is copied and two after, which
// on mailboxes of small folders is much of the work.
import type { BulkConnection } from "./bulkConnection";
import type { FolderGroup } from "./folderMap";
import type { MailboxMarks } from "./folderGroups";
import { listMarks } from "./listing";
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

/** STATUS of every folder of the group, each side's asked in one write; undefined when any one cannot be read. */
export async function groupMark(session: MailboxSession, group: FolderGroup): Promise<GroupWatermark | undefined> {
  const [sources, destination] = await Promise.all([
    marksOn(
      () => session.sourceReader(),
      group.sources.map((f) => f.path),
    ),
    session.appender().then((pool) => pool.use((c) => c.statuses([group.destination]))),
  ]).catch(() => [undefined, undefined]);
  if (!sources || sources.some((m) => !m) || !destination?.[0]) return undefined;
  return { sources: sources as FolderMark[], destination: destination[0] };
}

/** STATUS on a connection, asked again once on a fresh one when the connection died: only the server's answer counts. */
async function marksOn(conn: () => Promise<BulkConnection>, paths: readonly string[]): Promise<(FolderMark | undefined)[]> {
  const c = await conn();
  try {
    return await c.statuses(paths);
  } catch (err) {
    if (c.usable) throw err;
    return (await conn()).statuses(paths);
  }
}

/**
 * The marks of these groups now, each side's STATUS asked in one write on its bulk connection (no LIST-STATUS
 * needed); a group's is undefined when one of its folders cannot be read or a connection fails: that group then
 * has no watermark, and the next pass lists it.
 */
export async function marksNow(session: MailboxSession, groups: readonly FolderGroup[]): Promise<(GroupWatermark | undefined)[]> {
  const sourcePaths = [...new Set(groups.flatMap((g) => g.sources.map((f) => f.path)))];
  const destinationPaths = [...new Set(groups.map((g) => g.destination))];
  try {
    const [source, destination] = await Promise.all([
      marksOn(() => session.sourceReader(), sourcePaths),
      session.appender().then((pool) => pool.use((c) => c.statuses(destinationPaths))),
    ]);
    const known = (paths: string[], marks: (FolderMark | undefined)[]) =>
      new Map(paths.flatMap((p, i) => (marks[i] ? [[p, marks[i]] as const] : [])));
    const all: MailboxMarks = { source: known(sourcePaths, source), destination: known(destinationPaths, destination) };
    return groups.map((g) => marksOfGroup(all, g));
  } catch {
    return groups.map(() => undefined);
  }
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
