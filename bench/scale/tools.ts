// The two tools under test as the scale benchmark runs them, each under GNU time, and the IMAP count that
// checks what they left on the destination.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import type { Dovecot, MailUser } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { FOLDERS } from "../generateCorpus";
import { machineUse, snapshot, type MachineUse } from "../machine";
import { measureAsync, withThisNode, type Measured } from "../measure";
import { mbsyncConfig } from "../mbsync";

/** The 1-minute load average when a run starts: what else the machine was doing. */
export const load = () => os.loadavg()[0].toFixed(2);

export interface Run {
  m: Measured;
  load: string;
  /** CPU seconds both Dovecot servers spent during the run: on 2 shared cores, part of each tool's cost. */
  serverCpuS: number;
  /** Messages the tool copied in this run. */
  copied?: number;
  /** mailshift: folders skipped as unchanged since the watermarks it started from (local or on the destination). */
  unchangedFolders?: number;
  /** The whole machine meanwhile: CPU busy and waiting for the disk, disk bytes read and written. */
  machine?: MachineUse;
}

const TICKS = 100; // USER_HZ: /proc's clock ticks per second on Linux

/** CPU seconds of a process and its reaped children, from /proc/PID/stat (utime stime cutime cstime). */
function procCpuS(pid: string): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
  } catch {
    return 0; // gone between listing and reading
  }
}

/** CPU used so far by a Dovecot server: its master with every child, live or reaped (imap, auth, login). */
export function serverCpuS(d: Dovecot): number {
  const master = execFileSync("pgrep", ["-o", "-f", d.confPath], { encoding: "utf8" }).trim();
  let total = procCpuS(master);
  for (const pid of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[1] === master) total += procCpuS(pid);
    } catch {
      // exited meanwhile: its time is in the master's cutime now
    }
  }
  return total;
}

/**
 * Empties the page cache (root only): each tool then reads the old host's mail from disk, as a migration does,
 * and writes into free memory. Without it the figures followed what the run before had left in memory: the same
 * one-mailbox copy by mbsync took 0.97 s in one run and 2.35 s in another. Returns whether it could.
 */
function dropCaches(): boolean {
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "3\n");
    return true;
  } catch {
    return false;
  }
}

/** Writes out dirty pages (so a run does not pay for the writes of the one before it), then empties the cache. */
function emptyCache(): boolean {
  execFileSync("sync");
  return dropCaches();
}

/**
 * The command line a user runs: bin/mailshift.js, run as a program as `npx mailshift` runs it, which starts Node
 * again with its garbage-collector budget and loads the one-file bundle that `npm run build` makes.
 */
const MAILSHIFT_BIN = path.join(repoRoot(), "bin", "mailshift.js");

/** Each tool started once with nothing to do, exit status ignored: its program files are read into memory. */
const starts: [string, string[]][] = [
  [MAILSHIFT_BIN, ["--help"]],
  ["mbsync", ["--version"]],
];

/**
 * Reads both tools' program files (Node and mailshift's bundle; mbsync) back into memory after the cache was
 * emptied, so a measured run times the copy with the mail cold, not loading a program from a cold disk: a
 * migration starts its tool once, and the Pulumi provider runs the engine in a Node process already running.
 * What a cold start costs each tool is measured apart (coldStarts) and printed in the report's first line.
 */
export function warmPrograms(): void {
  for (const start of starts) startOnce(start);
}

/** Starts one of `starts` and waits for it to exit. */
function startOnce([cmd, args]: [string, string[]]): void {
  spawnSync(cmd, args, { stdio: "ignore", env: withThisNode() });
}

/** Seconds each tool takes to start and exit with nothing to do, from a cold page cache (median of three). */
export function coldStarts(): { mailshift: number; mbsync: number } | undefined {
  const time = (start: [string, string[]]) => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (!emptyCache()) return undefined;
      const t = process.hrtime.bigint();
      startOnce(start);
      runs.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return runs.sort((a, b) => a - b)[1];
  };
  const mailshift = time(starts[0]);
  const mbsync = time(starts[1]);
  return mailshift === undefined || mbsync === undefined ? undefined : { mailshift, mbsync };
}

/**
 * Empties the page cache and starts both tools once: the state every measured run starts from (the mail on disk,
 * the programs in memory). False when the cache could not be emptied (not root).
 */
export function coldMail(): boolean {
  const emptied = emptyCache();
  warmPrograms();
  return emptied;
}

/**
 * Runs `f` after emptying the page cache and starting both tools once (coldMail), and returns
 * its result with the CPU both servers spent meanwhile and what the machine did.
 */
