// Small process and port helpers for the harness's throwaway loopback servers (Dovecot, Cyrus, Courier, Exim), each
// leading its own process group.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with the first line the port sends, or rejects (refused, closed, timed out). */
export function greeting(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = "";
    const done = (err: Error | undefined, line?: string) => {
      sock.destroy();
      if (err) reject(err);
      else resolve(line ?? "");
    };
    sock.setTimeout(timeoutMs, () => done(new Error("timed out waiting for a greeting")));
    sock.on("error", (e) => done(e));
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      const i = buf.indexOf("\r\n");
      if (i >= 0) done(undefined, buf.slice(0, i));
    });
    sock.on("close", () => done(new Error("closed before a greeting")));
  });
}

/** True when nothing accepts connections on the port any more. */
export function portClosed(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.on("connect", () => {
      sock.destroy();
      resolve(false);
    });
    sock.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

/** Signals a process group led by `pid` (spawned detached); a group already gone is fine. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

/** True while any process of the group led by `pid` is alive. */
export function groupAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Awaits `p` with the event loop held open: a server's process handle is unref'd (a forgotten server must not keep a
 * test run alive), so awaiting its exit alone would let Node end mid-stop, silently.
 */
export async function held<T>(p: Promise<T>): Promise<T> {
  const t = setInterval(() => undefined, 1_000);
  try {
    return await p;
  } finally {
    clearInterval(t);
  }
}

/**
 * A tiny shell that kills the group led by `pid` if this process dies without running its exit hook (SIGKILL,
 * crash): its stdin is a pipe from us, and EOF on it means we are gone. `release()` (a clean stop) writes a line
 * first. `removeDir`, when given, is deleted once the group is gone.
 */
export function startWatchdog(pid: number, removeDir: string, name: string): { release(): void } {
  const script =
    'read -r _ && exit 0; kill -s TERM -- "-$1" 2>/dev/null; sleep 2; kill -s KILL -- "-$1" 2>/dev/null; [ -n "$2" ] || exit 0; while kill -0 -- "-$1" 2>/dev/null; do sleep 0.2; done; rm -rf -- "$2"';
  const w: ChildProcess = spawn("sh", ["-c", script, name, String(pid), removeDir], { stdio: ["pipe", "ignore", "ignore"] });
  w.on("error", () => undefined);
  w.stdin?.on("error", () => undefined);
  w.unref();
  (w.stdin as net.Socket | null)?.unref();
  return {
    release() {
      if (w.stdin && !w.stdin.destroyed) w.stdin.end("stop\n");
    },
  };
}

/**
 * The servers of one kind this process started. A test run that ends without stopping them must not leave them
 * behind, so each is killed when the process exits; exit handlers are synchronous, so a signal is all there is.
 */
export class RunningServers<T extends { killNow(): void; stop(): Promise<void> }> {
  private readonly all = new Set<T>();
  private hooked = false;

  add(server: T): void {
    if (!this.hooked) {
      this.hooked = true;
      process.on("exit", () => {
        for (const s of this.all) s.killNow();
      });
    }
    this.all.add(server);
  }

  delete(server: T): void {
    this.all.delete(server);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.all].map((s) => s.stop()));
  }
}
