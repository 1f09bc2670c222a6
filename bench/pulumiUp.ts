// Issue 23: `pulumi up` against `mailshift sync-many` on the same mail, same run. The real Pulumi CLI (built by
// scripts/pulumi.sh) runs a program of one MailboxMigration per mailbox, the copy inside Pulumi's own Node process
// (the dynamic-provider host); sync-many copies the same source mailboxes into other destination accounts. Both
// copy once, then each round adds 1% new mail to every source mailbox and times `pulumi up` (syncGeneration
// bumped: the provider's delta pass, from the watermarks in Pulumi's state) against `sync-many --state`, in
// alternating order. Pulumi's parallelism is set to sync-many's (--parallel). Ratios in the report, never asserted.
//   node dist/bench/pulumiUp.js [--scale 8x1000] [--rounds 3] [--parallel 4] [--out bench/results/FILE.md]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../harness/dovecot";
import { repoRoot } from "../harness/repoRoot";
import { ensureEngine } from "../sandbox/session";
import { planMessage } from "./generateCorpus";
import { addMessages, loadMailboxes } from "./maildirLoad";
import { ensureGnuTime, measureAsync, type Measured } from "./measure";
import { commit, Report } from "./report";
import { coldMail, countAll, mailshift } from "./scale/tools";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stderr = (s: string) => process.stderr.write(`[bench] ${s}\n`);

/** The Pulumi program: one MailboxMigration per entry of the list file (passwords made secret by the resource). */
function program(list: string): string {
  const resource = path.join(repoRoot(), "dist", "providers", "mailboxMigration", "resource.js");
  return `const fs = require("node:fs");
const pulumi = require("@pulumi/pulumi");
const { MailboxMigration } = require(${JSON.stringify(resource)});
const generation = new pulumi.Config("bench").getNumber("generation") ?? 0;
const { mailboxes } = JSON.parse(fs.readFileSync(${JSON.stringify(list)}, "utf8"));
const side = (url, password) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), tls: "starttls", user: decodeURIComponent(u.username), password };
};
const migrations = mailboxes.map((m, i) =>
  new MailboxMigration("mailbox" + i, { source: side(m.from, m.fromPassword), destination: side(m.to, m.toPassword), syncGeneration: generation }),
);
exports.copied = pulumi.all(migrations.map((m) => m.totals)).apply((t) => t.reduce((n, x) => n + x.copied, 0));
exports.verified = pulumi.all(migrations.map((m) => m.verified)).apply((v) => v.filter(Boolean).length);
`;
}

class PulumiProject {
  constructor(
    private readonly bin: string,
    private readonly dir: string,
  ) {}

  env(): Record<string, string> {
    return {
      PULUMI_BACKEND_URL: `file://${path.join(this.dir, "backend")}`,
      PULUMI_HOME: path.join(this.dir, "home"),
      PULUMI_CONFIG_PASSPHRASE: "mailshift-bench",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PATH: [path.dirname(process.execPath), this.bin, process.env.PATH ?? ""].join(path.delimiter),
      NODE_PATH: path.join(repoRoot(), "node_modules"),
    };
  }

  /** `pulumi ARGS` in the project under GNU time (wall and CPU of pulumi and the processes it waited for). */
  async run(args: string[]): Promise<Measured> {
    const saved = { ...process.env };
    Object.assign(process.env, this.env());
    const cwd = process.cwd();
    process.chdir(path.join(this.dir, "project"));
    try {
      const m = await measureAsync(path.join(this.bin, "pulumi"), [...args, "--non-interactive"]);
      if (m.code !== 0)
        throw new Error(`pulumi ${args.join(" ")} exited with ${m.code}:\n${m.stdout.slice(-3000)}\n${m.stderr.slice(-3000)}`);
      return m;
    } finally {
      process.chdir(cwd);
      for (const k of Object.keys(this.env())) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  }

  static async create(bin: string, dir: string, list: string): Promise<PulumiProject> {
    for (const d of ["project", "backend", "home"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const project = path.join(dir, "project");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: mailshift-bench\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "mailshift-bench", main: "index.js" }));
    fs.writeFileSync(path.join(project, "index.js"), program(list));
    const p = new PulumiProject(bin, dir);
    await p.run(["stack", "init", "bench"]);
    return p;
  }

  async outputs(): Promise<{ copied: number; verified: number }> {
    return JSON.parse((await this.run(["stack", "output", "--json"])).stdout) as { copied: number; verified: number };
  }
}

