// Issue 7's resync cost: one folder of N messages copied with --state, then 25 new messages on the source. Times
// the delta pass, the no-op pass after it, and (for contrast) a delta pass whose state was lost, and counts what
// the engine read from both servers through a metering proxy. The first two should not grow with N.
//   node dist/bench/deltaResync.js [--messages 2500,10000]
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dovecot, ensureDovecot, stopAllDovecots } from "../harness/dovecot";
import { appendAll } from "../harness/corpus";
import * as gen from "../harness/generate";
import { FaultProxy, meterServer } from "../harness/faultProxy";
import { repoRoot } from "../harness/repoRoot";
import { withThisNode } from "./measure";
import { spawn } from "node:child_process";

/** Runs the CLI without blocking this process (the metering proxies live here); wall time and stdout. */
function runCli(args: string[], env: Record<string, string>): Promise<{ wallS: number; stdout: string }> {
  const t0 = Date.now();
  const [cli, ...rest] = args;
  const child = spawn(cli, rest, { env: withThisNode(env), stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  return new Promise((resolve) => child.on("close", () => resolve({ wallS: (Date.now() - t0) / 1000, stdout })));
}

async function scenario(n: number): Promise<void> {
  const users = [
    { user: "src", password: "src-pw" },
    { user: "dst", password: "dst-pw" },
  ];
  const old = await Dovecot.start({ layout: "old", users: [users[0]], name: `delta-old-${n}`, keepDir: false });
  const fresh = await Dovecot.start({ layout: "new", users: [users[1]], name: `delta-new-${n}`, keepDir: false });
  const proxies = await Promise.all([old, fresh].map((d) => FaultProxy.start({ target: { host: d.host, port: d.port } })));
  try {
    const mail = gen.many(n + 50, 7);
    await appendAll(old.url("src"), "src-pw", "INBOX", mail.slice(0, n));
    const cli = path.join(repoRoot(), "bin", "mailshift.js");
    const env = { MAILSHIFT_FROM_PASSWORD: "src-pw", MAILSHIFT_TO_PASSWORD: "dst-pw" };
    const state = path.join(mkdtempSync(path.join(os.tmpdir(), "mailshift-delta-")), "state.json");
    const viaProxy = [
      cli,
      "sync",
      "--from",
      `imap://src@127.0.0.1:${proxies[0].port}`,
      "--to",
      `imap://dst@127.0.0.1:${proxies[1].port}`,
      "--json",
    ];
    const run = async (what: string, args: string[], metered = false) => {
      const meters = metered ? proxies.map(meterServer) : [];
      const m = await runCli(args, env);
      const s = JSON.parse(m.stdout);
      if (!s.verified) throw new Error(`${what}: not verified: ${m.stdout.slice(0, 2000)}`);
      const read = meters.length
        ? `, read ${meters.reduce((a, x) => a + x.bytes, 0)} bytes / ${meters.reduce((a, x) => a + x.fetches, 0)} FETCH responses`
        : "";
      process.stdout.write(
        `  ${what.padEnd(34)} engine ${String(s.durationMs).padStart(6)} ms, process ${m.wallS.toFixed(2)} s, copied ${s.totals.copied}, unchanged folders ${s.unchangedFolders}/${s.folders.length}${read}\n`,
      );
    };
    process.stdout.write(`\n## one folder of ${n} messages, then 25 new\n`);
    // Every pass goes through the proxies: the state file keys watermarks by host and port.
    await run("copy, --state", [...viaProxy, "--state", state]);
    await appendAll(old.url("src"), "src-pw", "INBOX", mail.slice(n, n + 25));
    await run("delta pass, --state", [...viaProxy, "--state", state], true);
    await run("no-op pass, --state", [...viaProxy, "--state", state], true);
    await appendAll(old.url("src"), "src-pw", "INBOX", mail.slice(n + 25));
    await run("delta pass, state lost (listing)", viaProxy, true);
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    await stopAllDovecots();
  }
}

async function main(): Promise<void> {
  ensureDovecot();
  const i = process.argv.indexOf("--messages");
  const sizes = i > 0 ? process.argv[i + 1].split(",").map(Number) : [2500, 10_000];
  for (const n of sizes) await scenario(n);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
