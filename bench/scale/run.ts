// Issue 7's benchmark: many mailboxes between two loopback Dovecot servers, copied N at a time by
// `mailshift sync-many` and by mbsync (one process per mailbox, N at a time, CopyArrivalDate yes) on the same
// mail in the same run; then what a resync costs (no-op and 1% delta, with and without watermarks).
//   node dist/bench/scale/run.js [--scales 1x2500,20x2500] [--big] [--parallel 4] [--seed 7]
//       [--attachment-rate 0.03] [--gen-workers 2] [--keep-both] [--growth 1000,4000,16000] [--out FILE.md]
// --big adds 250 x 1,000 (the seed's 250,000 messages) and makes the default attachment rate 0.02: about 25 GB
// of mail a copy (0.03 would be about 37 GB). Before writing anything each scale checks the free space where
// the Dovecot servers keep their mail (TMPDIR, else /tmp) and refuses, naming the attachment rate that would
// fit, unless the source and one destination fit. Each measured run starts with the page cache emptied (as root):
// both tools read the source from disk, as in a migration, and write into free memory. Then each tool is started
// once with nothing to do, so its own program files are in memory: the run times the copy, not Node or mbsync
// loading from a cold disk (the first line of the report says what that costs each). mbsync always runs first
// (copy, no-op, 1% delta); then its copy is deleted before mailshift copies. --keep-both keeps both, disk
// permitting. After mailshift's copy and resyncs mbsync copies the same mail once more, into a fresh destination
// (mailshift's deleted first): the ratio is taken against the mean of mbsync's
// two copies, before and after mailshift's, so that a machine whose speed drifts during the run (a shared VM's
// does, by 10% and more) favours neither tool.
// --growth measures mailshift's resync of one text-only mailbox at each size: whether it costs what changed or
// what exists. Given alone (without --scales or --big) it is all that runs.
// --out also writes the results as Markdown (bench/results/ holds the committed ones). Progress goes to stderr.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { doesNotFitMessage, estimateCopy, fittingAttachmentRate, planDisk, sizeText } from "../diskPlan";
import { planMessage, type CorpusOptions } from "../generateCorpus";
import { addMessages, loadMailboxes, removeMessages } from "../maildirLoad";
import { ensureGnuTime } from "../measure";
import { copyWatcher, Progress } from "../progress";
import { Report, type Table } from "../report";
import { growth } from "./growth";
import { coldStarts, countAll, mailshift, mbsync, type Run } from "./tools";

interface Scale {
  mailboxes: number;
  messages: number;
}

