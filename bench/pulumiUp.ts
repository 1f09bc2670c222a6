// Issue 23: `pulumi up` against `mailshift sync-many` on the same mail, same run. The real Pulumi CLI (built by
// scripts/pulumi.sh) runs a program of one MailboxMigration per mailbox, the copy inside Pulumi's own Node process
// (the dynamic-provider host); sync-many copies the same source mailboxes into other destination accounts. Each
// copies `--copies` times (fresh accounts, a new stack each time), then each round adds 1% new mail to every
// source mailbox and times `pulumi up` (syncGeneration bumped: the provider's delta pass, from the watermarks in
// Pulumi's state) against `sync-many --state`, in rotating order. Pulumi's parallelism is set to sync-many's
// (--parallel) unless --pulumi-parallel says otherwise ("default": Pulumi's own). Before each timed `pulumi up`, a
// `pulumi up` of a program with no resources starts Pulumi once with nothing to do (as the other tools are
// started once before theirs) and is timed: Pulumi's own fixed cost, in the report beside the rest.
// --compare DIST adds a second `pulumi up` whose program loads MailboxMigration from another build's dist/ (the
// commit before a change): an A/B in the same run, on the same mail. Ratios in the report, never asserted.
// Last, --noops passes with nothing new: `pulumi up` unbumped (check and diff only) against `sync-many --state`.
//   node dist/bench/pulumiUp.js [--scale 8x1000] [--rounds 3] [--copies 1] [--noops ROUNDS] [--parallel 4]
//     [--pulumi-parallel N|default] [--compare OTHER/dist] [--out bench/results/FILE.md]
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

/**
 * The Pulumi program: one MailboxMigration per entry of the list file the stack's `bench:list` names (passwords
 * made secret by the resource), MailboxMigration from the build `dist` (this one, or --compare's).
 */
