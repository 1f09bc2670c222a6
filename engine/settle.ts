// The watermarks a pass hands to the next one: the proof a group already had (a skip, or a listing that found
// nothing to do), else, where the pass made the group complete by its own changes, the marks after the pass,
// read for all such groups at once (folderMarks.ts), provided only those changes moved them.
import type { FolderGroup } from "./folderMap";
import type { GroupOutcome } from "./ledger";
import { marksNow } from "./folderMarks";
import type { MailboxSession } from "./session";
import { watermarkAfterCopy, type Watermarks } from "./watermarks";

export async function settleWatermarks(
  session: MailboxSession,
  done: readonly { group: FolderGroup; outcome: GroupOutcome }[],
): Promise<Watermarks> {
  const settling = done.filter((d) => d.outcome.settle);
  const after = settling.length
    ? await marksNow(
        session,
        settling.map((d) => d.group),
      )
    : [];
  const settled = new Map(settling.map((d, j) => [d, watermarkAfterCopy(d.outcome.settle!.before, after[j], d.outcome.settle!.appended)]));
  const watermarks: Watermarks = {};
  for (const d of done) {
    const w = settled.get(d) ?? d.outcome.watermark;
    if (w) watermarks[d.group.destination] = w;
  }
  return watermarks;
}