async function main(): Promise<void> {
  ensureDovecot();
  ensureGnuTime();
  const bin = ensureEngine();
  if (!bin) throw new Error("no Pulumi CLI: scripts/pulumi.sh could not build one here");
  const m = /^(\d+)x(\d+)$/.exec(arg("--scale") ?? "8x1000");
  if (!m) throw new Error("--scale takes MAILBOXESxMESSAGES, e.g. 8x1000");
  const [mailboxes, messages] = [Number(m[1]), Number(m[2])];
  const rounds = Number(arg("--rounds") ?? 3);
  const parallel = Number(arg("--parallel") ?? 4);
  const seed = 7;
  const rate = 0.02;
  const report = new Report(arg("--out"));
  const idx = Array.from({ length: mailboxes }, (_, i) => i);
  const src = idx.map((i): MailUser => ({ user: `src${i}`, password: `src${i}-pw` }));
  const viaMs = idx.map((i): MailUser => ({ user: `ms${i}`, password: `ms${i}-pw` }));
  const viaPu = idx.map((i): MailUser => ({ user: `pu${i}`, password: `pu${i}-pw` }));
  const old = await Dovecot.start({ layout: "old", users: src, name: "pulumi-bench-old", keepDir: false });
  const fresh = await Dovecot.start({ layout: "new", users: [...viaMs, ...viaPu], name: "pulumi-bench-new", keepDir: false });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-pulumi-bench-"));
  try {
    stderr(`${mailboxes}x${messages}: generating`);
    const loaded = await loadMailboxes(
      old,
      src.map((u) => u.user),
      { seed, mailboxes, messagesPerMailbox: messages, attachmentRate: rate },
      2,
    );
    const ms = mailshift(work, old, src, fresh, viaMs, parallel);
    const list = path.join(work, "pulumi-mailboxes.json");
    const entries = src.map((s, i) => ({
      from: old.url(s.user),
      fromPassword: s.password,
      to: fresh.url(viaPu[i].user),
      toPassword: viaPu[i].password,
    }));
    fs.writeFileSync(list, JSON.stringify({ mailboxes: entries }), { mode: 0o600 });
    const pu = await PulumiProject.create(bin, path.join(work, "pulumi"), list);
    let generation = 0;
    const up = async () => {
      await pu.run(["config", "set", "bench:generation", String(generation++)]);
      coldMail();
      return (await pu.run(["up", "--yes", "--skip-preview", "--parallel", String(parallel)])).wallS;
    };

    stderr("copies");
    const puCopy = await up();
    const msCopy = (await ms(true)).m.wallS;
    const copiedByPulumi = await pu.outputs();
    if (copiedByPulumi.copied !== loaded.messages || copiedByPulumi.verified !== mailboxes)
      throw new Error(
        `pulumi up copied ${copiedByPulumi.copied} of ${loaded.messages}, ${copiedByPulumi.verified} of ${mailboxes} verified`,
      );
    await ms(true); // records the watermarks of the folders the copy appended to (as the provider's next pass does)

    const delta = Math.max(1, Math.round(messages / 100));
    const puDelta: number[] = [];
    const msDelta: number[] = [];
    for (let k = 1; k <= rounds; k++) {
      stderr(`round ${k} of ${rounds}`);
      for (const i of idx) {
        const plans = Array.from({ length: delta }, (_, j) => planMessage(seed + 200 + k, i, messages + k * delta + j, rate));
        await addMessages(old, src[i].user, plans, `p${k}`);
      }
      if (k % 2) {
        puDelta.push(await up());
        msDelta.push((await ms(true)).m.wallS);
      } else {
        msDelta.push((await ms(true)).m.wallS);
        puDelta.push(await up());
      }
      const out = await pu.outputs();
      if (out.copied !== delta * mailboxes || out.verified !== mailboxes)
        throw new Error(
          `round ${k}: pulumi up copied ${out.copied}, expected ${delta * mailboxes}; ${out.verified} of ${mailboxes} verified`,
        );
    }
    const expected = loaded.messages + rounds * delta * mailboxes;
    const [onMs, onPu] = [await countAll(fresh, viaMs), await countAll(fresh, viaPu)];
    if (onMs !== expected || onPu !== expected)
      throw new Error(`on the destinations: sync-many ${onMs}, pulumi up ${onPu}, expected ${expected}`);

    report.line(
      `mailshift pulumi-up benchmark, ${new Date().toISOString().slice(0, 10)}, commit ${commit()}: ${os.cpus().length} CPUs, node ${process.version}, Pulumi CLI ${bin}`,
    );
    report.heading(
      `${mailboxes} x ${messages}: ${loaded.messages} messages (${(loaded.bytes / 2 ** 20).toFixed(0)} MB), ${parallel} at a time`,
    );
    report.line(
      `Each on its own destination accounts; on them afterwards: sync-many ${onMs}, pulumi up ${onPu}, of ${expected}. ` +
        `Deltas: ${delta * mailboxes} new messages a round, medians of ${rounds} rounds; ratio = pulumi up / sync-many (time).`,
    );
    const row = (what: string, p: number[], s: number[]) => [
      what,
      median(s).toFixed(2),
      median(p).toFixed(2),
      `${(median(p) / median(s)).toFixed(2)}x`,
      p.map((x) => x.toFixed(2)).join(", "),
      s.map((x) => x.toFixed(2)).join(", "),
    ];
    report.table({
      head: ["pass", "sync-many s", "pulumi up s", "ratio", "pulumi up, each", "sync-many, each"],
      rows: [row("copy", [puCopy], [msCopy]), row("1% delta (watermarks)", puDelta, msDelta)],
    });
  } finally {
    await stopAllDovecots();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
