// One mailbox from a loopback Dovecot to a loopback destination server (Dovecot by default; Cyrus and Courier with
// --to), mailshift and mbsync on the same mail in the same run. Prints messages/s, MB/s, wall time, peak memory and
// CPU time for each, the no-op resync time, and peak memory against the largest message.
//   node dist/bench/oneMailbox.js [--messages 2500] [--quick] [--to dovecot|cyrus|courier|all]
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Courier, ensureCourier } from "../harness/courier";
import { Cyrus, ensureCyrus } from "../harness/cyrus";
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../harness/dovecot";
import type { ImapServer } from "../harness/imapServer";
import { appendAll, readCorpus, type RawMessage } from "../harness/corpus";
import * as gen from "../harness/generate";
import { repoRoot } from "../harness/repoRoot";
import { snapshot, total } from "../test/engine/snapshot";
import { ensureGnuTime, measure, type Measured } from "./measure";
import { mbsyncConfig } from "./mbsync";
import { coldMail } from "./scale/tools";

interface Row {
  tool: string;
  messages: number;
  mb: number;
  m: Measured;
}

function fmt(rows: Row[]): string {
  const head = ["tool", "messages", "MB", "wall s", "msg/s", "MB/s", "peak RSS MB", "CPU s"];
  const body = rows.map((r) => [
    r.tool,
    String(r.messages),
    r.mb.toFixed(1),
    r.m.wallS.toFixed(2),
    (r.messages / r.m.wallS).toFixed(0),
    (r.mb / r.m.wallS).toFixed(1),
    r.m.peakRssMb.toFixed(0),
    r.m.cpuS.toFixed(2),
  ]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
}

/** Destination servers the bench can copy to, each started with the given users. */
const DESTINATIONS: Record<string, (users: MailUser[], name: string) => Promise<ImapServer>> = {
  dovecot: (users, name) => Dovecot.start({ layout: "new", users, name, keepDir: false }),
  cyrus: (users, name) => {
    ensureCyrus();
    return Cyrus.start({ hierarchy: "slash", users, name, keepDir: false });
  },
  courier: (users, name) => {
    ensureCourier();
    return Courier.start({ users, name, keepDir: false });
  },
};

async function scenario(name: string, _msgs: RawMessage[], folders: Record<string, RawMessage[]>, to = "dovecot"): Promise<void> {
  // Three rounds, mbsync and mailshift alternating, each into a fresh mailbox: the median evens out other load.
  const ROUNDS = 3;
  const targets = Array.from({ length: ROUNDS }, (_, r) => [`viaMbsync${r}`, `viaMailshift${r}`]).flat();
  const users = ["src", ...targets].map((u) => ({ user: u, password: `${u}-pw` }));
  const old = await Dovecot.start({ layout: "old", users: [users[0]], name: `bench-old-${name}`, keepDir: false });
  const fresh = await DESTINATIONS[to](users.slice(1), `bench-new-${to}`);
  try {
    for (const [folder, list] of Object.entries(folders)) await appendAll(old.url("src"), "src-pw", folder, list);
    const src = await snapshot(old.url("src"), "src-pw");
    const count = total(src);
    let bytes = 0;
    let largest = 0;
    for (const l of src.values())
      for (const m of l) {
        bytes += m.size;
        largest = Math.max(largest, m.size);
      }
    const mb = bytes / 1024 / 1024;
    process.stdout.write(
      `\n## ${name}, Dovecot to ${to}: ${count} messages, ${mb.toFixed(1)} MB, largest ${(largest / 1024 / 1024).toFixed(2)} MB\n`,
    );

    const cli = path.join(repoRoot(), "bin", "mailshift.js");
    const mbsyncRuns: Measured[] = [];
    const mailshiftRuns: Measured[] = [];
    let copied = 0;
    let mbsyncCount = 0;
    let args: string[] = [];
    let env: Record<string, string> = {};
    let cold = false;
    for (let r = 0; r < ROUNDS; r++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), "mailshift-bench-"));
      const conf = mbsyncConfig(
        dir,
        { host: old.host, port: old.port, user: "src", password: "src-pw", prefix: "INBOX." },
        { host: fresh.host, port: fresh.port, user: `viaMbsync${r}`, password: `viaMbsync${r}-pw`, prefix: fresh.spec.prefix },
        Object.keys(folders).map((f) => (f === "INBOX" ? f : f.replace(/^INBOX\./, ""))),
      );
      cold = coldMail();
      const mb = measure("mbsync", ["-c", conf, "-q", "migrate"]);
      if (mb.code !== 0) throw new Error(`mbsync failed: ${mb.stderr}`);
      mbsyncRuns.push(mb);
      mbsyncCount = total(await snapshot(fresh.url(`viaMbsync${r}`), `viaMbsync${r}-pw`));

      env = { MAILSHIFT_FROM_PASSWORD: "src-pw", MAILSHIFT_TO_PASSWORD: `viaMailshift${r}-pw` };
      args = ["sync", "--from", old.url("src"), "--to", fresh.url(`viaMailshift${r}`), "--json"];
      coldMail();
      const ms = measure(cli, args, env);
      const summary = JSON.parse(ms.stdout);
      if (!summary.verified) throw new Error(`mailshift did not verify: ${ms.stdout.slice(0, 2000)}`);
      copied = summary.totals.copied;
      mailshiftRuns.push(ms);
    }
    const mbsync = median(mbsyncRuns);
    const ms = median(mailshiftRuns);
    // Resyncs of the last copy: the first lists both sides with the page cache emptied, the second is warm, the
    // third and fourth keep watermarks in a state file (the fourth finds nothing moved and lists nothing).
    coldMail();
    const noop = measure(cli, args, env);
    const noopSummary = JSON.parse(noop.stdout);
    const warm = measure(cli, args, env);
    const warmSummary = JSON.parse(warm.stdout);
    const state = path.join(mkdtempSync(path.join(os.tmpdir(), "mailshift-state-")), "state.json");
    measure(cli, [...args, "--state", state], env);
    const withState = measure(cli, [...args, "--state", state], env);
    const withStateSummary = JSON.parse(withState.stdout);

    const rows: Row[] = [
      { tool: "mbsync", messages: mbsyncCount, mb, m: mbsync },
      { tool: "mailshift", messages: copied, mb, m: ms },
    ];
    process.stdout.write(`${fmt(rows)}\n`);
    process.stdout.write(`median of ${ROUNDS} rounds each; mailshift / mbsync throughput: ${(mbsync.wallS / ms.wallS).toFixed(2)}x\n`);
    process.stdout.write(
      cold
        ? "page cache emptied before each copy (the mail read from disk; both programs started once before)\n"
        : "page cache NOT emptied (not root): the mail was read from memory\n",
    );
    process.stdout.write(
      `rounds (wall s): mbsync ${mbsyncRuns.map((r) => r.wallS.toFixed(2)).join(", ")}; mailshift ${mailshiftRuns.map((r) => r.wallS.toFixed(2)).join(", ")}\n`,
    );
    const line = (what: string, m: Measured, sum: { durationMs: number; totals: { copied: number } }) =>
      process.stdout.write(
        `${what}: engine ${sum.durationMs} ms, process ${m.wallS.toFixed(2)} s wall incl. Node start-up, copied ${sum.totals.copied}\n`,
      );
    line("no-op resync, first (page cache emptied)", noop, noopSummary);
    line("no-op resync, stateless", warm, warmSummary);
    line("no-op resync, with --state (watermarks)", withState, withStateSummary);
    process.stdout.write(
      `peak RSS ${ms.peakRssMb.toFixed(0)} MB = ${(ms.peakRssMb / (largest / 1024 / 1024)).toFixed(1)} x the largest message, ${(ms.peakRssMb / mb).toFixed(2)} x the mailbox\n`,
    );
  } finally {
    await fresh.stop();
    await stopAllDovecots();
  }
}