interface Options {
  parallel: number;
  seed: number;
  attachmentRate: number;
  genWorkers: number;
  /** Keep mbsync's copy while mailshift copies (when both fit): the second tool then works with a fuller page cache. */
  keepBoth: boolean;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseScales(s: string): Scale[] {
  return s.split(",").map((x) => {
    const m = /^(\d+)x(\d+)$/.exec(x.trim());
    if (!m) throw new Error(`--scales: "${x}" is not MAILBOXESxMESSAGES (e.g. 20x2500)`);
    return { mailboxes: Number(m[1]), messages: Number(m[2]) };
  });
}

function parseSizes(s: string): number[] {
  return s.split(",").map((x) => {
    const n = Number(x.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--growth: "${x}" is not a number of messages (e.g. 1000,4000,16000)`);
    return n;
  });
}

const n = (x: number) => x.toLocaleString("en-US");
const stderr = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function copyTable(rows: { what: string; messages: number; mb: number; r: Run }[]): Table {
  return {
    head: [
      "run",
      "messages",
      "MB",
      "wall s",
      "msg/s",
      "MB/s",
      "peak RSS MB",
      "CPU s",
      "servers' CPU s",
      "total CPU s",
      "CPUs busy / disk wait %",
      "disk read + write MB/s",
      "load avg",
    ],
    rows: rows.map(({ what, messages, mb, r }) => [
      what,
      String(messages),
      mb.toFixed(0),
      r.m.wallS.toFixed(2),
      (messages / r.m.wallS).toFixed(0),
      (mb / r.m.wallS).toFixed(1),
      r.m.peakRssMb.toFixed(0),
      r.m.cpuS.toFixed(2),
      r.serverCpuS.toFixed(2),
      (r.m.cpuS + r.serverCpuS).toFixed(2),
      r.machine ? `${r.machine.busyPct.toFixed(0)} / ${r.machine.iowaitPct.toFixed(0)}` : "",
      r.machine ? `${(r.machine.diskReadMB / r.m.wallS).toFixed(0)} + ${(r.machine.diskWrittenMB / r.m.wallS).toFixed(0)}` : "",
      r.load,
    ]),
  };
}

function resyncTable(rows: { what: string; r: Run }[]): Table {
  return {
    head: ["resync", "wall s", "CPU s", "peak RSS MB", "copied", "load avg"],
    rows: rows.map(({ what, r }) => [
      what,
      r.m.wallS.toFixed(2),
      r.m.cpuS.toFixed(2),
      r.m.peakRssMb.toFixed(0),
      String(r.copied ?? 0),
      r.load,
    ]),
  };
}

async function scale(s: Scale, o: Options, report: Report): Promise<void> {
  const name = `${s.mailboxes}x${s.messages}`;
  const corpus: CorpusOptions = { seed: o.seed, mailboxes: s.mailboxes, messagesPerMailbox: s.messages, attachmentRate: o.attachmentRate };

  // Dovecot.start keeps each server's mail under os.tmpdir(): that filesystem must hold it.
  const dir = os.tmpdir();
  const st = fs.statfsSync(dir);
  const copy = estimateCopy(corpus, st.bsize);
  const disk = planDisk(copy, st.bavail * st.bsize);
  if (disk.verdict === "does-not-fit") {
    const atZero = estimateCopy({ ...corpus, attachmentRate: 0 }, st.bsize);
    throw new Error(
      doesNotFitMessage(name, dir, o.attachmentRate, disk, copy, fittingAttachmentRate(atZero, copy, o.attachmentRate, disk.freeBytes)),
    );
  }
  const oneAtATime = !o.keepBoth || disk.verdict === "one-destination-at-a-time";
  stderr(
    `${name}: about ${sizeText(copy.diskBytes)} a copy, ${sizeText(disk.freeBytes)} free in ${dir}; ` +
      (disk.verdict === "both-destinations" ? "room for both destinations" : "room for one destination at a time") +
      (oneAtATime ? ": mbsync's copy is deleted before mailshift copies" : ""),
  );

  const idx = Array.from({ length: s.mailboxes }, (_, i) => i);
  const src = idx.map((i): MailUser => ({ user: `src${i}`, password: `src${i}-pw` }));
  const viaMs = idx.map((i): MailUser => ({ user: `ms${i}`, password: `ms${i}-pw` }));
  const viaMb = idx.map((i): MailUser => ({ user: `mb${i}`, password: `mb${i}-pw` }));
  const viaMbAgain = idx.map((i): MailUser => ({ user: `mbb${i}`, password: `mbb${i}-pw` }));
  const old = await Dovecot.start({ layout: "old", users: src, name: `scale-old-${name}`, keepDir: false });
  const fresh = await Dovecot.start({
    layout: "new",
    users: [...viaMs, ...viaMb, ...viaMbAgain],
    name: `scale-new-${name}`,
    keepDir: false,
  });
  const work = fs.mkdtempSync(path.join(dir, "mailshift-scale-"));
  try {
    const t0 = Date.now();
    const gen = new Progress(`${name} generate`, s.mailboxes, "mailboxes");
    const loaded = await loadMailboxes(
      old,
      src.map((u) => u.user),
      corpus,
      o.genWorkers,
      (done, total) => gen.update(done, `${n(total.messages)} messages, ${sizeText(total.bytes)}`),
    );
    const messages = loaded.messages;
    const mb = loaded.bytes / 2 ** 20;
    report.heading(
      `${s.mailboxes} mailbox(es) x ${s.messages}: ${messages} messages, ${mb.toFixed(0)} MB; generated, written and indexed in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${o.parallel} at a time`,
    );
    report.line(
      `Estimated from the plan before writing: ${(copy.imapBytes / 2 ** 20).toFixed(0)} MB (IMAP sizes), ${sizeText(copy.diskBytes)} on disk a copy; ` +
        (oneAtATime ? "mbsync's copy was deleted before mailshift's (one destination at a time)." : "both destinations kept."),
    );

    // mbsync: one process per mailbox, `parallel` at a time (xargs -P); GNU time's peak RSS is then the largest
    // single process, so the notes also show it times the concurrency. It goes first, copy then resyncs, so
    // that its copy can be deleted before mailshift's when the disk holds only one.
    const mbRun = mbsync(work, old, src, fresh, viaMb, o.parallel);
    const mbHomes = viaMb.map((u) => fresh.home(u.user));
    stderr(`${name}: mbsync copy`);
    const mbCopy = await mbRun(copyWatcher(`${name} mbsync copy`, mbHomes, messages));
    stderr(`${name}: mbsync copy done in ${mbCopy.m.wallS.toFixed(0)} s`);
    const mbCount = await countAll(fresh, viaMb);
    stderr(`${name}: mbsync no-op`);
    const mbNoop = await mbRun();
    mbNoop.copied = (await countAll(fresh, viaMb)) - mbCount;

    // Resync deltas: 1% new messages per mailbox, as mail arriving during the copy.
    const delta = Math.max(1, Math.round(s.messages / 100));
    const addDelta = async (round: number, written?: string[][]) => {
      for (const i of idx) {
        const plans = Array.from({ length: delta }, (_, k) => planMessage(o.seed + round, i, s.messages + k, o.attachmentRate));
        await addMessages(old, src[i].user, plans, `d${round}`, written?.[i]);
      }
    };
    // mbsync's delta is taken away from the source again before mailshift copies, so both copy the same mail.
    const mbDeltaFiles = idx.map((): string[] => []);
    await addDelta(3, mbDeltaFiles);
    stderr(`${name}: mbsync 1% delta`);
    const mbDelta = await mbRun();
    mbDelta.copied = (await countAll(fresh, viaMb)) - mbCount - mbNoop.copied;
    for (const i of idx) await removeMessages(old, src[i].user, mbDeltaFiles[i]);
    const onSource = await countAll(old, src);
    if (onSource !== messages)
      throw new Error(`${name}: the source holds ${onSource} messages after mbsync's delta was removed, expected ${messages}`);
    if (oneAtATime) {
      stderr(`${name}: deleting mbsync's copy to make room for mailshift's`);
      for (const h of mbHomes) fs.rmSync(h, { recursive: true, force: true });
    }

    const msRun = mailshift(work, old, src, fresh, viaMs, o.parallel);
    stderr(`${name}: mailshift copy`);
    const msCopy = await msRun(
      true,
      copyWatcher(
        `${name} mailshift copy`,
        viaMs.map((u) => fresh.home(u.user)),
        messages,
      ),
    );
    stderr(`${name}: mailshift copy done in ${msCopy.m.wallS.toFixed(0)} s`);
    const msCount = await countAll(fresh, viaMs);

    // mailshift's resyncs. The copy leaves no watermark on folders it appended to (only a listing can vouch for
    // them), so the first --state pass after a copy lists those folders once and records them; the one after
    // that is the real no-op.
    const pass = async (what: string, withState: boolean) => {
      stderr(`${name}: mailshift ${what}`);
      return { what: `mailshift ${what}`, r: await msRun(withState) };
    };
    const rows: { what: string; r: Run }[] = [
      await pass("no-op, stateless", false),
      await pass("no-op, --state, first after copy", true),
      await pass("no-op, --state (watermarks)", true),
    ];
    rows.push({ what: "mbsync no-op (its own sync state)", r: mbNoop });
    const msDeltaFiles = idx.map((): string[] => []);
    await addDelta(1, msDeltaFiles);
    rows.push(await pass(`1% delta (${delta * s.mailboxes} new), --state`, true));
    await addDelta(2, msDeltaFiles);
    rows.push(await pass(`1% delta (${delta * s.mailboxes} new), stateless`, false));
    rows.push({ what: `mbsync 1% delta (${delta * s.mailboxes} new)`, r: mbDelta });

    // mbsync once more, on the same mail as both copies before, into a destination of its own.
    for (const i of idx) await removeMessages(old, src[i].user, msDeltaFiles[i]);
    const onSourceAgain = await countAll(old, src);
    if (onSourceAgain !== messages)
      throw new Error(`${name}: the source holds ${onSourceAgain} messages after mailshift's deltas were removed, expected ${messages}`);
    // Its resyncs are done: mailshift's copy makes room for mbsync's second (the disk was planned for two at most).
    stderr(`${name}: deleting mailshift's copy to make room for mbsync's second`);
    for (const u of viaMs) fs.rmSync(fresh.home(u.user), { recursive: true, force: true });
    const again = path.join(work, "again");
    fs.mkdirSync(again);
    stderr(`${name}: mbsync copy, again`);
    const mbAgain = await mbsync(
      again,
      old,
      src,
      fresh,
      viaMbAgain,
      o.parallel,
    )(
      copyWatcher(
        `${name} mbsync copy again`,
        viaMbAgain.map((u) => fresh.home(u.user)),
        messages,
      ),
    );
    const mbAgainCount = await countAll(fresh, viaMbAgain);

    report.table(
      copyTable([
        { what: `mbsync x${o.parallel} (copy)`, messages: mbCount, mb, r: mbCopy },
        { what: `mailshift sync-many --parallel ${o.parallel} (copy)`, messages: msCopy.copied, mb, r: msCopy },
        { what: `mbsync x${o.parallel} (copy, again after mailshift's)`, messages: mbAgainCount, mb, r: mbAgain },
      ]),
    );
    const mbMean = (mbCopy.m.wallS + mbAgain.m.wallS) / 2;
    report.line(
      `On the destinations: mbsync ${mbCount} and ${mbAgainCount}, mailshift ${msCount} of ${messages}; ` +
        `mailshift / mbsync throughput ${(mbMean / msCopy.m.wallS).toFixed(2)}x against the mean of mbsync's two copies ` +
        `(${(mbCopy.m.wallS / msCopy.m.wallS).toFixed(2)}x against the first, ${(mbAgain.m.wallS / msCopy.m.wallS).toFixed(2)}x against the second); ` +
        `mbsync peak RSS is per process (x${o.parallel} concurrent = ${(Math.max(mbCopy.m.peakRssMb, mbAgain.m.peakRssMb) * o.parallel).toFixed(0)} MB at most).`,
    );
    report.table(resyncTable(rows), `Resync of ${messages} messages:`);
  } finally {
    await stopAllDovecots();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function versionOf(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], cwd: repoRoot() })
      .trim()
      .split("\n")[0];
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  ensureDovecot();
  ensureGnuTime();
  const big = process.argv.includes("--big");
  const growthArg = arg("--growth");
  const o: Options = {
    parallel: Number(arg("--parallel") ?? 4),
    seed: Number(arg("--seed") ?? 7),
    attachmentRate: Number(arg("--attachment-rate") ?? (big ? 0.02 : 0.03)),
    genWorkers: Number(arg("--gen-workers") ?? Math.min(2, os.cpus().length)),
    keepBoth: process.argv.includes("--keep-both"),
  };
  const scalesArg = arg("--scales");
  const scales = scalesArg || big || !growthArg ? parseScales(scalesArg ?? "1x2500,20x2500") : [];
  if (big) scales.push({ mailboxes: 250, messages: 1000 });
  const out = arg("--out");
  const report = new Report(out);
  const cold = coldStarts();
  report.line(
    `mailshift scale benchmark, ${new Date().toISOString().slice(0, 10)}, commit ${versionOf("git", ["rev-parse", "--short", "HEAD"])}: ` +
      `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}, ${versionOf("dovecot", ["--version"])}, ${versionOf("mbsync", ["--version"])}; ` +
      `seed ${o.seed}${scales.length ? `, attachment rate ${o.attachmentRate}` : ""}; ` +
      (cold
        ? "page cache emptied before each measured run, then each tool started once with nothing to do so that its program " +
          `files are in memory and only the mail is read from disk (a start from a cold disk takes mailshift ${cold.mailshift.toFixed(2)} s, ` +
          `mbsync ${cold.mbsync.toFixed(2)} s: not in the figures below)`
        : "page cache NOT emptied (needs root): figures depend on what earlier runs left in memory"),
  );
  for (const s of scales) await scale(s, o, report);
  if (growthArg) await growth(parseSizes(growthArg), o.seed, report);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