function program(dist: string): string {
  const resource = path.join(dist, "providers", "mailboxMigration", "resource.js");
  return `const fs = require("node:fs");
const pulumi = require("@pulumi/pulumi");
const { MailboxMigration } = require(${JSON.stringify(resource)});
const config = new pulumi.Config("bench");
const generation = config.getNumber("generation") ?? 0;
const { mailboxes } = JSON.parse(fs.readFileSync(config.require("list"), "utf8"));
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

// The runtime options of the project's own Pulumi.yaml (the program is JavaScript, compiled by `npm run build`).
const PULUMI_YAML = "name: mailshift-bench\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n";

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

  /** A project whose index.js is `source`, with one stack per entry of `stacks` (its `bench:list`, if any). */
  static async create(bin: string, dir: string, source: string, stacks: Record<string, string | undefined>): Promise<PulumiProject> {
    for (const d of ["project", "backend", "home"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const project = path.join(dir, "project");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), PULUMI_YAML);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "mailshift-bench", main: "index.js" }));
    fs.writeFileSync(path.join(project, "index.js"), source);
    const p = new PulumiProject(bin, dir);
    for (const [stack, list] of Object.entries(stacks)) {
      await p.run(["stack", "init", stack]);
      if (list) await p.run(["config", "set", "--stack", stack, "bench:list", list]);
    }
    return p;
  }

  async outputs(stack: string): Promise<{ copied: number; verified: number }> {
    return JSON.parse((await this.run(["stack", "output", "--json", "--stack", stack])).stdout) as { copied: number; verified: number };
  }
}

/** Wall and CPU seconds (the tool's processes and those it waited for: for pulumi, its plugins and program). */
type Times = Pick<Measured, "wallS" | "cpuS">;

interface Tool {
  name: string;
  copy(set: number): Promise<Times>;
  /** A pass after new mail (syncGeneration bumped), or with `bump` false, a `pulumi up` with nothing to do. */
  resync(bump: boolean): Promise<Times>;
  check?(round: number): Promise<void>;
}

/** Each time as it comes, on stderr (a run that dies late still shows what it measured). */
function said(what: string, t: Times): Times {
  stderr(`${what}: ${t.wallS.toFixed(2)} s, CPU ${t.cpuS.toFixed(2)} s`);
  return t;
}

/** The order of the tools in round k: each one first in turn. */
function rotated<T>(xs: readonly T[], k: number): T[] {
  return xs.map((_, i) => xs[(i + k) % xs.length]);
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
  const copies = Number(arg("--copies") ?? 1);
  const noops = Number(arg("--noops") ?? rounds);
  const parallel = Number(arg("--parallel") ?? 4);
  const pulumiParallel = arg("--pulumi-parallel") ?? String(parallel);
  const compare = arg("--compare");
  if (compare && !fs.existsSync(path.join(compare, "providers", "mailboxMigration", "resource.js")))
    throw new Error(`--compare ${compare}: no providers/mailboxMigration/resource.js there; give another build's dist/`);
  const seed = 7;
  const rate = 0.02;
  const report = new Report(arg("--out"));
  const idx = Array.from({ length: mailboxes }, (_, i) => i);
  const sets = Array.from({ length: copies }, (_, c) => c);
  const accounts = (prefix: string) =>
    sets.map((c) => idx.map((i): MailUser => ({ user: `${prefix}${c}x${i}`, password: `${prefix}${c}x${i}-pw` })));
  const src = idx.map((i): MailUser => ({ user: `src${i}`, password: `src${i}-pw` }));
  const viaMs = accounts("ms");
  const viaPu = accounts("pu");
  const viaBase = compare ? accounts("pb") : [];
  const old = await Dovecot.start({ layout: "old", users: src, name: "pulumi-bench-old", keepDir: false });
  const fresh = await Dovecot.start({
    layout: "new",
    users: [...viaMs, ...viaPu, ...viaBase].flat(),
    name: "pulumi-bench-new",
    keepDir: false,
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-pulumi-bench-"));
  try {
    stderr(`${mailboxes}x${messages}: generating`);
    const loaded = await loadMailboxes(
      old,
      src.map((u) => u.user),
      { seed, mailboxes, messagesPerMailbox: messages, attachmentRate: rate },
      2,
    );
    const delta = Math.max(1, Math.round(messages / 100));
    const empty = await PulumiProject.create(bin, path.join(work, "empty"), "exports.resources = 0;\n", { bench: undefined });
    const emptyUps: Times[] = [];
    /** `pulumi up` of `stack` after an empty cache and Pulumi started once with nothing to do (timed too). */
    const pulumiTool = async (name: string, dist: string, to: MailUser[][]): Promise<Tool> => {
      const stacks: Record<string, string> = {};
      for (const c of sets) {
        const list = path.join(work, `${name}-${c}.json`);
        const entries = src.map((s, i) => ({
          from: old.url(s.user),
          fromPassword: s.password,
          to: fresh.url(to[c][i].user),
          toPassword: to[c][i].password,
        }));
        fs.writeFileSync(list, JSON.stringify({ mailboxes: entries }), { mode: 0o600 });
        stacks[`copy${c}`] = list;
      }
      const pu = await PulumiProject.create(bin, path.join(work, name), program(dist), stacks);
      let generation = 0;
      const up = async (stack: string, bump = true) => {
        if (bump) await pu.run(["config", "set", "--stack", stack, "bench:generation", String(generation++)]);
        coldMail();
        emptyUps.push(await empty.run(["up", "--yes", "--skip-preview", "--stack", "bench"]));
        const parallelArgs = pulumiParallel === "default" ? [] : ["--parallel", pulumiParallel];
        return await pu.run(["up", "--yes", "--skip-preview", "--stack", stack, ...parallelArgs]);
      };
      const expectCopied = async (stack: string, copied: number, what: string) => {
        const out = await pu.outputs(stack);
        if (out.copied !== copied || out.verified !== mailboxes)
          throw new Error(`${what}: ${name} copied ${out.copied}, expected ${copied}; ${out.verified} of ${mailboxes} verified`);
      };
      return {
        name,
        copy: async (c) => {
          const s = await up(`copy${c}`);
          await expectCopied(`copy${c}`, loaded.messages, "copy");
          return s;
        },
        resync: (bump) => up("copy0", bump),
        check: (k) => expectCopied("copy0", delta * mailboxes, `round ${k}`),
      };
    };
    const syncMany = sets.map((c) => {
      const dir = path.join(work, `sync-many-${c}`);
      fs.mkdirSync(dir);
      return mailshift(dir, old, src, fresh, viaMs[c], parallel);
    });
    const tools: Tool[] = [
      await pulumiTool("pulumi up", path.join(repoRoot(), "dist"), viaPu),
      ...(compare ? [await pulumiTool("pulumi up (--compare)", compare, viaBase)] : []),
      {
        name: "sync-many",
        copy: async (c) => (await syncMany[c](true)).m,
        resync: async () => (await syncMany[0](true)).m,
      },
    ];
    const copyS = new Map<string, Times[]>(tools.map((t) => [t.name, []]));
    const deltaS = new Map<string, Times[]>(tools.map((t) => [t.name, []]));
    const noopS = new Map<string, Times[]>(tools.map((t) => [t.name, []]));

    for (const c of sets) {
      stderr(`copy ${c + 1} of ${copies}`);
      for (const t of rotated(tools, c)) copyS.get(t.name)?.push(said(`copy: ${t.name}`, await t.copy(c)));
    }
    await syncMany[0](true); // records the watermarks of the folders the copy appended to (as the provider's next pass does)

    for (let k = 1; k <= rounds; k++) {
      stderr(`round ${k} of ${rounds}`);
      for (const i of idx) {
        const plans = Array.from({ length: delta }, (_, j) => planMessage(seed + 200 + k, i, messages + k * delta + j, rate));
        await addMessages(old, src[i].user, plans, `p${k}`);
      }
      for (const t of rotated(tools, k)) deltaS.get(t.name)?.push(said(`1% delta: ${t.name}`, await t.resync(true)));
      for (const t of tools) await t.check?.(k);
    }
    // nothing new: Pulumi checks and diffs every resource and updates none; sync-many --state lists nothing new
    for (let k = 1; k <= noops; k++) {
      stderr(`no-op ${k} of ${noops}`);
      for (const t of rotated(tools, k)) noopS.get(t.name)?.push(said(`no-op: ${t.name}`, await t.resync(false)));
    }
    const expected = loaded.messages + rounds * delta * mailboxes;
    const expectedAt = (set: number) => (set === 0 ? expected : loaded.messages);
    for (const [name, via] of [
      ["sync-many", viaMs],
      ["pulumi up", viaPu],
      ["pulumi up (--compare)", viaBase],
    ] as const)
      for (const [c, users] of via.entries()) {
        const on = await countAll(fresh, users);
        if (on !== expectedAt(c)) throw new Error(`on the destinations of ${name}, copy ${c}: ${on}, expected ${expectedAt(c)}`);
      }

    report.line(
      `mailshift pulumi-up benchmark, ${new Date().toISOString().slice(0, 10)}, commit ${commit()}: ${os.cpus().length} CPUs, node ${process.version}, Pulumi CLI ${bin}` +
        (compare ? `; --compare ${compare}` : ""),
    );
    report.heading(
      `${mailboxes} x ${messages}: ${loaded.messages} messages (${(loaded.bytes / 2 ** 20).toFixed(0)} MB), sync-many --parallel ${parallel}, pulumi up --parallel ${pulumiParallel}`,
    );
    report.line(
      `Each tool on its own destination accounts, every one checked afterwards (message counts). Copies: ${copies} each; ` +
        `deltas: ${delta * mailboxes} new messages a round, ${rounds} rounds; ${noops} no-op passes; order rotated each time; medians. ` +
        "ratio = tool / sync-many (time); empty = `pulumi up` of a program with no resources, run just before each timed `pulumi up`.",
    );
    const passes = (
      [
        ["copy", copyS],
        ["1% delta", deltaS],
        ["no-op", noopS],
      ] as const
    ).filter(([, what]) => (what.get("sync-many") ?? []).length > 0);
    const wall = (xs: readonly Times[]) => median(xs.map((x) => x.wallS));
    const cpu = (xs: readonly Times[]) => median(xs.map((x) => x.cpuS));
    const emptyWall = wall(emptyUps);
    const row = (pass: string, name: string, what: Map<string, Times[]>) => {
      const xs = what.get(name) ?? [];
      const base = wall(what.get("sync-many") ?? []);
      const own = name === "sync-many";
      return [
        `${pass}: ${name}`,
        wall(xs).toFixed(2),
        own ? "" : `${(wall(xs) / base).toFixed(2)}x`,
        own ? "" : `${((wall(xs) - emptyWall) / base).toFixed(2)}x`,
        cpu(xs).toFixed(2),
        xs.map((x) => x.wallS.toFixed(2)).join(", "),
      ];
    };
    report.table({
      head: ["pass: tool", "wall s", "ratio", "ratio less empty", "CPU s", "wall, each"],
      rows: [
        ...passes.flatMap(([pass, what]) => tools.map((t) => row(pass, t.name, what))),
        [
          "empty program: pulumi up",
          emptyWall.toFixed(2),
          "",
          "",
          cpu(emptyUps).toFixed(2),
          emptyUps.map((x) => x.wallS.toFixed(2)).join(", "),
        ],
      ],
    });
    if (compare) {
      // the two builds ran next to each other in every round: the median of their paired differences
      const paired = (what: Map<string, Times[]>, f: (x: Times) => number) => {
        const [a, b] = [what.get("pulumi up") ?? [], what.get("pulumi up (--compare)") ?? []];
        return median(a.map((x, i) => f(x) - f(b[i]))).toFixed(2);
      };
      report.table(
        {
          head: ["pass", "wall s", "CPU s"],
          rows: passes.map(([pass, what]) => [pass, paired(what, (x) => x.wallS), paired(what, (x) => x.cpuS)]),
        },
        "this build less --compare's, paired by round (median; negative: this build is faster)",
      );
    }
  } finally {
    await stopAllDovecots();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
