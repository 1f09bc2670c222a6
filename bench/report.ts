// Benchmark results go to stdout as aligned text and, with --out FILE, to a Markdown file as well, written as
// each section finishes so a long run that dies late still leaves what it measured.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export interface Table {
  head: string[];
  rows: string[][];
}

/** Columns padded to their widest cell; the first left-aligned, the rest (numbers) right-aligned. */
export function textTable(t: Table): string {
  const all = [t.head, ...t.rows];
  const w = t.head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
}

const cell = (c: string) => c.replace(/\|/g, "\\|");

export function markdownTable(t: Table): string {
  const line = (r: string[]) => `| ${r.map(cell).join(" | ")} |`;
  return [line(t.head), `|${t.head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`, ...t.rows.map(line)].join("\n");
}

export class Report {
  constructor(private readonly mdFile?: string) {
    if (mdFile) fs.writeFileSync(mdFile, "");
  }

  private md(text: string): void {
    if (this.mdFile) fs.appendFileSync(this.mdFile, `${text}\n\n`);
  }

  heading(text: string, level = 2): void {
    process.stdout.write(`\n${"#".repeat(level)} ${text}\n`);
    this.md(`${"#".repeat(level)} ${text}`);
  }

  line(text: string): void {
    process.stdout.write(`${text}\n`);
    this.md(text);
  }

  table(t: Table, title?: string): void {
    process.stdout.write(`${title ? `${title}\n` : ""}${textTable(t)}\n`);
    this.md(`${title ? `${title}\n\n` : ""}${markdownTable(t)}`);
  }
}

/** The commit the benchmark runs (its report's first line names it), "unknown" outside a git checkout. */
export function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      cwd: __dirname,
    }).trim();
  } catch {
    return "unknown";
  }
}
