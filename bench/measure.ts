// Runs a command under GNU time and returns wall time, peak memory and CPU time: the same yardstick for
// mailshift and mbsync.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

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
  execFileSync("apt-get", ["install", "-y", "-qq", "time"], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

const MARK = "@@bench@@";

function parse(cmd: string, code: number | null, stdout: string, stderr: string): Measured {
  const line = stderr.split("\n").find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`no timing from ${cmd}: ${stderr.slice(-2000)}`);
  const [, wall, rssKb, user, sys] = line.split(" ");
  return {
    wallS: Number(wall),
    peakRssMb: Number(rssKb) / 1024,
    cpuS: Number(user) + Number(sys),
    code: code ?? -1,
    stdout,
    stderr: stderr
      .split("\n")
      .filter((l) => !l.startsWith(MARK))
      .join("\n"),
  };
}

const timeArgs = (cmd: string, args: string[]) => ["-f", `${MARK} %e %M %U %S`, cmd, ...args];

/**
 * The environment of a measured command: this Node's directory first on PATH, so that bin/mailshift.js, run as
 * a program as `npx mailshift` runs it (its first line finds `node` on PATH), gets the Node running this.
 */
export function withThisNode(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
}

export function measure(cmd: string, args: string[], env: Record<string, string> = {}): Measured {
  const r = spawnSync("/usr/bin/time", timeArgs(cmd, args), {
    env: withThisNode(env),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return parse(cmd, r.status, r.stdout, r.stderr);
}

/** As measure, without blocking: `onTick` runs every `tickMs` while the command runs, to report progress. */
export function measureAsync(cmd: string, args: string[], onTick?: () => void, tickMs = 2_000): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", timeArgs(cmd, args), { stdio: ["ignore", "pipe", "pipe"], env: withThisNode() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = onTick ? setInterval(onTick, tickMs) : undefined;
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearInterval(timer);
      try {
        resolve(parse(cmd, code, Buffer.concat(out).toString("utf8"), Buffer.concat(err).toString("utf8")));
      } catch (e) {
        reject(e);
      }
    });
  });
}
