#!/usr/bin/env node
// Runs the compiled command line; `bash scripts/setup.sh` (npm run build) compiles it.
//
// `npm run build` also joins the compiled files into one (dist/mailshift.js, esbuild): Node then reads one file
// instead of about 180, which halves the start-up before the first login (about 60 ms). When the compiled files
// are newer than that bundle (`tsc` run alone), they are what runs, so an old bundle never hides a change.
// Pulumi's SDK stays out of the bundle (it brings TypeScript's compiler, 9.5 MB parsed at every start): the few
// commands that use it require it from node_modules.
//
// The commands that read or move mail run with a 256 MB old-space budget for V8. V8 starts a full collection
// whenever the old generation's headroom is smaller than the young generation; a copy keeps about 13 MB alive
// but allocates fast, so with the default sizing V8 marked the whole heap about every 100 ms, a quarter of the
// process's CPU. The budget (not a cap) cuts those collections by three quarters for about 40 MB more memory.
// Node refuses the option in NODE_OPTIONS and ignores it once running, and `env -S` on the first line is not
// in every env (BusyBox's): so Node starts again with it, in the same process (process.execve, Node 22.15 and
// later, POSIX; about 25 ms). Without execve the command runs as it is.
//
// Not for a resync with a state file that is already there (`--state FILE`, written by an earlier pass): such a
// pass moves what changed since, a few MB at most, where the budget buys nothing and the second start of Node
// is a sixth of the pass (1% new mail in 2,500 messages). Should it copy more after all, it is only slower.
const fs = require("node:fs");

const GC_BUDGET = "--initial-old-space-size=256";
const READS_MAIL = new Set(["sync", "sync-many", "verify"]);

function resyncWithState(argv) {
  const at = argv.indexOf("--state");
  const file = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith("--state="))?.slice("--state=".length);
  try {
    return !!file && fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

if (
  READS_MAIL.has(process.argv[2]) &&
  !process.execArgv.includes(GC_BUDGET) &&
  typeof process.execve === "function" &&
  !resyncWithState(process.argv)
) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, GC_BUDGET, __filename, ...process.argv.slice(2)], process.env);
}

const path = require("node:path");
const dist = path.join(__dirname, "..", "dist");
const main = path.join(dist, "cli", "main.js");
const bundle = path.join(dist, "mailshift.js");

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const compiled = mtime(main);
const bundled = mtime(bundle);
if (compiled === undefined && bundled === undefined) {
  process.stderr.write("mailshift: not built yet; run `bash scripts/setup.sh` in the repository first\n");
  process.exit(2);
}
// V8's compiled code of the bundle kept between runs (Node's compile cache, in the system's temporary folder):
// compiling the 2.6 MB bundle is most of the start-up before the first login, which a resync of a mailbox where
// little changed feels (a no-op pass with --state: 0.20 s to 0.18 s; to the first connection 85 to 76 ms).
require("node:module").enableCompileCache?.();
const cli = require(bundled !== undefined && (compiled === undefined || bundled >= compiled) ? bundle : main);
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
