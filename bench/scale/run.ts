// Issue 7's benchmark: many mailboxes between two loopback Dovecot servers, copied N at a time by
// `mailshift sync-many` and by mbsync (one process per mailbox, N at a time, CopyArrivalDate yes) on the same
// mail in the same run; then what a resync costs (no-op and 1% delta, with and without watermarks).
//   node dist/bench/scale/run.js [--scales 1x2500,20x2500] [--big] [--parallel 4] [--seed 7] [--attachment-rate 0.03]
// --big adds 250 x 1,000 (the seed's 250,000 messages): about 37 GB of mail per copy at the default attachment rate,
// three copies (source, mbsync's, mailshift's) = ~110 GB of disk; with --attachment-rate 0.01 about 12 GB per copy.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../../test/harness/dovecot";
import { repoRoot } from "../../test/harness/repoRoot";
import { ensureGnuTime, measure, type Measured } from "../measure";
import { mbsyncConfig } from "../mbsync";
import { FOLDERS, planMessage, type CorpusOptions } from "../generateCorpus";
import { handOver, loadMailbox, writeMessages } from "../maildirLoad";

interface Scale {
  mailboxes: number;
  messages: number;
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

const load = () => os.loadavg()[0].toFixed(2);

/** Messages on a whole account by STATUS, without fetching anything. */
async function countMessages(d: Dovecot, user: string, password: string): Promise<number> {
  const c = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user, pass: password }, logger: false });
  c.on("error", () => undefined);
  await c.connect();
  let n = 0;
  try {
    for (const f of await c.list({ statusQuery: { messages: true } })) n += f.status?.messages ?? 0;
  } finally {
    await c.logout();
  }
  return n;
}

interface Row {
  what: string;
  messages: number;
  mb: number;
  m: Measured;
  load: string;
}

