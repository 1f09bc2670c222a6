// Progress of a long benchmark phase on stderr (stdout carries the results): a line at each further tenth of
// the work, so a 20-minute generation or copy is not silent.
import fs from "node:fs";
import path from "node:path";

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

export class Progress {
  private shown = 0;
  private readonly started = Date.now();

  constructor(
    private readonly what: string,
    private readonly total: number,
    private readonly unit: string,
  ) {}

  /** Reports `done` when it has reached a further tenth of the total (or the end); `detail` is appended. */
  update(done: number, detail = ""): void {
    const tenth = Math.min(10, Math.floor((done / Math.max(1, this.total)) * 10));
    if (tenth <= this.shown) return;
    this.shown = tenth;
    const elapsed = Date.now() - this.started;
    const rest = done > 0 && done < this.total ? `, about ${secs((elapsed * (this.total - done)) / done)} to go` : "";
    process.stderr.write(
      `[bench] ${this.what}: ${done.toLocaleString("en-US")} of ${this.total.toLocaleString("en-US")} ${this.unit} (${tenth * 10}%) in ${secs(elapsed)}${rest}${detail ? `; ${detail}` : ""}\n`,
    );
  }
}

/** Messages stored under the given user homes: the entries of every maildir cur/ and new/ directory. */
export function countMaildirMessages(homes: readonly string[]): number {
  let n = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // not created yet
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === "tmp") continue;
      const full = path.join(dir, e.name);
      if (e.name === "cur" || e.name === "new") n += fs.readdirSync(full).length;
      else walk(full);
    }
  };
  for (const h of homes) walk(h);
  return n;
}

/**
 * A tick for measureAsync that counts the messages a copy has stored so far. The count reads every folder on
 * the same machine as the tools being measured, so it runs at most every 10 s and at most 1% of the time.
 */
export function copyWatcher(what: string, homes: readonly string[], expected: number): () => void {
  const p = new Progress(what, expected, "messages stored");
  let last = Date.now();
  let cost = 0;
  return () => {
    if (Date.now() - last < Math.max(10_000, 100 * cost)) return;
    const t = Date.now();
    const n = countMaildirMessages(homes);
    last = Date.now();
    cost = last - t;
    p.update(n);
  };
}
