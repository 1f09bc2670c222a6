// Watermarks: what each folder looked like (STATUS) when a pass proved it complete. When neither side has moved
// since, the next pass need not list the folder: the cost of a resync follows what changed, not what exists.
// Only trusted where the server has HIGHESTMODSEQ (CONDSTORE), the one counter that moves on a flag change.
import type { ImapFlow } from "imapflow";

export interface FolderMark {
  path: string;
  uidValidity: string;
  uidNext: number;
  messages: number;
  highestModseq?: string;
}

export interface GroupWatermark {
  sources: FolderMark[];
  destination: FolderMark;
}

/** Keyed by destination folder path. */
export type Watermarks = Record<string, GroupWatermark>;

function sameMark(a: FolderMark | undefined, b: FolderMark | undefined): boolean {
  return (
    !!a &&
    !!b &&
    a.path === b.path &&
    a.uidValidity === b.uidValidity &&
    a.uidNext === b.uidNext &&
    a.messages === b.messages &&
    a.highestModseq !== undefined &&
    a.highestModseq === b.highestModseq
  );
}

/** True when every folder of the group is exactly as it was when the group was last proven complete. */
export function unchangedSince(previous: GroupWatermark | undefined, now: GroupWatermark): boolean {
  if (!previous || previous.sources.length !== now.sources.length) return false;
  return sameMark(previous.destination, now.destination) && previous.sources.every((m, i) => sameMark(m, now.sources[i]));
}

export async function folderMark(client: ImapFlow, path: string): Promise<FolderMark | undefined> {
  try {
    const st = await client.status(path, { uidValidity: true, uidNext: true, messages: true, highestModseq: true });
    if (!st) return undefined;
    return {
      path,
      uidValidity: String(st.uidValidity ?? ""),
      uidNext: st.uidNext ?? 0,
      messages: st.messages ?? 0,
      highestModseq: st.highestModseq !== undefined ? String(st.highestModseq) : undefined,
    };
  } catch {
    // A folder that cannot be STATUSed just has no watermark: it is listed.
    return undefined;
  }
}
