// bin/mailshift.js as a user starts it: the one-file bundle `npm run build` makes, unless the compiled files are
// newer (a developer ran `tsc` alone), so that a stale bundle never runs instead of the code just compiled.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../../harness/repoRoot";

const BIN = path.join(repoRoot(), "bin", "mailshift.js");

function run(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];

/** A copy of the launcher beside a fake dist/ whose entry points say which one ran. */
function fakeInstall(with_: { bundle?: number; compiled?: number }): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "mailshift-launcher-"));
  made.push(root);
  mkdirSync(path.join(root, "bin"));
  mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  copyFileSync(BIN, path.join(root, "bin", "mailshift.js"));
  const entry = (name: string) => `exports.main = async () => { process.stdout.write(${JSON.stringify(name)}); return 0; };\n`;
  const place = (file: string, name: string, mtimeS: number) => {
    writeFileSync(file, entry(name));
    utimesSync(file, mtimeS, mtimeS);
  };
  if (with_.bundle !== undefined) place(path.join(root, "dist", "mailshift.js"), "bundle", with_.bundle);
  if (with_.compiled !== undefined) place(path.join(root, "dist", "cli", "main.js"), "compiled", with_.compiled);
  return path.join(root, "bin", "mailshift.js");
}

describe("bin/mailshift.js", () => {
  after(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("prints the usage and exits 0 for --help, through the bundle the build made", function () {
    this.timeout(60_000);
    const bundle = path.join(repoRoot(), "dist", "mailshift.js");
    const main = path.join(repoRoot(), "dist", "cli", "main.js");
    assert.ok(statSync(bundle).mtimeMs >= statSync(main).mtimeMs, "npm run build leaves the bundle at least as new as the compiled files");
    const r = run(BIN, ["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mailshift sync-many --mailboxes FILE\.json/);
    assert.equal(r.stderr, "");
  });

  it("runs the bundle when it is at least as new as the compiled files, and the compiled files when they are newer", () => {
    assert.equal(run(fakeInstall({ bundle: 2_000_000, compiled: 1_000_000 }), []).stdout, "bundle");
    assert.equal(run(fakeInstall({ bundle: 1_000_000, compiled: 2_000_000 }), []).stdout, "compiled");
    assert.equal(run(fakeInstall({ compiled: 1_000_000 }), []).stdout, "compiled");
    assert.equal(run(fakeInstall({ bundle: 1_000_000 }), []).stdout, "bundle");
  });

  it("runs sync, sync-many and verify with the garbage-collector budget, other commands without a second start", function () {
    if (typeof (process as { execve?: unknown }).execve !== "function") this.skip();
    const root = path.dirname(path.dirname(fakeInstall({ bundle: 1_000_000 })));
    writeFileSync(
      path.join(root, "dist", "mailshift.js"),
      "exports.main = async (args) => { process.stdout.write(JSON.stringify({ args, execArgv: process.execArgv })); return 0; };\n",
    );
    const bin = path.join(root, "bin", "mailshift.js");
    for (const command of ["sync", "sync-many", "verify"]) {
      const r = run(bin, [command, "--json", "a b"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { args: [command, "--json", "a b"], execArgv: ["--initial-old-space-size=256"] });
    }
    assert.deepEqual(JSON.parse(run(bin, ["report", "--out", "x"]).stdout), { args: ["report", "--out", "x"], execArgv: [] });
  });

  it("says how to build when nothing is built, exit 2", () => {
    const r = run(fakeInstall({}), ["sync"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not built yet; run `bash scripts\/setup\.sh`/);
  });
});