function median(runs: Measured[]): Measured {
  return [...runs].sort((a, b) => a.wallS - b.wallS)[Math.floor(runs.length / 2)];
}

async function main(): Promise<void> {
  ensureDovecot();
  ensureGnuTime();
  const arg = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
  const n = Number(arg("--messages")) || 2500;
  const toArg = arg("--to") ?? "dovecot";
  const kinds = toArg === "all" ? Object.keys(DESTINATIONS) : [toArg];
  for (const k of kinds) if (!DESTINATIONS[k]) throw new Error(`--to ${k}: one of ${Object.keys(DESTINATIONS).join(", ")} or all`);
  const ham = readCorpus("easy_ham", n);
  const only = process.argv.includes("--quick");
  // A bigger mailbox shows the steady rate once Node's JIT has warmed up (a 2,500-message run is mostly warm-up).
  const bigger = [...ham, ...readCorpus("spam", 500), ...gen.many(7000, 11)];
  const big = [...Array.from({ length: 40 }, (_, i) => gen.withAttachment(2 * 1024 * 1024, i)), gen.withAttachment(24 * 1024 * 1024, 99)];
  for (const to of kinds) {
    await scenario("easy_ham corpus, one folder", ham, { INBOX: ham }, to);
    if (only) continue;
    await scenario("10,000 messages (easy_ham, spam, generated), one folder", bigger, { INBOX: bigger }, to);
    await scenario("large messages (40 x 2 MB + 1 x 24 MB)", big, { INBOX: big }, to);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
