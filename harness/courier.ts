// Throwaway Courier IMAP servers (Debian's courier-imap 5.0) on loopback for tests: beside Dovecot, the other
// kind of old host. Courier cannot be installed next to dovecot-imapd, so scripts/courier.sh unpacks its binaries
// into a cache folder and installs only its libraries (courier-authlib, the userdb module).
//
// Authentication is Courier's own: imaplogin asks authdaemond, which checks a userdb (makeuserdb) with
// {SHA256} passwords. Courier's auth library knows only fixed paths (/etc/courier/authdaemonrc,
// /etc/courier/userdb.dat, /run/courier/authdaemon/socket), so each server runs in its own mount and PID
// namespace (util-linux unshare) where the temp folder's etc/ is mounted over /etc/courier and its run/ over
// /run: two servers run at once, nothing is read from the real /etc/courier, and when the namespace's first
// process dies the kernel kills every process of the server and its mounts vanish.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { LAYOUTS, type LayoutSpec, type MailUser } from "./dovecot";
import type { ImapServer } from "./imapServer";
import { freePort, greeting, held, portClosed, RunningServers, sleep } from "./serverProcess";
import { storeInMaildir } from "./maildirStore";
import type { RawMessage } from "./corpus";

export class CourierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CourierError";
  }
}

export interface CourierOptions {
  users: MailUser[];
  /** For logs and the temp folder name. */
  name?: string;
  /** Default true: stop() leaves the temp folder for diagnostics; false removes it. */
  keepDir?: boolean;
  /**
   * Courier IMAP has no per-message size limit (only a maildir quota, see MailUser.quotaBytes); a value here
   * is refused with a CourierError rather than silently ignored.
   */
  maxMessageBytes?: number;
  /** Default: a free loopback port. */
  port?: number;
  /** couriertcpd's -maxprocs and -maxperip; default Debian's 40 and 20 (/etc/courier/imapd MAXDAEMONS, MAXPERIP). */
  maxConnections?: number;
  maxConnectionsPerIp?: number;
  /** Extra imapd/imaplogin settings (the variables of Debian's /etc/courier/imapd), over the defaults below. */
  env?: Readonly<Record<string, string>>;
}

/** Where scripts/courier.sh puts Courier's unpacked packages. */
export function courierCacheDir(): string {
  const root = process.env.MAILSHIFT_CACHE || path.join(os.homedir(), ".cache", "mailshift");
  return path.join(root, "courier");
}

export interface CourierBinaries {
  couriertcpd: string;
  imaplogin: string;
  imapd: string;
  /** From courier-authlib, installed with apt. */
  authdaemond: string;
  /** From courier-authlib-userdb, installed with apt. */
  makeuserdb: string;
  /** Sets a maildir's quota (maildirsize). */
  maildirmake: string;
}

export function courierBinaries(): CourierBinaries {
  const root = path.join(courierCacheDir(), "root");
  return {
    couriertcpd: path.join(root, "usr/sbin/couriertcpd"),
    imaplogin: path.join(root, "usr/lib/courier/courier/imaplogin"),
    imapd: path.join(root, "usr/bin/imapd"),
    authdaemond: "/usr/lib/courier/courier-authlib/authdaemond",
    makeuserdb: "/usr/sbin/makeuserdb",
    maildirmake: path.join(root, "usr/bin/maildirmake.courier"),
  };
}

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findUnshare(): string | undefined {
  return ["/usr/bin/unshare", "/bin/unshare"].find(executable);
}

/** The binaries, or a CourierError that says to run scripts/courier.sh (or to run as root). Installs nothing. */
export function ensureCourier(): CourierBinaries {
  courierIdentity(); // as root, with the courier user, or a clear error
  const bins = courierBinaries();
  const missing = Object.values(bins).filter((p) => !executable(p));
  if (!findUnshare()) missing.push("unshare (util-linux)");
  if (!fs.existsSync("/etc/courier")) missing.push("/etc/courier (the mount point for each server's own config)");
  if (missing.length > 0)
    throw new CourierError(
      `Courier IMAP is not installed for the test harness (missing: ${missing.join(", ")}): run \`bash scripts/courier.sh\` as root ` +
        `(scripts/setup.sh does); it unpacks Courier into ${courierCacheDir()} (MAILSHIFT_CACHE sets the cache root) beside Dovecot.`,
    );
  return bins;
}