function table(rows: Row[]): string {
  const head = ["run", "messages", "MB", "wall s", "msg/s", "MB/s", "peak RSS MB", "CPU s", "load avg"];
  const body = rows.map((r) => [
    r.what,
    String(r.messages),
    r.mb.toFixed(0),
    r.m.wallS.toFixed(2),
    (r.messages / r.m.wallS).toFixed(0),
    (r.mb / r.m.wallS).toFixed(1),
    r.m.peakRssMb.toFixed(0),
    r.m.cpuS.toFixed(2),
    r.load,
  ]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
}

async function scale(s: Scale, parallel: number, seed: number, attachmentRate: number): Promise<void> {
  const corpus: CorpusOptions = { seed, mailboxes: s.mailboxes, messagesPerMailbox: s.messages, attachmentRate };
  const idx = Array.from({ length: s.mailboxes }, (_, i) => i);
  const src = idx.map((i): MailUser => ({ user: `src${i}`, password: `src${i}-pw` }));
  const viaMs = idx.map((i): MailUser => ({ user: `ms${i}`, password: `ms${i}-pw` }));
  const viaMb = idx.map((i): MailUser => ({ user: `mb${i}`, password: `mb${i}-pw` }));
  const name = `${s.mailboxes}x${s.messages}`;
  const old = await Dovecot.start({ layout: "old", users: src, name: `scale-old-${name}`, keepDir: false });
  const fresh = await Dovecot.start({ layout: "new", users: [...viaMs, ...viaMb], name: `scale-new-${name}`, keepDir: false });
  try {
    const t0 = Date.now();
    let messages = 0;
    let bytes = 0;
    for (const i of idx) {
      const r = loadMailbox(old, src[i].user, corpus, i);
      messages += r.messages;
      bytes += r.bytes;
    }
    const mb = bytes / 1024 / 1024;
    process.stdout.write(`\n## ${s.mailboxes} mailbox(es) x ${s.messages}: ${messages} messages, ${mb.toFixed(0)} MB; generated, written and indexed in ${((Date.now() - t0) / 1000).toFixed(0)} s; ${parallel} at a time\n`);

    // mbsync: one process per mailbox, `parallel` at a time (xargs -P); GNU time's peak RSS is then the largest
    // single process, so the row also shows it times the concurrency.
    const work = mkdtempSync(path.join(os.tmpdir(), "mailshift-scale-"));
    const confs = idx.map((i) =>
      mbsyncConfig(
        path.join(work, `mbsync${i}`),
        { host: old.host, port: old.port, user: src[i].user, password: src[i].password, prefix: "INBOX." },
        { host: fresh.host, port: fresh.port, user: viaMb[i].user, password: viaMb[i].password, prefix: "" },
        FOLDERS.map((f) => (f.path.length ? f.path.join("/") : "INBOX")),
      ),
    );
    const list = path.join(work, "mbsync-configs");
    writeFileSync(list, `${confs.join("\n")}\n`);
    const mbsyncRun = () => {
      const l = load();
      const m = measure("xargs", ["-P", String(parallel), "-I{}", "-a", list, "mbsync", "-c", "{}", "-q", "-a"]);
      if (m.code !== 0) throw new Error(`mbsync failed (xargs exit ${m.code}): ${m.stderr.slice(-2000)}`);
      return { m, l };
    };
    const mbCopy = mbsyncRun();
    let mbCount = 0;
    for (const i of idx) mbCount += await countMessages(fresh, viaMb[i].user, viaMb[i].password);

    const listFile = path.join(work, "mailboxes.json");
    writeFileSync(
      listFile,
      JSON.stringify({
        mailboxes: idx.map((i) => ({ from: old.url(src[i].user), fromPassword: src[i].password, to: fresh.url(viaMs[i].user), toPassword: viaMs[i].password })),
      }),
      { mode: 0o600 },
    );
    const state = path.join(work, "state.json");
    const cli = path.join(repoRoot(), "dist", "cli", "syncMany.js");
    const mailshift = (withState: boolean) => {
      const l = load();
      const m = measure(process.execPath, [cli, "--mailboxes", listFile, "--parallel", String(parallel), "--json", ...(withState ? ["--state", state] : [])]);
      const out = JSON.parse(m.stdout) as { totals: { copied: number; verified: number; mailboxes: number; bytesCopied: number } };
      if (m.code !== 0 || out.totals.verified !== out.totals.mailboxes) throw new Error(`mailshift sync-many exit ${m.code}: ${m.stdout.slice(0, 2000)} ${m.stderr.slice(-2000)}`);
      return { m, l, copied: out.totals.copied, mb: out.totals.bytesCopied / 1024 / 1024 };
    };
    const msCopy = mailshift(true);
    let msCount = 0;
    for (const i of idx) msCount += await countMessages(fresh, viaMs[i].user, viaMs[i].password);

    const rows: Row[] = [
      { what: `mbsync x${parallel} (copy)`, messages: mbCount, mb, m: mbCopy.m, load: mbCopy.l },
      { what: `mailshift sync-many --parallel ${parallel} (copy)`, messages: msCopy.copied, mb, m: msCopy.m, load: msCopy.l },
    ];
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(`on the destinations: mbsync ${mbCount}, mailshift ${msCount} of ${messages}; mailshift / mbsync throughput ${(mbCopy.m.wallS / msCopy.m.wallS).toFixed(2)}x; mbsync peak RSS is per process (x${parallel} concurrent = ${(mbCopy.m.peakRssMb * parallel).toFixed(0)} MB at most)\n`);

    // Resync cost. No-op: nothing moved. Delta: 1% new messages per mailbox, as mail arriving during the copy.
    const resync: string[] = [];
    const line = (what: string, r: { m: Measured; l: string; copied?: number }) =>
      resync.push(`${what.padEnd(44)} ${r.m.wallS.toFixed(2).padStart(7)} s  ${(r.m.cpuS).toFixed(2).padStart(7)} CPU s  ${r.m.peakRssMb.toFixed(0).padStart(4)} MB  copied ${String(r.copied ?? 0).padStart(6)}  load ${r.l}`);
    line("mailshift no-op, stateless", mailshift(false));
    // The copy leaves no watermark on folders it appended to (only a listing can vouch for them), so the first
    // --state pass after a copy lists those folders once and records them; the one after that is the real no-op.
    line("mailshift no-op, --state, first after copy", mailshift(true));
    line("mailshift no-op, --state (watermarks)", mailshift(true));
    line("mbsync no-op (its own sync state)", mbsyncRun());
    const delta = Math.max(1, Math.round(s.messages / 100));
    const addDelta = (round: number) => {
      for (const i of idx) {
        const plans = Array.from({ length: delta }, (_, k) => planMessage(seed + round, i, s.messages + k, attachmentRate));
        writeMessages(old.maildir(src[i].user), plans, `d${round}`);
        handOver(old, src[i].user);
      }
    };
    addDelta(1);
    line(`mailshift 1% delta (${delta * s.mailboxes} new), --state`, mailshift(true));
    addDelta(2);
    line(`mailshift 1% delta (${delta * s.mailboxes} new), stateless`, mailshift(false));
    addDelta(3);
    const mbDelta = mbsyncRun();
    let mbAfter = 0;
    for (const i of idx) mbAfter += await countMessages(fresh, viaMb[i].user, viaMb[i].password);
    line(`mbsync 3 x 1% delta (all new since its last run)`, { ...mbDelta, copied: mbAfter - mbCount });
    process.stdout.write(`resync of ${messages} messages:\n${resync.join("\n")}\n`);
  } finally {
    await stopAllDovecots();
  }
}

async function main(): Promise<void> {
  ensureDovecot();
  ensureGnuTime();
  const parallel = Number(arg("--parallel") ?? 4);
  const seed = Number(arg("--seed") ?? 7);
  const attachmentRate = Number(arg("--attachment-rate") ?? 0.03);
  const scales = parseScales(arg("--scales") ?? "1x2500,20x2500");
  if (process.argv.includes("--big")) scales.push({ mailboxes: 250, messages: 1000 });
  process.stdout.write(`mailshift scale benchmark: ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}, seed ${seed}, attachment rate ${attachmentRate}\n`);
  for (const s of scales) await scale(s, parallel, seed, attachmentRate);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
