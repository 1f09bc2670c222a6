// Runs a command under GNU time and returns wall time, peak memory and CPU time: the same yardstick for
// mailshift and mbsync.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Measured {
  wallS: number;
  peakRssMb: number;
  cpuS: number;
  code: number;
  stdout: string;
  stderr: string;
}

export function ensureGnuTime(): void {
  if (existsSync("/usr/bin/time")) return;
  if (process.getuid?.() !== 0) throw new Error("bench needs GNU time: apt-get install time");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
  execFileSync("apt-get", ["install", "-y", "-qq", "time"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

const MARK = "@@bench@@";

export function measure(cmd: string, args: string[], env: Record<string, string> = {}): Measured {
  const r = spawnSync("/usr/bin/time", ["-f", `${MARK} %e %M %U %S`, cmd, ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = r.stderr.split("\n").find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`no timing from ${cmd}: ${r.stderr.slice(-2000)}`);
  const [, wall, rssKb, user, sys] = line.split(" ");
  return {
    wallS: Number(wall),
    peakRssMb: Number(rssKb) / 1024,
    cpuS: Number(user) + Number(sys),
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr.split("\n").filter((l) => !l.startsWith(MARK)).join("\n"),
  };
}