/** Who owns the mail and runs imapd after login: the `courier` system user. */
export interface CourierIdentity {
  uid: number;
  gid: number;
}

function idOf(flag: "-u" | "-g", user: string): number | undefined {
  try {
    return Number(execFileSync("id", [flag, user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return undefined;
  }
}

export function courierIdentity(): CourierIdentity {
  // Without root the servers would need an unprivileged user namespace (unshare --map-root-user), and there
  // imaplogin's setgroups() after a login is refused (EPERM: the namespace's setgroups is "deny"), so every
  // login drops the connection. Seen on Debian 12; a clear error instead.
  if (process.getuid?.() !== 0)
    throw new CourierError(
      "the Courier test harness must run as root: Courier mounts its own /etc/courier and /run per server and its imaplogin calls setgroups(), which a user namespace refuses (run the tests as root, as CI does)",
    );
  // courier-authlib's post-install creates the `courier` system user; imapd must not run as root.
  const uid = idOf("-u", "courier");
  const gid = idOf("-g", "courier");
  if (uid === undefined || gid === undefined)
    throw new CourierError(
      "running as root but the system user `courier` does not exist: run `bash scripts/courier.sh` (courier-authlib creates it)",
    );
  return { uid, gid };
}

export function validateCourierUser(u: MailUser): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._@+-]*$/.test(u.user))
    throw new CourierError(
      `Courier mail user ${JSON.stringify(u.user)}: use letters, digits and . _ @ + - only, not first a dot or dash (it names a userdb entry and a folder)`,
    );
  if (u.password.length === 0 || /[\r\n]/.test(u.password))
    throw new CourierError(`Courier mail user ${u.user}: the password must be non-empty without line breaks`);
  if (u.quotaBytes !== undefined && (!Number.isSafeInteger(u.quotaBytes) || u.quotaBytes <= 0))
    throw new CourierError(`Courier mail user ${u.user}: quotaBytes must be a positive whole number of bytes, or undefined for no quota`);
}

/**
 * One userdb line (see userdb(8)): name, tab, fields joined by "|". systempw takes a {SHA256} hash, which
 * courier-authlib checks. No quota field: imapd 5.0 was seen to ignore it; the quota is the maildir's own
 * maildirsize file (maildirmake -q), as Courier's maildirquota documentation describes.
 */
export function userdbLine(u: MailUser, id: CourierIdentity, home: string): string {
  const hash = createHash("sha256").update(u.password, "utf8").digest("base64");
  const fields = [`uid=${id.uid}`, `gid=${id.gid}`, `home=${home}`, `mail=${path.join(home, "Maildir")}`, `systempw={SHA256}${hash}`];
  return `${u.user}\t${fields.join("|")}`;
}

/** authdaemond's settings (/etc/courier/authdaemonrc inside the namespace): the userdb module only. */
export function authdaemonrc(): string {
  return ['authmodulelist="authuserdb"', 'authmodulelistorig="authuserdb"', "daemons=3", "DEBUG_LOGIN=0", 'DEFAULTOPTIONS=""', ""].join(
    "\n",
  );
}

/**
 * imaplogin's and imapd's settings, Debian's /etc/courier/imapd defaults apart from what a loopback test
 * server must change: no TLS (no certificate; LOGIN in clear), and no IMAP_EMPTYTRASH (Debian's Trash:7 purges
 * Trash messages older than 7 days at logout, which would delete old corpus mail loaded into Trash).
 */
