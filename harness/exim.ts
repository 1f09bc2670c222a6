// A real MTA on loopback for tests: Debian's Exim (exim4-daemon-light), run from a config in a temporary
// folder, listening on a free 127.0.0.1 port, relaying for loopback only, and delivering every message (any
// domain) into one local Maildir instead of the network: nothing it receives can leave the machine. The system's
// Exim (its /etc/exim4 config, its service) is never used or started.
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { RunningServers, sleep } from "./serverProcess";

export class EximError extends Error {
  override name = "EximError";
}

const BINARIES = ["/usr/sbin/exim4", "/usr/sbin/exim"];

export function findExim(): string | undefined {
  return BINARIES.find((b) => fs.existsSync(b));
}

/** Exim's own account on Debian: with -C, Exim started by root runs as it (it gives up root for a private config). */
const EXIM_USER = "Debian-exim";

function uidOf(user: string): number | undefined {
  try {
    return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** The whole configuration: every recipient accepted from loopback and delivered to `maildir`. */
export function eximConfig(c: { dir: string; port: number; deliveryUser: string }): string {
  return `# mailshift test MTA (harness/exim.ts): loopback only, every message into one Maildir
primary_hostname = mta.mailshift.test
qualify_domain = mailshift.test
spool_directory = ${c.dir}/spool
log_file_path = ${c.dir}/log/%slog
pid_file_path = ${c.dir}/exim.pid
daemon_smtp_ports = ${c.port}
local_interfaces = 127.0.0.1
tls_advertise_hosts =
never_users =
host_lookup =
rfc1413_hosts =
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept hosts = 127.0.0.1
  deny message = this test MTA relays for loopback only

begin routers
# no lookups, no remote transport: whatever the domain, the message stays here
everything_here:
  driver = accept
  transport = into_maildir

begin transports
into_maildir:
  driver = appendfile
  directory = ${c.dir}/maildir
  maildir_format
  create_directory
  envelope_to_add
  return_path_add
  delivery_date_add
  user = ${c.deliveryUser}

begin retry
* * F,1m,10s
`;
}

const running = new RunningServers<Exim>();

export class Exim {
  readonly host = "127.0.0.1";
  private exited: Promise<void>;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly daemon: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => daemon.once("exit", () => resolve()));
  }

  /** Starts Exim on a free loopback port; fails with what to install when Exim is missing. */
  static async start(): Promise<Exim> {
    const bin = findExim();
    if (!bin)
      throw new EximError(
        "Exim is not installed: the SMTP tests need Debian's exim4-daemon-light (scripts/setup.sh installs it; or apt-get install -y --no-install-recommends exim4-daemon-light)",
      );
    const root = process.getuid?.() === 0;
    const eximUid = root ? uidOf(EXIM_USER) : undefined;
    if (root && eximUid === undefined)
      throw new EximError(`the system user ${EXIM_USER} does not exist: reinstall exim4-base (apt-get install --reinstall exim4-base)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "exim-"));
    fs.chmodSync(dir, 0o755);
    for (const d of ["spool", "log", "maildir"]) {
      fs.mkdirSync(path.join(dir, d));
      if (root) fs.chownSync(path.join(dir, d), eximUid!, -1);
    }
    const port = await freePort();
    fs.writeFileSync(path.join(dir, "exim.conf"), eximConfig({ dir, port, deliveryUser: root ? EXIM_USER : String(process.getuid?.()) }));
    // -bdf: the daemon in the foreground, so it is this child and stops with it; -odi: deliver at once.
    const daemon = spawn(bin, ["-C", path.join(dir, "exim.conf"), "-bdf", "-odi", "-q10s"], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    daemon.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    const e = new Exim(dir, port, daemon);
    running.add(e);
    const deadline = Date.now() + 10_000;
    while (!(await accepts(e.host, port))) {
      if (daemon.exitCode !== null || Date.now() > deadline) {
        await e.stop();
        throw new EximError(`Exim did not start on 127.0.0.1:${port}: ${stderr.trim() || "no message"} (config and logs in ${dir})`);
      }
      await sleep(50);
    }
    return e;
  }

  /** The raw messages delivered so far, oldest first. */
  delivered(): Buffer[] {
    const files: { file: string; mtime: number }[] = [];
    for (const sub of ["new", "cur"]) {
      const d = path.join(this.dir, "maildir", sub);
      if (!fs.existsSync(d)) continue;
      for (const f of fs.readdirSync(d)) files.push({ file: path.join(d, f), mtime: fs.statSync(path.join(d, f)).mtimeMs });
    }
    return files.sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file)).map((f) => fs.readFileSync(f.file));
  }

  /** Waits until at least `n` messages are delivered; the log says why when they are not. */
  async waitForDeliveries(n: number, timeoutMs = 10_000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.delivered();
      if (got.length >= n) return got;
      if (Date.now() > deadline) {
        const log = fs.existsSync(path.join(this.dir, "log", "mainlog"))
          ? fs.readFileSync(path.join(this.dir, "log", "mainlog"), "utf8")
          : "(no log)";
        throw new EximError(`Exim delivered ${got.length} of ${n} messages within ${timeoutMs} ms; its log:\n${log}`);
      }
      await sleep(50);
    }
  }

  killNow(): void {
    if (this.daemon.exitCode === null) this.daemon.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    if (this.daemon.exitCode === null && this.daemon.signalCode === null) {
      this.daemon.kill("SIGTERM");
      const done = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) this.daemon.kill("SIGKILL");
      await this.exited;
    }
    running.delete(this);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
