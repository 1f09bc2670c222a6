// What the whole machine did during a run: how busy its CPUs were, how long they sat waiting for the disk, and
// how much the block devices read and wrote. With both servers on the benchmark's machine, a tool can only be
// as fast as the disk allows: these columns show when that, not the tool, set the pace.
import { readFileSync } from "node:fs";

export interface MachineSnapshot {
  /** Jiffies from /proc/stat's "cpu" line. */
  busy: number;
  iowait: number;
  idle: number;
  /** KiB read from and written to block devices since boot (/proc/vmstat pgpgin, pgpgout). */
  readKiB: number;
  writtenKiB: number;
}

export interface MachineUse {
  /** Shares of all CPUs' time, in percent. */
  busyPct: number;
  iowaitPct: number;
  idlePct: number;
  diskReadMB: number;
  diskWrittenMB: number;
}

/** Parses /proc/stat and /proc/vmstat texts (pure, for the tests). */
export function parseSnapshot(stat: string, vmstat: string): MachineSnapshot {
  const cpu = stat.split("\n").find((l) => /^cpu\s/.test(l));
  if (!cpu) throw new Error("/proc/stat has no cpu line");
  // user nice system idle iowait irq softirq steal (guest times are already inside user and nice)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu.trim().split(/\s+/).slice(1).map(Number);
  const counter = (name: string) => {
    const m = new RegExp(`^${name} (\\d+)$`, "m").exec(vmstat);
    if (!m) throw new Error(`/proc/vmstat has no ${name}`);
    return Number(m[1]);
  };
  return {
    busy: user + nice + system + irq + softirq + (steal || 0),
    iowait,
    idle,
    readKiB: counter("pgpgin"),
    writtenKiB: counter("pgpgout"),
  };
}

export function snapshot(): MachineSnapshot {
  return parseSnapshot(readFileSync("/proc/stat", "utf8"), readFileSync("/proc/vmstat", "utf8"));
}

/** What happened between two snapshots. */
export function machineUse(a: MachineSnapshot, b: MachineSnapshot): MachineUse {
  const busy = b.busy - a.busy;
  const iowait = b.iowait - a.iowait;
  const idle = b.idle - a.idle;
  const all = busy + iowait + idle || 1;
  return {
    busyPct: (100 * busy) / all,
    iowaitPct: (100 * iowait) / all,
    idlePct: (100 * idle) / all,
    diskReadMB: (b.readKiB - a.readKiB) / 1024,
    diskWrittenMB: (b.writtenKiB - a.writtenKiB) / 1024,
  };
}
