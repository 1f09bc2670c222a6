// Real authoritative DNS servers for the tests: NSD from Debian, one process per server, on 127.0.0.1 and a free
// high port (or an address the caller picks, e.g. 127.x.y.z port 53 where a delegation must reach it), serving zone
// files the test hands it. Started by the test, stopped afterwards; nothing left running. With `control`, zones are
// reloaded from their files on request (nsd-control over a unix socket in the server's folder, no keys).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryDns, type NameServer } from "../dns/query";
import { RunningServers } from "./serverProcess";

const NSD = "/usr/sbin/nsd";
const NSD_CONTROL = "/usr/sbin/nsd-control";

export function hasNsd(): boolean {
  try {
    execFileSync(NSD, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export class AuthDnsError extends Error {
  override name = "AuthDnsError";
}

/** Install NSD from Debian when it is missing (CI starts on a fresh machine). Idempotent. */
export function ensureAuthDns(): void {
  if (hasNsd()) return;
  const what = "NSD is not installed: install Debian's nsd (`sudo apt-get install -y --no-install-recommends nsd`)";
  if (process.getuid?.() !== 0) throw new AuthDnsError(`${what}; the test harness installs it itself only when run as root.`);
  // The package's post-install would start a system-wide NSD on port 53 of every interface; a temporary
  // policy-rc.d (the standard Debian switch) keeps the harness's loopback servers the only ones running.
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = () => execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "nsd"], { stdio: "inherit", env });
    try {
      install();
    } catch {
      execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env }); // a fresh machine's package lists
      install();
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  if (!hasNsd()) throw new AuthDnsError(`installing nsd did not provide ${NSD}; ${what}`);
}

/** A port free for both UDP and TCP on 127.0.0.1 (NSD and Unbound need both). */
export async function freeDnsPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const ok = await new Promise<boolean>((resolve) => {
      const tcp = createServer();
      tcp.once("error", () => resolve(false));
      tcp.listen(port, "127.0.0.1", () => {
        const udp = createSocket("udp4");
        udp.once("error", () => tcp.close(() => resolve(false)));
        udp.bind(port, "127.0.0.1", () => udp.close(() => tcp.close(() => resolve(true))));
      });
    });
    if (ok) return port;
  }
  throw new Error("no free port for the DNS server on 127.0.0.1");
}

export interface ZoneText {
  /** The zone's name, e.g. example.com */
  origin: string;
  /** The zone file's text. */
  text: string;
}

export interface AuthDnsOptions {
  name: string;
  zones: ZoneText[];
  /** Where to listen. Default: 127.0.0.1 and a free port (retried if taken meanwhile). */
  listen?: NameServer;
  /** Accept `reload(zone)` (nsd-control on a unix socket in the server's folder). */
  control?: boolean;
}

const running = new RunningServers<AuthDns>();

export class AuthDns {
  private constructor(
    readonly name: string,
    readonly server: NameServer,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly origins: string[],
  ) {}

  /** Start NSD serving the zones; resolves once it answers the SOA of each. */
  static async start(opts: AuthDnsOptions): Promise<AuthDns> {
    let lastError: unknown;
    for (let attempt = 0; attempt < (opts.listen ? 1 : 3); attempt++) {
      try {
        return await AuthDns.tryStart(opts);
      } catch (e) {
        lastError = e; // usually the port was taken between the check and NSD's bind
      }
    }
    throw lastError;
  }

  private static async tryStart(opts: AuthDnsOptions): Promise<AuthDns> {
    const dir = mkdtempSync(join(tmpdir(), `mailshift-nsd-${opts.name}-`));
    const host = opts.listen?.host ?? "127.0.0.1";
    const port = opts.listen?.port ?? (await freeDnsPort());
    const zoneBlocks = opts.zones.map((z, i) => {
      const file = join(dir, `zone${i}.zone`);
      writeFileSync(file, z.text);
      return `zone:\n  name: "${z.origin}"\n  zonefile: "${file}"\n`;
    });
    // username "" keeps NSD from switching to the nsd user (it runs as whoever runs the tests, root in CI),
    // so it can read the temporary directory; no chroot, no database, no remote control, one server process.
    const conf = [
      "server:",
      `  ip-address: ${host}@${port}`,
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  pidfile: "${join(dir, "nsd.pid")}"`,
      `  xfrdfile: "${join(dir, "xfrd.state")}"`,
      `  xfrdir: "${dir}"`,
      `  zonelistfile: "${join(dir, "zone.list")}"`,
      `  logfile: "${join(dir, "nsd.log")}"`,
      "  server-count: 1",
      "  verbosity: 1",
      "  reuseport: no",
      "remote-control:",
      ...(opts.control ? ["  control-enable: yes", `  control-interface: ${join(dir, "nsd.ctl")}`] : ["  control-enable: no"]),
      ...zoneBlocks,
    ].join("\n");
    const confFile = join(dir, "nsd.conf");
    writeFileSync(confFile, `${conf}\n`);
    const child = spawn(NSD, ["-d", "-c", confFile], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    const server = { host, port };
    const dns = new AuthDns(
      opts.name,
      server,
      dir,
      child,
      opts.zones.map((z) => z.origin),
    );
    running.add(dns); // killed at process exit if the test forgets it
    const deadline = Date.now() + 10_000;
    for (const z of opts.zones) {
      for (;;) {
        if (child.exitCode !== null) {
          const log = readLog(dir);
          rmSync(dir, { recursive: true, force: true });
          throw new Error(`nsd (${opts.name}) exited with ${child.exitCode}: ${stderr}${log}`);
        }
        try {
          const res = await queryDns(server, z.origin, "SOA", { timeoutMs: 200, tries: 1 });
          if (res.rcode === 0 && res.answers.length > 0) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          await dns.stop();
          throw new Error(`nsd (${opts.name}) did not serve ${z.origin} within 10 s: ${stderr}${readLog(dir)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return dns;
  }

  /** The file NSD reads the zone from (zones in the order given to start). */
  zoneFile(origin: string): string {
    const i = this.origins.indexOf(origin);
    if (i < 0) throw new AuthDnsError(`nsd (${this.name}) serves no zone ${origin}; it serves ${this.origins.join(", ")}`);
    return join(this.dir, `zone${i}.zone`);
  }

  /** nsd.conf, for nsd-control -c. */
  get confFile(): string {
    return join(this.dir, "nsd.conf");
  }

  /** Re-reads the zone's file (started with `control`); NSD answers from it once this returns. */
  reload(origin: string): void {
    this.zoneFile(origin);
    reloadZone(this.confFile, origin);
  }

  /** NSD's log, for a failing test's message. */
  log(): string {
    return readLog(this.dir);
  }

  killNow(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  /** Stop NSD (it stops its own children) and remove its files. */
  async stop(): Promise<void> {
    running.delete(this);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `nsd-control reload ZONE` for the NSD configured by `confFile` (also used from the sandbox's zone stand-in). */
export function reloadZone(confFile: string, origin: string): void {
  try {
    execFileSync(NSD_CONTROL, ["-c", confFile, "reload", origin], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new AuthDnsError(`nsd-control reload ${origin} (${confFile}) failed: ${(err.stderr || err.stdout || err.message).trim()}`);
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "nsd.log"), "utf8");
  } catch {
    return "";
  }
}