export function imapdEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    IMAP_CAPABILITY: "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE",
    IMAP_KEYWORDS: "1",
    IMAP_ACL: "1",
    IMAP_PROXY: "0",
    IMAP_IDLE_TIMEOUT: "60",
    IMAP_MAILBOX_SANITY_CHECK: "1",
    IMAP_DISABLETHREADSORT: "0",
    IMAP_CHECK_ALL_FOLDERS: "0",
    IMAP_OBSOLETE_CLIENT: "0",
    IMAP_UMASK: "022",
    IMAP_USELOCKS: "1",
    IMAP_ENHANCEDIDLE: "0",
    IMAP_TRASHFOLDERNAME: "Trash",
    IMAP_MOVE_EXPUNGE_TO_TRASH: "0",
    IMAP_TLS_REQUIRED: "0",
    IMAP_STARTTLS: "NO",
    HEADERFROM: "X-IMAP-Sender",
    ...extra,
  };
}

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export interface StartScriptInput {
  dir: string;
  port: number;
  bins: CourierBinaries;
  /** imapd copied into the folder: the mail user cannot read root's cache after imaplogin drops to it. */
  imapd: string;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

/**
 * The script run as the namespace's first process: mounts the folder's etc/ and run/, starts authdaemond
 * (foreground; it forks its workers) and execs couriertcpd, so couriertcpd is the namespace's init.
 */
export function startScript(c: StartScriptInput): string {
  const q = shellQuote;
  return [
    `#!/bin/sh`,
    `# Generated by harness/courier.ts; run inside a private mount and PID namespace (see there).`,
    `set -eu`,
    `mount --bind ${q(path.join(c.dir, "etc"))} /etc/courier`,
    `mount --bind ${q(path.join(c.dir, "run"))} /run`,
    `set -a`,
    `. ${q(path.join(c.dir, "imapd.conf"))}`,
    `set +a`,
    `${q(c.bins.authdaemond)} 2>>${q(path.join(c.dir, "authdaemond.log"))} &`,
    // imapd needs the socket at once; authdaemond creates it within milliseconds
    `i=0; while [ ! -S /run/courier/authdaemon/socket ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done`,
    `exec ${q(c.bins.couriertcpd)} -address=127.0.0.1 -maxprocs=${c.maxConnections} -maxperip=${c.maxConnectionsPerIp} ` +
      `-nodnslookup -noidentlookup -stderr=${q(path.join(c.dir, "imapd.log"))} ${c.port} ${q(c.bins.imaplogin)} ${q(c.imapd)} Maildir`,
    ``,
  ].join("\n");
}

/** Host pids of every process in the PID namespace whose init is the child of `unsharePid`, the init first. */
export function namespaceProcesses(unsharePid: number): number[] {
  let ns: string;
  let init: string | undefined;
  try {
    init = fs.readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8").trim().split(/\s+/)[0];
    if (!init) return [];
    ns = fs.readlinkSync(`/proc/${init}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [Number(init)];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || e === init) continue;
    try {
      if (fs.readlinkSync(`/proc/${e}/ns/pid`) === ns) out.push(Number(e));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

const running = new RunningServers<Courier>();

export function stopAllCouriers(): Promise<void> {
  return running.stopAll();
}

export class Courier implements ImapServer {
  readonly kind = "courier" as const;
  readonly host = "127.0.0.1";
  /** Courier's personal namespace is "INBOX." with "."; it announces no SPECIAL-USE, the folders are plain. */
  readonly spec: LayoutSpec = LAYOUTS.old;
  private readonly users = new Map<string, MailUser>();
  private unshare: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = "";

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly opts: CourierOptions,
    private readonly bins: CourierBinaries,
    private readonly identity: CourierIdentity,
  ) {}

  static async start(opts: CourierOptions): Promise<Courier> {
    if (opts.maxMessageBytes !== undefined)
      throw new CourierError(
        `Courier ${opts.name ?? ""}: maxMessageBytes cannot be honoured: Courier IMAP has no per-message size limit (only a per-user maildir quota: give the user quotaBytes)`,
      );
    const bins = ensureCourier();
    for (const u of opts.users) validateCourierUser(u);
    const identity = courierIdentity();
    const label = (opts.name ?? "courier").replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 24);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cr-${label}-`));
    fs.chmodSync(dir, 0o755); // the mail user must traverse it to its maildir and to imapd
    for (const sub of ["etc", "run/courier/authdaemon", "mail", "bin"]) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(dir, "etc", "shared"), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "etc", "authdaemonrc"), authdaemonrc(), { mode: 0o640 });
    fs.copyFileSync(bins.imapd, path.join(dir, "bin", "imapd"));
    fs.chmodSync(path.join(dir, "bin", "imapd"), 0o755);
    // imapd waits for folder locks through FAM (gamin): gam_server is reached at the abstract socket
    // /tmp/fam-<user>-<GAM_CLIENT_ID>, so without an id of its own every server would share the gam_server
    // that the first one started (in its namespace, killed with it). One per server, started by its imapd.
    const gamId = `mailshift-${path.basename(dir)}`;
    const conf = Object.entries({ GAM_CLIENT_ID: gamId, ...imapdEnv(opts.env) })
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join("\n");
    fs.writeFileSync(
      path.join(dir, "imapd.conf"),
      `# imapd settings (Debian's /etc/courier/imapd variables), written by harness/courier.ts\n${conf}\n`,
    );

    const fixedPort = opts.port !== undefined;
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const c = new Courier(dir, port, opts, bins, identity);
      for (const u of opts.users) c.users.set(u.user, { ...u });
      c.writeUserdb();
      try {
        await c.launch();
      } catch (err) {
        if (!fixedPort && attempt < 4 && /Address already in use/.test(String((err as Error).message))) continue;
        throw err;
      }
      try {
        for (const u of opts.users) await c.prepareMailbox(u);
      } catch (err) {
        await c.stop().catch(() => undefined);
        throw err;
      }
      return c;
    }
  }

  url(user: string): string {
    return `imap://${encodeURIComponent(user)}@${this.host}:${this.port}`;
  }

  home(user: string): string {
    return path.join(this.dir, "mail", user);
  }

  maildir(user: string): string {
    return path.join(this.home(user), "Maildir");
  }

  /**
   * Mail as Courier's own delivery leaves it: LF line ends in the maildir (Courier serves them as CRLF), bare CRs and
   * 8-bit bytes as they came.
   */
  async storeAsIs(user: string, folder: string, msgs: readonly RawMessage[]): Promise<void> {
    const lf = msgs.map((m) => ({ ...m, raw: Buffer.from(m.raw.toString("latin1").replace(/\r\n/g, "\n"), "latin1") }));
    storeInMaildir(this.maildir(user), folder, lf, courierIdentity());
  }

  /** Adds (or replaces) a user; resolves once it can log in with this password (and no other). */
  async addUser(u: MailUser): Promise<void> {
    validateCourierUser(u);
    if (!this.unshare) throw new CourierError(`${this.label}: addUser(${u.user}) on a stopped server`);
    this.users.set(u.user, { ...u });
    this.writeUserdb();
    await this.prepareMailbox(u);
  }

  /**
   * Host pids of the server's processes: unshare, then the namespace's processes (couriertcpd first, its init;
   * authdaemond and its workers; imaplogin/imapd per connection).
   */
  processes(): number[] {
    const pid = this.unshare?.pid;
    return pid === undefined ? [] : [pid, ...namespaceProcesses(pid)];
  }

  async stop(): Promise<void> {
    const u = this.unshare;
    if (u) {
      this.unshare = undefined;
      this.releaseWatchdog();
      // unshare ignores SIGTERM while it waits; SIGKILL on it sends SIGKILL to the namespace's init
      // (--kill-child), and the kernel then kills every process left in the namespace. A test server has
      // nothing to save: maildir deliveries are atomic renames.
      const pids = this.processes();
      // the namespace's init first, so that unshare reaps it and exits on its own (no orphan for the host's
      // init to reap); unshare itself only if that fails
      const init = pids[1];
      if (init !== undefined) {
        try {
          process.kill(init, "SIGKILL");
        } catch {
          u.kill("SIGKILL");
        }
      } else u.kill("SIGKILL");
      if (!(await Promise.race([this.exited.then(() => true), sleep(2_000).then(() => false)]))) u.kill("SIGKILL");
      await held(this.exited);
      const deadline = Date.now() + 5_000;
      while (pids.some(alive)) {
        if (Date.now() > deadline)
          throw new CourierError(`${this.label}: processes ${pids.filter(alive).join(" ")} still run 5 s after stop; see ${this.dir}`);
        await sleep(20);
      }
      running.delete(this);
    }
    const deadline = Date.now() + 10_000;
    while (!(await portClosed(this.host, this.port))) {
      if (Date.now() > deadline)
        throw new CourierError(`${this.label}: port ${this.port} still accepts connections 10 s after stopping Courier; see ${this.dir}`);
      await sleep(20);
    }
    if (this.opts.keepDir === false) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  logs(): string {
    const read = (f: string) => {
      try {
        return fs.readFileSync(path.join(this.dir, f), "utf8");
      } catch {
        return "";
      }
    };
    return [`== imapd.log`, read("imapd.log"), `== authdaemond.log`, read("authdaemond.log"), `== unshare stderr`, this.stderr].join("\n");
  }

  killNow(): void {
    this.unshare?.kill("SIGKILL");
  }

  private get label(): string {
    return `Courier ${this.opts.name ?? ""} (127.0.0.1:${this.port})`.replace("  ", " ");
  }

  /** Rewrites the userdb text file and its .dat files (makeuserdb builds new ones and renames them in). */
  private writeUserdb(): void {
    const etc = path.join(this.dir, "etc");
    const text = path.join(etc, "userdb");
    const lines = [...this.users.values()].map((u) => userdbLine(u, this.identity, this.home(u.user)));
    fs.writeFileSync(text, `${lines.join("\n")}\n`, { mode: 0o600 });
    fs.chmodSync(text, 0o600); // makeuserdb refuses a userdb readable by others
    try {
      execFileSync(this.bins.makeuserdb, ["-f", text], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      const e = err as Error & { stderr?: Buffer };
      throw new CourierError(`${this.label}: makeuserdb -f ${text} failed: ${e.stderr?.toString().trim() || e.message}`);
    }
  }

  /**
   * The user's maildir++ (INBOX at ~/Maildir) and the special folders of the old layout, created and
   * subscribed through IMAP as the user: that also proves the login works before addUser resolves.
   */
  private async prepareMailbox(u: MailUser): Promise<void> {
    const maildir = this.maildir(u.user);
    if (!fs.existsSync(maildir)) {
      fs.mkdirSync(this.home(u.user), { mode: 0o700 });
      fs.mkdirSync(maildir, { mode: 0o700 });
      for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(maildir, sub), { mode: 0o700 });
      for (const p of [this.home(u.user), maildir, ...["cur", "new", "tmp"].map((s) => path.join(maildir, s))])
        fs.chownSync(p, this.identity.uid, this.identity.gid);
    }
    this.setQuotaFile(u);
    const c = new ImapFlow({
      host: this.host,
      port: this.port,
      secure: false,
      auth: { user: u.user, pass: u.password },
      logger: false,
      disableAutoIdle: true,
    });
    c.on("error", () => undefined);
    try {
      await c.connect();
    } catch (err) {
      const e = err as Error & { responseText?: string };
      throw new CourierError(`${this.label}: user ${u.user} cannot log in after addUser: ${e.responseText ?? e.message}\n${this.logs()}`);
    }
    try {
      // Courier answers CREATE of an existing folder with a plain NO (no [ALREADYEXISTS]): list first
      const existing = new Set((await c.list()).map((f) => f.path));
      for (const f of this.spec.specialFolders) {
        const name = this.spec.prefix + f.name;
        if (!existing.has(name)) await c.mailboxCreate(name);
        await c.mailboxSubscribe(name);
      }
    } catch (err) {
      const e = err as Error & { responseText?: string };
      throw new CourierError(`${this.label}: creating the special folders of ${u.user}: ${e.responseText ?? e.message}`);
    } finally {
      await c.logout().catch(() => c.close());
    }
  }

  /** maildirsize with the quota (maildirmake -q recounts the mail already there), or none for no quota. */
  private setQuotaFile(u: MailUser): void {
    const maildir = this.maildir(u.user);
    const file = path.join(maildir, "maildirsize");
    if (u.quotaBytes === undefined) {
      fs.rmSync(file, { force: true });
      return;
    }
    try {
      execFileSync(this.bins.maildirmake, ["-q", `${u.quotaBytes}S`, maildir], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      const e = err as Error & { stderr?: Buffer };
      throw new CourierError(
        `${this.label}: maildirmake -q ${u.quotaBytes}S ${maildir} failed: ${e.stderr?.toString().trim() || e.message}`,
      );
    }
    fs.chownSync(file, this.identity.uid, this.identity.gid);
  }

  private async launch(): Promise<void> {
    const script = path.join(this.dir, "start.sh");
    fs.writeFileSync(
      script,
      startScript({
        dir: this.dir,
        port: this.port,
        bins: this.bins,
        imapd: path.join(this.dir, "bin", "imapd"),
        maxConnections: this.opts.maxConnections ?? 40,
        maxConnectionsPerIp: this.opts.maxConnectionsPerIp ?? 20,
      }),
      { mode: 0o755 },
    );
    for (const f of ["imapd.log", "authdaemond.log"]) fs.writeFileSync(path.join(this.dir, f), "");
    const unshareArgs = ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child=SIGKILL", "sh", script];
    this.stderr = "";
    // nothing of the caller's environment reaches Courier: imapd.conf is the whole configuration
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C" };
    const u = spawn(findUnshare() ?? "unshare", unshareArgs, { stdio: ["ignore", "ignore", "pipe"], detached: true, env });
    this.unshare = u;
    this.exited = new Promise<void>((resolve) => {
      if (u.exitCode !== null || u.signalCode !== null) resolve();
      else u.once("exit", () => resolve());
    });
    u.on("error", (e) => {
      this.stderr += `spawn unshare: ${e.message}\n`;
    });
    u.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString("utf8");
    });
    u.unref();
    (u.stderr as net.Socket | null)?.unref();
    running.add(this);
    this.startWatchdog(u);

    const deadline = Date.now() + 15_000;
    for (;;) {
      if (u.exitCode !== null || u.signalCode !== null) {
        running.delete(this);
        this.unshare = undefined;
        this.releaseWatchdog();
        throw new CourierError(
          `${this.label} exited while starting (code ${u.exitCode ?? u.signalCode}): ${this.stderr.trim()}\n${this.logs()}\nscript: ${script}`,
        );
      }
      try {
        const line = await greeting(this.host, this.port, 2_000);
        // the authdaemon socket (seen from outside through the bind mount) proves the greeting is ours
        if (
          line.startsWith("* OK") &&
          line.includes("Courier-IMAP ready") &&
          fs.existsSync(path.join(this.dir, "run/courier/authdaemon/socket"))
        )
          return;
        throw new Error(`unexpected greeting ${JSON.stringify(line)}`);
      } catch (err) {
        if (Date.now() > deadline) {
          await this.stop().catch(() => undefined);
          throw new CourierError(
            `${this.label} did not greet within 15 s (${(err as Error).message}); logs:\n${this.logs()}\nscript: ${script}`,
          );
        }
        await sleep(20);
      }
    }
  }

  /** Kills the server if this process dies without its exit hook (see harness/dovecot.ts). */
  private startWatchdog(u: ChildProcess): void {
    if (u.pid === undefined) return;
    const script =
      'read -r _ && exit 0; kill -s KILL "$1" 2>/dev/null; [ -n "$2" ] || exit 0; while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; rm -rf -- "$2"';
    const removeDir = this.opts.keepDir === false ? this.dir : "";
    const w = spawn("sh", ["-c", script, "mailshift-courier-watchdog", String(u.pid), removeDir], { stdio: ["pipe", "ignore", "ignore"] });
    w.on("error", () => undefined);
    w.stdin?.on("error", () => undefined);
    w.unref();
    (w.stdin as net.Socket | null)?.unref();
    this.watchdog = w;
  }

  private releaseWatchdog(): void {
    const w = this.watchdog;
    this.watchdog = undefined;
    if (w?.stdin && !w.stdin.destroyed) w.stdin.end("stop\n");
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie still answers signal 0; it runs nothing and holds no port
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
