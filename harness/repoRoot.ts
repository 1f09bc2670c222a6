// The checkout's root, found from wherever this file runs (harness/ or dist/harness/), so tests and
// scripts can reach bin/, the corpus beside the checkout, and fixtures without depending on the working directory.
import fs from "node:fs";
import path from "node:path";

let cached: string | undefined;

export function repoRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, "utf8")) as { name?: unknown }).name === "mailshift") return (cached = dir);
      } catch {
        // an unreadable package.json on the way up is not ours; keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error(`repoRoot: no package.json named "mailshift" above ${__dirname}; run from inside the mailshift checkout`);
    dir = up;
  }
}