async function measured<T extends { m: Measured }>(
  servers: readonly Dovecot[],
  f: () => Promise<T>,
): Promise<T & { serverCpuS: number; machine: MachineUse }> {
  coldMail();
  const before = servers.reduce((t, d) => t + serverCpuS(d), 0);
  const at = snapshot();
  const r = await f();
  const machine = machineUse(at, snapshot());
  return { ...r, serverCpuS: servers.reduce((t, d) => t + serverCpuS(d), 0) - before, machine };
}

/** Messages on a whole account by STATUS, without fetching anything. */
export async function countMessages(d: Dovecot, u: MailUser): Promise<number> {
  const c = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user: u.user, pass: u.password }, logger: false });
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

export async function countAll(d: Dovecot, users: readonly MailUser[]): Promise<number> {
  let n = 0;
  for (const u of users) n += await countMessages(d, u);
  return n;
}

/**
 * `mailshift sync-many` over the pairs from[i] -> to[i], `parallel` at a time, optionally with a state file;
 * throws unless every mailbox verified.
 */
export function mailshift(
  work: string,
  old: Dovecot,
  from: readonly MailUser[],
  fresh: Dovecot,
  to: readonly MailUser[],
  parallel: number,
) {
  const list = path.join(work, "mailboxes.json");
  const mailboxes = from.map((f, i) => ({
    from: old.url(f.user),
    fromPassword: f.password,
    to: fresh.url(to[i].user),
    toPassword: to[i].password,
  }));
  writeFileSync(list, JSON.stringify({ mailboxes }), { mode: 0o600 });
  const state = path.join(work, "state.json");
  const cli = MAILSHIFT_BIN;
  /** `serverState` false: as a destination without METADATA, nothing kept there nor read (--no-server-state). */
  return async (
    withState: boolean,
    onTick?: () => void,
    serverState = true,
  ): Promise<Run & { copied: number; unchangedFolders: number }> => {
    const l = load();
    const {
      m,
      serverCpuS: server,
      machine,
    } = await measured([old, fresh], async () => ({
      m: await measureAsync(
        cli,
        [
          "sync-many",
          "--mailboxes",
          list,
          "--parallel",
          String(parallel),
          "--json",
          ...(withState ? ["--state", state] : []),
          ...(serverState ? [] : ["--no-server-state"]),
        ],
        onTick,
      ),
    }));
    let out: { totals: { copied: number; verified: number; mailboxes: number }; mailboxes?: { unchangedFolders?: number }[] } | undefined;
    try {
      out = JSON.parse(m.stdout) as typeof out;
    } catch {
      // reported below with the output
    }
    if (m.code !== 0 || !out || out.totals.verified !== out.totals.mailboxes)
      throw new Error(`mailshift sync-many exit ${m.code}: ${m.stdout.slice(0, 2000)} ${m.stderr.slice(-2000)}`);
    const unchangedFolders = (out.mailboxes ?? []).reduce((n, r) => n + (r.unchangedFolders ?? 0), 0);
    return { m, load: l, copied: out.totals.copied, unchangedFolders, serverCpuS: server, machine };
  };
}

/** mbsync, one process per mailbox from[i] -> to[i], `parallel` at a time (xargs -P), CopyArrivalDate yes. */
export function mbsync(work: string, old: Dovecot, from: readonly MailUser[], fresh: Dovecot, to: readonly MailUser[], parallel: number) {
  const confs = from.map((f, i) =>
    mbsyncConfig(
      path.join(work, `mbsync${i}`),
      { host: old.host, port: old.port, user: f.user, password: f.password, prefix: "INBOX." },
      { host: fresh.host, port: fresh.port, user: to[i].user, password: to[i].password, prefix: "" },
      FOLDERS.map((x) => (x.path.length ? x.path.join("/") : "INBOX")),
    ),
  );
  const list = path.join(work, "mbsync-configs");
  writeFileSync(list, `${confs.join("\n")}\n`);
  return async (onTick?: () => void): Promise<Run> => {
    const l = load();
    const {
      m,
      serverCpuS: server,
      machine,
    } = await measured([old, fresh], async () => ({
      m: await measureAsync("xargs", ["-P", String(parallel), "-I{}", "-a", list, "mbsync", "-c", "{}", "-q", "-a"], onTick),
    }));
    if (m.code !== 0) throw new Error(`mbsync failed (xargs exit ${m.code}): ${m.stderr.slice(-2000)}`);
    return { m, load: l, serverCpuS: server, machine };
  };
}
