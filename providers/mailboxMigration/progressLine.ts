// What a running pass says, and how often. Pure.
import type { Progress } from "../../engine";
import { bytes } from "../../report/format";

export function progressLine(p: Progress): string {
  const where = p.folder ? `folder "${p.folder}" (${p.folderIndex + 1}/${p.folderCount})` : "listing folders";
  if (p.toCopy === 0) return `${p.mailbox}: ${where}; nothing to copy so far`;
  // the engine counts over the whole pass: "to copy" grows as each folder is listed
  return `${p.mailbox}: ${where}; this pass copied ${p.copied} of ${p.toCopy} messages found missing so far (${bytes(p.bytesCopied)} of ${bytes(p.bytesToCopy)})`;
}

/** Says a line at most every `intervalMs`, and always when the folder changes or a folder's copy completes. */
export class Throttle {
  private lastAt = -Infinity;
  private lastFolder = "";
  constructor(private readonly intervalMs: number) {}

  shouldSay(p: Progress, now: number): boolean {
    const folderChanged = p.folder !== this.lastFolder;
    const done = p.toCopy > 0 && p.copied === p.toCopy;
    if (folderChanged || done || now - this.lastAt >= this.intervalMs) {
      this.lastAt = now;
      this.lastFolder = p.folder;
      return true;
    }
    return false;
  }
}
