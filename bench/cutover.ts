// Issue 23's cutover window: the pass after the MX change, which copies the mail that still reached the old host.
// Per scale (MAILBOXESxMESSAGES, generated mail between two loopback Dovecot servers), both tools copy everything
// once, then each round adds 1% new mail to every source mailbox and times, on the same new mail, mbsync with its
// state against mailshift with --state; then another 1% against mailshift with no local state at all (a fresh
// machine at cutover), which starts from the watermarks the pass before it kept on the destination (METADATA, on
// in the new host's Dovecot); then another 1% with no state and nothing kept there (--no-server-state, as on a
// destination without METADATA), the same run's measure of what the entry saves. Each figure is the median of the rounds; the order of the tools alternates between rounds, and each
// run starts with the page cache emptied and both programs loaded (scale/tools.ts), as in scale/run.ts.
// With one mailbox it also times a stateless no-op `mailshift sync` from the launcher, against mbsync's no-op.
//   node dist/bench/cutover.js [--scales 1x2500,40x1000] [--rounds 3] [--parallel 4] [--seed 7]
//       [--attachment-rate 0.02] [--out bench/results/FILE.md]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../harness/dovecot";
import { planMessage } from "./generateCorpus";
import { addMessages, loadMailboxes } from "./maildirLoad";
import { ensureGnuTime, measureAsync } from "./measure";
import { commit, Report } from "./report";
import { coldMail, countAll, mailshift, mbsync, type Run } from "./scale/tools";
import { repoRoot } from "../harness/repoRoot";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stderr = (s: string) => process.stderr.write(`[bench] ${s}\n`);

interface Rounds {
  mbDelta: Run[];
  msState: Run[];
  mbDelta2: Run[];
  msStateless: Run[];
  mbDelta3: Run[];
  msNoServer: Run[];
  launcherNoop: number[];
  mbNoop: Run[];
}

