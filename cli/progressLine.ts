// One self-rewriting progress line on a terminal: messages and bytes done and remaining, and time left.
import type { Progress } from "../engine";
import { bytes, count, duration } from "../report/format";

export function progressText(p: Progress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? p.bytesCopied / elapsedMs : 0;
  const left = p.bytesToCopy - p.bytesCopied;
  const eta = rate > 0 && left > 0 ? `, about ${duration(left / rate)} left` : "";
  return `[${p.folderIndex + 1}/${p.folderCount}] ${p.folder}: ${count(p.copied)}/${count(p.toCopy)} messages, ${bytes(p.bytesCopied)}/${bytes(p.bytesToCopy)}${eta}`;
}

export class ProgressLine {
  private last = 0;
  private readonly started = Date.now();
  private shown = false;
  constructor(private readonly out: NodeJS.WriteStream) {}

  update(p: Progress): void {
    const now = Date.now();
    if (now - this.last < 200 && p.copied !== p.toCopy) return;
    this.last = now;
    const text = progressText(p, now - this.started).slice(0, Math.max(20, (this.out.columns ?? 100) - 1));
    this.out.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write("\r\x1b[K");
  }
}
