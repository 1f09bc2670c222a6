// Which of a pass's lazily opened connections it will surely use, decided from the marks that came with the folder
// list: those are opened while the folders are being created, so that the first folder does not wait for their
// logins. Pure. A connection opened here and then not used would be a wasted login, so only certainties count.
import type { FolderGroup } from "./folderMap";
import type { MailboxMarks } from "./folderGroups";
import { sourceMarks } from "./folderMarks";
import { resyncPath, type Watermarks } from "./watermarks";

export interface ConnectionsAhead {
  /** The source's bulk reader: some folder is listed in full. */
  reader: boolean;
  /** The first append connection: some folder listed in full has mail on the source and none on the destination. */
  appender: boolean;
}

export function connectionsAhead(groups: readonly FolderGroup[], marks: MailboxMarks | undefined, watermarks?: Watermarks): ConnectionsAhead {
  const ahead = { reader: false, appender: false };
  if (!marks) return ahead;
  for (const g of groups) {
    if (g.refused) continue;
    const sources = sourceMarks(marks, g);
    if (!sources) continue;
    // A folder still to be created is empty.
    const destination = marks.destination.get(g.destination) ?? (g.create ? { path: g.destination, uidValidity: "", uidNext: 1, messages: 0 } : undefined);
    if (!destination) continue;
    if (resyncPath(watermarks?.[g.destination], { sources, destination }).kind !== "full") continue;
    ahead.reader = true;
    if (destination.messages === 0 && sources.some((m) => m.messages > 0)) ahead.appender = true;
  }
  return ahead;
}
