#!/usr/bin/env node
// Runs the compiled command line; `bash scripts/setup.sh` compiles it.
const path = require("node:path");
const main = path.join(__dirname, "..", "dist", "cli", "main.js");
let cli;
try {
  cli = require(main);
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes(main)) {
    process.stderr.write("mailshift: not built yet; run `bash scripts/setup.sh` in the repository first\n");
    process.exit(2);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
