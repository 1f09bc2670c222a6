import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "mocha";
import { parseReportArgs, runReport } from "../../../cli/report";
import { OUTPUTS_FILE, STATE_FILE } from "./fixtures";

describe("mailshift report", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-report-cli-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const quiet = async (argv: string[]): Promise<{ code: number; stderr: string }> => {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    let stderr = "";
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => {
      stderr += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      return { code: await runReport(argv, new Date("2026-11-28T12:50:00Z")), stderr };
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  };

  it("writes the page from --stack-outputs and --state, with their counts and no secret", async () => {
    const out = path.join(dir, "r.html");
    const { code } = await quiet(["--stack-outputs", OUTPUTS_FILE, "--state", STATE_FILE, "--out", out]);
    assert.equal(code, 0);
    const html = fs.readFileSync(out, "utf8");
    assert.match(html, /data-field="onDestination">2,341</);
    assert.ok(!/SECRET-/.test(html));
  });

  it("without --state says on the page where the counts come from", async () => {
    const out = path.join(dir, "r2.html");
    assert.equal((await quiet(["--stack-outputs", OUTPUTS_FILE, `--out=${out}`])).code, 0);
    assert.match(fs.readFileSync(out, "utf8"), /pass --state FILE \(from `pulumi stack export`\)/);
  });

  it("exit 2 for a wrong command line, 3 for an unreadable input, naming the file", async () => {
    assert.throws(() => parseReportArgs([]), /report needs --stack-outputs FILE\.json/);
    assert.throws(() => parseReportArgs(["--stack-outputs", "a", "--color"]), /unknown option "--color"/);
    assert.equal((await quiet(["--stack-outputs", "a", "--negative-ttl", "soon"])).code, 2);
    const missing = path.join(dir, "nope.json");
    const r = await quiet(["--stack-outputs", missing, "--out", path.join(dir, "x.html")]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`${missing.replace(/[.]/g, "\\.")}: cannot be read \\(ENOENT\\)`));
  });
});