async function scale(
  mailboxes: number,
  messages: number,
  o: { rounds: number; parallel: number; seed: number; rate: number },
  report: Report,
) {
  const name = `${mailboxes}x${messages}`;
  const idx = Array.from({ length: mailboxes }, (_, i) => i);
  const src = idx.map((i): MailUser => ({ user: `src${i}`, password: `src${i}-pw` }));
  const viaMs = idx.map((i): MailUser => ({ user: `ms${i}`, password: `ms${i}-pw` }));
  const viaMb = idx.map((i): MailUser => ({ user: `mb${i}`, password: `mb${i}-pw` }));
  const old = await Dovecot.start({ layout: "old", users: src, name: `cutover-old-${name}`, keepDir: false });
  // METADATA on, as an admin enables it: where mailshift keeps its watermarks for a pass with no local state.
  const fresh = await Dovecot.start({
    layout: "new",
    users: [...viaMs, ...viaMb],
    name: `cutover-new-${name}`,
    keepDir: false,
    metadata: true,
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-cutover-"));
  try {
    stderr(`${name}: generating`);
    const corpus = { seed: o.seed, mailboxes, messagesPerMailbox: messages, attachmentRate: o.rate };
    const loaded = await loadMailboxes(
      old,
      src.map((u) => u.user),
      corpus,
      2,
    );
    const ms = mailshift(work, old, src, fresh, viaMs, o.parallel);
    const mb = mbsync(work, old, src, fresh, viaMb, o.parallel);
    stderr(`${name}: both copies`);
    const mbCopy = await mb();
    const msCopy = await ms(true);
    // The first --state pass after a copy records the watermarks of the folders it appended to (growth.ts).
    await ms(true);
    const delta = Math.max(1, Math.round(messages / 100));
    let round = 0;
    const addDelta = async () => {
      round += 1;
      for (const i of idx) {
        const plans = Array.from({ length: delta }, (_, k) => planMessage(o.seed + 100 + round, i, messages + round * delta + k, o.rate));
        await addMessages(old, src[i].user, plans, `c${round}`);
      }
    };
    const r: Rounds = {
      mbDelta: [],
      msState: [],
      mbDelta2: [],
      msStateless: [],
      mbDelta3: [],
      msNoServer: [],
      launcherNoop: [],
      mbNoop: [],
    };
    const both = async (k: number, mbOut: Run[], msRun: () => Promise<Run>, msOut: Run[]) => {
      if (k % 2 === 0) {
        mbOut.push(await mb());
        msOut.push(await msRun());
      } else {
        msOut.push(await msRun());
        mbOut.push(await mb());
      }
    };
    const cli = path.join(repoRoot(), "bin", "mailshift.js");
    for (let k = 0; k < o.rounds; k++) {
      stderr(`${name}: round ${k + 1} of ${o.rounds}`);
      await addDelta();
      await both(k, r.mbDelta, () => ms(true), r.msState);
      await addDelta();
      await both(k, r.mbDelta2, () => ms(false), r.msStateless);
      await ms(true); // records the watermarks the stateless pass could not
      // The same pass where the destination keeps nothing (no METADATA, or --no-server-state): every folder listed.
      await addDelta();
      await both(k, r.mbDelta3, () => ms(false, undefined, false), r.msNoServer);
      await ms(true);
      if (mailboxes === 1) {
        r.mbNoop.push(await mb());
        coldMail();
        const env = { MAILSHIFT_FROM_PASSWORD: src[0].password, MAILSHIFT_TO_PASSWORD: viaMs[0].password };
        const m = await withEnv(env, () =>
          measureAsync(cli, ["sync", "--from", old.url(src[0].user), "--to", fresh.url(viaMs[0].user), "--json"]),
        );
        const s = JSON.parse(m.stdout) as { verified: boolean; totals: { copied: number } };
        if (!s.verified || s.totals.copied !== 0)
          throw new Error(`${name}: the stateless no-op copied ${s.totals.copied}: ${m.stdout.slice(0, 500)}`);
        r.launcherNoop.push(m.wallS);
      }
    }
    const msCount = await countAll(fresh, viaMs);
    const mbCount = await countAll(fresh, viaMb);
    const expected = loaded.messages + 3 * o.rounds * delta * mailboxes;
    if (msCount !== expected || mbCount !== expected)
      throw new Error(`${name}: on the destinations mailshift ${msCount}, mbsync ${mbCount}, expected ${expected}`);
    for (const x of [...r.msState, ...r.msStateless, ...r.msNoServer])
      if (x.copied !== delta * mailboxes) throw new Error(`${name}: a delta pass copied ${x.copied}, expected ${delta * mailboxes}`);

    const wall = (runs: Run[]) => median(runs.map((x) => x.m.wallS));
    const cpu = (runs: Run[]) => median(runs.map((x) => x.m.cpuS));
    const srv = (runs: Run[]) => median(runs.map((x) => x.serverCpuS));
    const row = (what: string, runs: Run[], against?: Run[]) => [
      what,
      wall(runs).toFixed(2),
      cpu(runs).toFixed(2),
      srv(runs).toFixed(2),
      against ? `${(wall(runs) / wall(against)).toFixed(2)}x` : "",
      runs.map((x) => x.m.wallS.toFixed(2)).join(", "),
    ];
    report.heading(
      `${name}: ${loaded.messages} messages (${(loaded.bytes / 2 ** 20).toFixed(0)} MB), 1% delta = ${delta * mailboxes} new, ${o.parallel} at a time`,
    );
    report.line(
      `Copies: mbsync ${mbCopy.m.wallS.toFixed(2)} s, mailshift ${msCopy.m.wallS.toFixed(2)} s. On the destinations after ${o.rounds} rounds: ` +
        `mailshift ${msCount}, mbsync ${mbCount}, of ${expected} (every message exactly once). Medians of ${o.rounds} rounds; time ratio = mailshift / mbsync (lower is better).`,
    );
    const rows = [
      row("mbsync 1% delta (its state)", r.mbDelta),
      row("mailshift 1% delta, --state", r.msState, r.mbDelta),
      row("mbsync 1% delta (its state), second", r.mbDelta2),
      row("mailshift 1% delta, stateless (watermarks from the destination)", r.msStateless, r.mbDelta2),
      row("mbsync 1% delta (its state), third", r.mbDelta3),
      row("mailshift 1% delta, stateless, nothing kept on the destination", r.msNoServer, r.mbDelta3),
    ];
    if (r.mbNoop.length) {
      rows.push(row("mbsync no-op (its state)", r.mbNoop));
      const n = median(r.launcherNoop);
      rows.push([
        "mailshift sync no-op, stateless, from the launcher",
        n.toFixed(2),
        "",
        "",
        "",
        r.launcherNoop.map((x) => x.toFixed(2)).join(", "),
      ]);
    }
    report.table({ head: ["pass", "wall s", "CPU s", "servers' CPU s", "time ratio", "rounds, wall s"], rows });
    // The stateless pass starts with no local state: what it skipped, it knew from the watermarks the pass before
    // it left on the destination (METADATA).
    report.line(
      `Folders skipped as unchanged, per round: --state ${r.msState.map((x) => x.unchangedFolders ?? 0).join(", ")}; ` +
        `stateless (watermarks from the destination's METADATA) ${r.msStateless.map((x) => x.unchangedFolders ?? 0).join(", ")}; ` +
        `nothing kept on the destination ${r.msNoServer.map((x) => x.unchangedFolders ?? 0).join(", ")}.`,
    );
  } finally {
    await stopAllDovecots();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** measureAsync takes the environment of this process: the passwords go there for the one run. */
async function withEnv<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function main(): Promise<void> {
  ensureDovecot();
  ensureGnuTime();
  const o = {
    rounds: Number(arg("--rounds") ?? 3),
    parallel: Number(arg("--parallel") ?? 4),
    seed: Number(arg("--seed") ?? 7),
    rate: Number(arg("--attachment-rate") ?? 0.02),
  };
  const report = new Report(arg("--out"));
  report.line(
    `mailshift cutover benchmark, ${new Date().toISOString().slice(0, 10)}, commit ${commit()}: ${os.cpus().length} CPUs, node ${process.version}, attachment rate ${o.rate}, seed ${o.seed}`,
  );
  for (const s of (arg("--scales") ?? "1x2500,40x1000").split(",")) {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`--scales: "${s}" is not MAILBOXESxMESSAGES`);
    await scale(Number(m[1]), Number(m[2]), o, report);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
