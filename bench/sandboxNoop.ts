// The CPU of a no-op `pulumi up` of the whole sandbox program (accounts, zone records, migrations, notices and
// the stakeholder page: every dynamic resource the sandbox can run), this build against another (--compare DIST,
// e.g. the commit before a change), alternating builds round by round on the same stack. The real CLI, the real
// Dovecot and NSD of sandbox/session.ts. CPU seconds from GNU time (the CLI and every process it waited for:
// language host, program, dynamic-provider host). Figures in the report, never asserted.
//   node dist/bench/sandboxNoop.js --compare OTHER/dist [--rounds 8] [--out bench/results/FILE.md]
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../harness/repoRoot";
import { enableNotices } from "../sandbox/notices";
import { ensureEngine, Sandbox } from "../sandbox/session";
import { ensureGnuTime, measure, type Measured } from "./measure";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const stderr = (s: string) => process.stderr.write(`[bench] ${s}\n`);

async function main(): Promise<void> {
  const compare = arg("--compare");
  if (!compare || !fs.existsSync(path.join(compare, "sandbox", "program.js")))
    throw new Error("--compare DIST: the dist/ folder of the other build (with sandbox/program.js) is required");
  const rounds = Number(arg("--rounds") ?? 8);
  ensureGnuTime();
  const bin = ensureEngine();
  if (!bin) throw new Error("the Pulumi CLI is not built: run bash scripts/pulumi.sh");
  const builds = { this: path.join(repoRoot(), "dist"), other: path.resolve(compare) };
  const s = await Sandbox.start(bin, { show: false });
  try {
    // prepare first (the stage-order gate), then copy with notices and the page on, as test/e2e/notices.test.ts
    s.pulumi(["up", "--yes", "--skip-preview"]);
    enableNotices(s, { reportFile: path.join(s.runDir, "report.html") });
    const use = (dist: string) =>
      fs.writeFileSync(
        path.join(s.project, "index.js"),
        `module.exports = require(${JSON.stringify(path.join(dist, "sandbox", "program.js"))});\n`,
      );
    const env = Object.fromEntries(Object.entries(s.env()).filter((e): e is [string, string] => e[1] !== undefined));
    const up = (): Measured => {
      const m = measure(path.join(bin, "pulumi"), ["up", "--yes", "--skip-preview", "--non-interactive", "--cwd", s.project], env);
      if (m.code !== 0) throw new Error(`pulumi up failed:\n${m.stdout}\n${m.stderr}`);
      return m;
    };
    s.moveTo("copy");
    // once with each build, so that every resource holds what a no-op leaves (the other build's __provider
    // text is an input change that diff ignores, so it is a no-op too)
    for (const dist of [builds.other, builds.this]) {
      use(dist);
      up();
    }
    const cpu: Record<keyof typeof builds, number[]> = { this: [], other: [] };
    const wall: Record<keyof typeof builds, number[]> = { this: [], other: [] };
    let changed = "";
    let unchanged = "";
    for (let r = 0; r < rounds; r++) {
      const order: (keyof typeof builds)[] = r % 2 === 0 ? ["this", "other"] : ["other", "this"];
      for (const b of order) {
        use(builds[b]);
        const m = up();
        cpu[b].push(m.cpuS);
        wall[b].push(m.wallS);
        // a no-op's summary is one line, "N unchanged"
        const summary = (/Resources:\n([\s\S]*?)\n\nDuration/.exec(m.stdout)?.[1] ?? m.stdout).trim();
        if (/^\d+ unchanged$/.test(summary)) unchanged = summary;
        else changed += `${b} round ${r}: ${summary}\n`;
        stderr(`round ${r} ${b}: CPU ${m.cpuS.toFixed(2)} s, wall ${m.wallS.toFixed(2)} s`);
      }
    }
    const diffs = cpu.this.map((c, i) => c - cpu.other[i]!);
    const lower = diffs.filter((d) => d < 0).length;
    const lines = [
      `# No-op \`pulumi up\` of the sandbox program: ${path.relative(repoRoot(), builds.this) || "dist"} against ${builds.other}`,
      "",
      `${rounds} rounds, builds alternating (order flipped each round), ${new Date().toISOString()}, load average ${(
        fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "?"
      ).trim()} at the end.`,
      "",
      "| build | CPU median | CPU each | wall median |",
      "| --- | ---: | --- | ---: |",
      ...(["this", "other"] as const).map(
        (b) =>
          `| ${b} | ${median(cpu[b]).toFixed(2)} s | ${cpu[b].map((c) => c.toFixed(2)).join(", ")} | ${median(wall[b]).toFixed(2)} s |`,
      ),
      "",
      `Paired CPU differences (this - other): median ${median(diffs).toFixed(2)} s, ${lower} of ${rounds} lower.`,
      changed ? `\nNot a no-op:\n${changed}` : `\nEvery timed \`pulumi up\` changed nothing (${unchanged}).`,
      "",
    ];
    const report = lines.join("\n");
    process.stdout.write(report);
    const out = arg("--out");
    if (out) fs.writeFileSync(out, report);
  } finally {
    await s.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
