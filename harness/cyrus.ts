// Throwaway Cyrus IMAP 3.6 servers on loopback, beside Dovecot (harness/dovecot.ts is the model): each has its own
// imapd.conf, cyrus.conf, configdirectory, partition, sasldb and log in one temp folder, reads nothing from /etc and
// listens on 127.0.0.1 only. Cyrus comes unpacked from Debian's packages into a cache folder by scripts/cyrus.sh
// (it cannot be installed beside Dovecot: both packages provide imap-server).
//
// Two hierarchies, the two ways a Cyrus host names folders:
//   "dot":   the classic namespace, INBOX. prefix and "." separator (unixhierarchysep: no, altnamespace: no);
//   "slash": no prefix and "/" separator (unixhierarchysep: yes, altnamespace: yes).
//
// Running as root (CI): Cyrus refuses root, so it runs as the `cyrus` system user, in a private mount namespace
// set up by a few lines of shell (as root, before dropping to `cyrus`):
//   - the cache folder (under /root, which `cyrus` cannot traverse) is bind-mounted inside the temp folder;
//   - /dev is a private tmpfs of links to the real /dev, plus /dev/log linked to a unix socket of this harness:
//     Cyrus logs only through syslog(3), which always writes to /dev/log, and the machine has no syslog daemon.
// The namespace dies with the server's last process; nothing is mounted outside it. Where mount namespaces are not
// allowed (an unprivileged container; MAILSHIFT_CYRUS_NO_NAMESPACE=1 forces it), the packages are copied into the temp
// folder instead and syslog is not captured. Not root: Cyrus runs as the current user straight from the cache
// folder, and its syslog messages are not captured either (logs() says so).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { LAYOUTS, type LayoutSpec, type MailUser } from "./dovecot";
import type { ImapServer } from "./imapServer";
import { astring, RawImap } from "./rawImap";
import { freePort, greeting, groupAlive, held, portClosed, RunningServers, signalGroup, sleep, startWatchdog } from "./serverProcess";

export type CyrusHierarchy = "dot" | "slash";

export interface CyrusOptions {
  hierarchy: CyrusHierarchy;
  users: MailUser[];
  /** For logs and the temp folder name. */
  name?: string;
  /** Default true: stop() leaves the temp folder for diagnostics; false removes it. */
  keepDir?: boolean;
  /** maxmessagesize: Cyrus advertises APPENDLIMIT=<this> and refuses a larger APPEND. */
  maxMessageBytes?: number;
  /**
   * Users may keep METADATA entries of their own naming (`annotation_allow_undefined`), as an admin enables it:
   * where mailshift keeps its watermarks on the destination. Without it Cyrus refuses them ("Permission denied").
   */
  metadata?: boolean;
}

export class CyrusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CyrusError";
  }
}

/** The harness's administrator (imapd.conf `admins:`); no test user may take this name. */
export const CYRUS_ADMIN = "mailshiftadmin";

const SETUP_HINT = "run `bash scripts/cyrus.sh` as root (scripts/setup.sh does)";

export function cyrusCacheDir(): string {
  return path.join(process.env.MAILSHIFT_CACHE || path.join(os.homedir(), ".cache", "mailshift"), "cyrus");
}

export interface CyrusInstall {
  /** The unpacked packages' root (usr/lib/cyrus/bin/... below it). */
  root: string;
  /** The multiarch library folder below root, e.g. usr/lib/x86_64-linux-gnu (libcyrus*.so). */
  libRel: string;
  saslpasswd2: string;
}

function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** What scripts/cyrus.sh installed, or a CyrusError naming what is missing and the script to run. */
export function ensureCyrus(): CyrusInstall {
  const root = cyrusCacheDir();
  const missing: string[] = [];
  for (const b of ["master", "imapd", "ctl_cyrusdb"]) {
    if (!fs.existsSync(path.join(root, "usr/lib/cyrus/bin", b))) missing.push(path.join(root, "usr/lib/cyrus/bin", b));
  }
  const libRel = fs.existsSync(path.join(root, "usr/lib"))
    ? fs
        .readdirSync(path.join(root, "usr/lib"))
        .find((d) => /-linux-gnu/.test(d) && fs.existsSync(path.join(root, "usr/lib", d, "libcyrus.so.0")))
    : undefined;
  if (!libRel) missing.push(`${root}/usr/lib/<triplet>/libcyrus.so.0`);
  const saslpasswd2 = findOnPath("saslpasswd2");
  if (!saslpasswd2) missing.push("saslpasswd2 (Debian's sasl2-bin)");
  if (process.getuid?.() === 0 && uidOf("cyrus") === undefined) missing.push("the system user `cyrus`");
  if (missing.length > 0 || !libRel || !saslpasswd2)
    throw new CyrusError(
      `Cyrus IMAP is not installed for the test harness (missing: ${missing.join(", ")}): ${SETUP_HINT}; MAILSHIFT_CACHE moves the cache folder (now ${root}).`,
    );
  return { root, libRel: path.join("usr/lib", libRel), saslpasswd2 };
}

function uidOf(user: string): number | undefined {
  try {
    return Number(execFileSync("id", ["-u", user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return undefined;
  }
}

function gidOf(user: string): number | undefined {
  try {
    return Number(execFileSync("id", ["-g", user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return undefined;
  }
}

/** Who Cyrus runs as: `cyrus` when we are root (it refuses root), else ourselves. */
export interface CyrusIdentity {
  user: string;
  uid: number;
  gid: number;
  asRoot: boolean;
  /**
   * How a root harness runs Cyrus: "namespace" (private mount namespace: cache bind-mounted, syslog captured), or
   * "copy" where mount namespaces are not allowed (an unprivileged container): the packages are copied into the
   * temp folder and syslog is not captured. "self" when not root.
   */
  mode: "namespace" | "copy" | "self";
}

let namespacesAllowed: boolean | undefined;

/** Whether this root process may create a mount namespace and mount in it (a container may forbid it). */
function mountNamespaceAllowed(): boolean {
  if (process.env.MAILSHIFT_CYRUS_NO_NAMESPACE === "1") return false;
  if (namespacesAllowed === undefined) {
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), "cy-ns-probe-"));
    try {
      execFileSync("unshare", ["--mount", "--propagation", "private", "--", "mount", "-t", "tmpfs", "mailshift-probe", probe], {
        stdio: "ignore",
        timeout: 10_000,
      });
      namespacesAllowed = true;
    } catch {
      namespacesAllowed = false;
    } finally {
      fs.rmSync(probe, { recursive: true, force: true });
    }
  }
  return namespacesAllowed;
}

export function cyrusIdentity(): CyrusIdentity {
  if (process.getuid?.() === 0) {
    const uid = uidOf("cyrus");
    const gid = gidOf("cyrus");
    if (uid === undefined || gid === undefined)
      throw new CyrusError(`running as root but the system user \`cyrus\` does not exist: ${SETUP_HINT}`);
    return { user: "cyrus", uid, gid, asRoot: true, mode: mountNamespaceAllowed() ? "namespace" : "copy" };
  }
  const me = os.userInfo();
  return { user: me.username, uid: me.uid, gid: me.gid, asRoot: false, mode: "self" };
}

/** The layout a hierarchy gives: LAYOUTS.old's special folders under the hierarchy's prefix and separator. */
export function cyrusSpec(h: CyrusHierarchy): LayoutSpec {
  const specialFolders = LAYOUTS.old.specialFolders;
  return h === "dot" ? { prefix: "INBOX.", separator: ".", specialFolders } : { prefix: "", separator: "/", specialFolders };
}

export function validateCyrusUser(u: MailUser, h: CyrusHierarchy): void {
  // local part: in the dot hierarchy "." is the separator, so it cannot be in a user name; the domain part (virtdomains) may have dots
  const local = h === "dot" ? "[A-Za-z0-9_][A-Za-z0-9_+-]*" : "[A-Za-z0-9_][A-Za-z0-9._+-]*";
  if (!new RegExp(`^${local}(@[A-Za-z0-9][A-Za-z0-9.-]*)?$`).test(u.user))
    throw new CyrusError(
      `mail user ${JSON.stringify(u.user)}: on Cyrus (${h} hierarchy) use letters, digits and _ + -${h === "slash" ? " ." : ""} only, optionally @domain`,
    );
  if (u.user.split("@")[0].toLowerCase() === CYRUS_ADMIN)
    throw new CyrusError(`mail user ${u.user}: ${CYRUS_ADMIN} is the harness's Cyrus administrator`);
  if (u.password.length === 0 || /[\r\n\0]/.test(u.password))
    throw new CyrusError(`mail user ${u.user}: the password must be non-empty without line breaks or NUL (saslpasswd2 reads one line)`);
  if (u.quotaBytes !== undefined && (!Number.isSafeInteger(u.quotaBytes) || u.quotaBytes <= 0))
    throw new CyrusError(`mail user ${u.user}: quotaBytes must be a positive whole number of bytes, or undefined for no quota`);
}

/** Cyrus quotas are whole KiB (IMAP STORAGE units): a byte quota is rounded up to the next KiB. */
export function quotaKiB(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

export interface CyrusConfigInput {
  hierarchy: CyrusHierarchy;
  dir: string;
  /** Where the unpacked packages are as Cyrus sees them (inside the temp folder when root). */
  root: string;
  port: number;
  servername: string;
  user: string;
  maxMessageBytes?: number;
  metadata?: boolean;
}

/** imapd.conf for one instance. Pure, so the choices can be read and tested in one place. */
export function imapdConf(c: CyrusConfigInput): string {
  const slash = c.hierarchy === "slash";
  return [
    `# Generated by harness/cyrus.ts for a throwaway loopback server; nothing from /etc is read.`,
    `configdirectory: ${path.join(c.dir, "conf")}`,
    `defaultpartition: default`,
    `partition-default: ${path.join(c.dir, "spool")}`,
    `sievedir: ${path.join(c.dir, "sieve")}`,
    `temp_path: ${path.join(c.dir, "tmp")}`,
    `lmtpsocket: ${path.join(c.dir, "conf", "socket", "lmtp")}`,
    `idlesocket: ${path.join(c.dir, "conf", "socket", "idle")}`,
    `notifysocket: ${path.join(c.dir, "conf", "socket", "notify")}`,
    `serverdir: ${path.join(c.root, "usr/lib/cyrus/bin")}`,
    `cyrus_user: ${c.user}`,
    // unique per instance: the readiness probe recognises its own server by the greeting, and it is the SASL realm
    `servername: ${c.servername}`,
    `syslog_prefix: ${c.servername}`,
    `admins: ${CYRUS_ADMIN}`,
    // user@domain logins land in the domain's own mailboxes (bob@mail2.example.com), as on a multi-domain host
    `virtdomains: userid`,
    `sasl_pwcheck_method: auxprop`,
    `sasl_auxprop_plugin: sasldb`,
    `sasl_sasldb_path: ${path.join(c.dir, "sasldb2")}`,
    `sasl_mech_list: PLAIN LOGIN`,
    `allowplaintext: yes`,
    // no 3 s pause after a failed login: tests of wrong passwords stay fast (Dovecot's auth_failure_delay = 0)
    `failedloginpause: 0`,
    `unixhierarchysep: ${slash ? "yes" : "no"}`,
    `altnamespace: ${slash ? "yes" : "no"}`,
    ...(c.maxMessageBytes !== undefined ? [`maxmessagesize: ${c.maxMessageBytes}`] : []),
    ...(c.metadata ? [`annotation_allow_undefined: yes`] : []),
    // the engine and tests connect often from 127.0.0.1: no reverse lookups, no idle timeout surprises
    `hashimapspool: no`,
    `reverseacls: no`,
    ``,
  ].join("\n");
}

/** cyrus.conf: database recovery at start, then imapd on 127.0.0.1:port only. */
export function cyrusConf(c: CyrusConfigInput): string {
  const bin = path.join(c.root, "usr/lib/cyrus/bin");
  const conf = path.join(c.dir, "imapd.conf");
  return [
    `# Generated by harness/cyrus.ts.`,
    `START {`,
    `  recover cmd="${bin}/ctl_cyrusdb -C ${conf} -r"`,
    `}`,
    `SERVICES {`,
    // one process per connection (prefork=0), as many as the engine's lanes need
    `  imap cmd="${bin}/imapd -C ${conf}" listen="127.0.0.1:${c.port}" prefork=0 maxchild=200`,
    `}`,
    `EVENTS {`,
    `}`,
    `DAEMON {`,
    `}`,
    ``,
  ].join("\n");
}

/** The folders Cyrus expects below configdirectory and the partition (what Debian's cyrus-makedirs creates). */
function makeDirs(dir: string): string[] {
  const made = ["conf", "spool", "sieve", "tmp"];
  for (const d of ["db", "proc", "socket", "log", "msg", "user", "quota", "lock"]) made.push(path.join("conf", d));
  made.push(path.join("spool", "stage."));
  for (const d of made) fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o750 });
  return made;
}

/**
 * Run as root: a private mount namespace with the cache bind-mounted at $2/cyrus and /dev/log linked to $2/syslog.sock,
 * then `cyrus` runs the rest of the arguments ($3 is the user). unshare and setpriv exec, so the spawned pid is master's.
 */
const NAMESPACE_SCRIPT = [
  "set -e",
  "cache=$1; dir=$2; user=$3; shift 3",
  'mount --bind "$cache" "$dir/cyrus"',
  'mount -o remount,bind,ro "$dir/cyrus" 2>/dev/null || true',
  'mount --rbind /dev "$dir/hostdev"',
  "mount -t tmpfs -o mode=755 mailshift-cyrus-dev /dev",
  'ln -s "$dir"/hostdev/* /dev/', // one ln for all entries: a fork per entry took a second
  'ln -sf "$dir/syslog.sock" /dev/log',
  'exec setpriv --reuid="$user" --regid="$user" --init-groups "$@"',
].join("\n");

const running = new RunningServers<Cyrus>();

export function stopAllCyrus(): Promise<void> {
  return running.stopAll();
}

export class Cyrus implements ImapServer {
  readonly kind = "cyrus" as const;
  readonly host = "127.0.0.1";
  readonly hierarchy: CyrusHierarchy;
  readonly servername: string;
  private readonly users = new Map<string, MailUser>();
  private readonly adminPassword = `admin-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

  /** The harness's administrator (in `admins:`), for tests of logins on a user's behalf. */
  get admin(): MailUser {
    return { user: CYRUS_ADMIN, password: this.adminPassword };
  }
  private master: ChildProcess | undefined;
  private masterPid: number | undefined;
  private watchdog: { release(): void } | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = "";
  private syslog: net.Server | undefined;
  private readonly syslogConns = new Set<net.Socket>();
  private logFd: number | undefined;
  /** What the syslog socket received, also kept here: logs() must work after stop() removed the folder. */
  private logText = "";

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly opts: CyrusOptions,
    private readonly install: CyrusInstall,
    private readonly identity: CyrusIdentity,
  ) {
    this.hierarchy = opts.hierarchy;
    this.servername = `mailshift-${path.basename(dir).replace(/[^A-Za-z0-9-]/g, "-")}`.toLowerCase();
  }

  static async start(opts: CyrusOptions): Promise<Cyrus> {
    const install = ensureCyrus();
    for (const u of opts.users) validateCyrusUser(u, opts.hierarchy);
    const identity = cyrusIdentity();
    const label = (opts.name ?? opts.hierarchy).replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 24);
    // short path: unix sockets live under it and must fit in 108 bytes
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cy-${label}-`));
    fs.chmodSync(dir, 0o755); // `cyrus` must traverse it; the folder itself stays ours, what Cyrus writes is below
    for (const d of makeDirs(dir)) if (identity.asRoot) fs.chownSync(path.join(dir, d), identity.uid, identity.gid);
    if (identity.mode === "namespace") {
      fs.mkdirSync(path.join(dir, "cyrus"), { mode: 0o755 }); // the cache's mount point
      fs.mkdirSync(path.join(dir, "hostdev"), { mode: 0o755 }); // the real /dev's, inside the namespace only
    } else if (identity.mode === "copy") {
      // `cyrus` cannot reach the cache under /root: a copy it can read (about 6 MB)
      fs.cpSync(install.root, path.join(dir, "cyrus"), { recursive: true, verbatimSymlinks: true });
    }

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const c = new Cyrus(dir, port, opts, install, identity);
      c.writeConfig();
      try {
        await c.launch();
      } catch (err) {
        // another process may have taken the free port between our probe and master's bind
        if (attempt < 4 && /Address already in use|unable to bind/i.test(String((err as Error).message))) continue;
        throw err;
      }
      try {
        for (const u of opts.users) await c.addUser(u);
      } catch (err) {
        await c.stop().catch(() => undefined);
        throw err;
      }
      return c;
    }
  }

  get spec(): LayoutSpec {
    return cyrusSpec(this.hierarchy);
  }

  url(user: string): string {
    return `imap://${encodeURIComponent(user)}@${this.host}:${this.port}`;
  }

  /** The user's INBOX as the administrator names it (user.NAME or user/NAME, @domain kept). */
  adminMailbox(user: string): string {
    return `user${this.hierarchy === "dot" ? "." : "/"}${user.toLowerCase()}`;
  }

  /**
   * Adds (or replaces) a user: a SASL credential in the instance's sasldb, the INBOX created by the administrator
   * (with the quota, or none), and the special folders created by the user with their SPECIAL-USE (RFC 6154
   * CREATE ... (USE (...)), which Cyrus advertises as CREATE-SPECIAL-USE) and subscribed.
   */
  async addUser(u: MailUser): Promise<void> {
    validateCyrusUser(u, this.hierarchy);
    const user = u.user.toLowerCase();
    const before = this.users.get(user);
    this.users.set(user, { ...u });
    this.setPassword(user, u.password);
    const admin = await this.login(CYRUS_ADMIN, this.adminPassword);
    try {
      const mailbox = this.adminMailbox(user);
      const created = await admin.command(["CREATE", astring(mailbox)]);
      if (created.status !== "OK" && !/ALREADYEXISTS|already exists/i.test(created.text))
        throw new CyrusError(
          `${this.label}: CREATE ${mailbox} for ${u.user} failed: ${created.status} ${created.text}; log:\n${this.logs().slice(-2000)}`,
        );
      // no quota: no quota root at all (SETQUOTA () would leave an empty one), unless one must be lifted
      if (u.quotaBytes !== undefined || before?.quotaBytes !== undefined) {
        const limit = u.quotaBytes === undefined ? "()" : `(STORAGE ${quotaKiB(u.quotaBytes)})`;
        const quota = await admin.command(["SETQUOTA", astring(mailbox), limit]);
        if (quota.status !== "OK")
          throw new CyrusError(`${this.label}: SETQUOTA ${mailbox} ${limit} for ${u.user} failed: ${quota.status} ${quota.text}`);
      }
      await admin.command(["LOGOUT"]).catch(() => undefined);
    } finally {
      admin.close();
    }
    const own = await this.login(u.user, u.password);
    try {
      // a replaced user keeps its folders: CREATE ... (USE (\Sent)) of an existing \Sent folder answers
      // NO [USEATTR] SPECIAL-USE flag conflict (Cyrus checks the use before the name), so only missing ones
      const listed = await own.command(["LIST", '""', '"*"']);
      const existing = new Set(
        listed.lines.map((l) => /^\* LIST \([^)]*\) (?:"[^"]*"|NIL) "?(.*?)"?$/.exec(l)?.[1]).filter((n) => n !== undefined),
      );
      for (const f of this.spec.specialFolders) {
        const name = this.spec.prefix + f.name;
        if (existing.has(name)) continue;
        const r = await own.command(["CREATE", astring(name), `(USE (${f.specialUse}))`]);
        if (r.status !== "OK" && !/ALREADYEXISTS|already exists/i.test(r.text))
          throw new CyrusError(`${this.label}: CREATE ${name} (USE (${f.specialUse})) as ${u.user} failed: ${r.status} ${r.text}`);
        await own.command(["SUBSCRIBE", astring(name)]);
      }
      await own.command(["LOGOUT"]).catch(() => undefined);
    } finally {
      own.close();
    }
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.opts.keepDir === false) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Cyrus's syslog messages (as root) and master's stderr. */
  logs(): string {
    const log = this.logText;
    const note =
      this.identity.mode === "namespace"
        ? ""
        : "(Cyrus's syslog messages are captured only when the harness runs as root and may create a mount namespace)\n";
    return note + log + (this.stderr ? `master stderr:\n${this.stderr}` : "");
  }

  /** Synchronous last-resort kill, for the process exit hook. */
  killNow(): void {
    signalGroup(this.masterPid, "SIGKILL");
  }

  get logPath(): string {
    return path.join(this.dir, "cyrus.log");
  }

  private get label(): string {
    return `Cyrus ${this.opts.name ?? this.hierarchy} (127.0.0.1:${this.port})`;
  }

  /** Where the packages are as Cyrus sees them. */
  private get root(): string {
    return this.identity.asRoot ? path.join(this.dir, "cyrus") : this.install.root;
  }

  private writeConfig(): void {
    const input: CyrusConfigInput = {
      hierarchy: this.hierarchy,
      dir: this.dir,
      root: this.root,
      port: this.port,
      servername: this.servername,
      user: this.identity.user,
      maxMessageBytes: this.opts.maxMessageBytes,
      metadata: this.opts.metadata,
    };
    fs.writeFileSync(path.join(this.dir, "imapd.conf"), imapdConf(input));
    fs.writeFileSync(path.join(this.dir, "cyrus.conf"), cyrusConf(input));
    this.setPassword(CYRUS_ADMIN, this.adminPassword);
  }

  /** saslpasswd2 into the instance's sasldb; the realm is servername, or the domain of user@domain. */
  private setPassword(user: string, password: string): void {
    const at = user.lastIndexOf("@");
    const [name, realm] = at < 0 ? [user, this.servername] : [user.slice(0, at), user.slice(at + 1)];
    const db = path.join(this.dir, "sasldb2");
    try {
      execFileSync(this.install.saslpasswd2, ["-p", "-c", "-f", db, "-u", realm, name], {
        input: `${password}\n`,
        stdio: ["pipe", "ignore", "pipe"],
      });
    } catch (err) {
      throw new CyrusError(
        `${this.label}: saslpasswd2 for ${user} into ${db} failed: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`,
      );
    }
    if (this.identity.asRoot) fs.chownSync(db, 0, this.identity.gid);
    fs.chmodSync(db, 0o640);
  }

  private async login(user: string, password: string): Promise<RawImap> {
    const c = await RawImap.connect(this.host, this.port);
    const r = await c.command(["LOGIN", astring(user), astring(password)]);
    if (r.status !== "OK") {
      c.close();
      throw new CyrusError(`${this.label}: LOGIN as ${user} failed: ${r.status} ${r.text}; log:\n${this.logs().slice(-2000)}`);
    }
    return c;
  }

  /** Listens on the socket the namespace's /dev/log points at; glibc's syslog sends NUL-terminated messages. */
  private async listenSyslog(): Promise<void> {
    const sock = path.join(this.dir, "syslog.sock");
    fs.rmSync(sock, { force: true });
    this.logFd ??= fs.openSync(this.logPath, "a");
    const fd = this.logFd;
    const server = net.createServer((conn) => {
      this.syslogConns.add(conn);
      conn.on("close", () => this.syslogConns.delete(conn));
      let pending = "";
      conn.on("data", (d: Buffer) => {
        pending += d.toString("utf8");
        const parts = pending.split("\0");
        pending = parts.pop() ?? "";
        const text = parts.map((p) => `${p.replace(/^<\d+>/, "").replace(/\n$/, "")}\n`).join("");
        if (text) {
          this.logText += text;
          fs.writeSync(fd, text);
        }
      });
      conn.on("error", () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(sock, () => resolve());
    });
    fs.chmodSync(sock, 0o666);
    server.unref();
    this.syslog = server;
  }

  private async launch(): Promise<void> {
    this.stderr = "";
    if (this.identity.mode === "namespace") await this.listenSyslog();
    const env: NodeJS.ProcessEnv = {
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
      LD_LIBRARY_PATH: path.join(this.root, this.install.libRel),
      LANG: "C",
    };
    const masterArgs = [
      path.join(this.root, "usr/lib/cyrus/bin/master"),
      "-D",
      "-C",
      path.join(this.dir, "imapd.conf"),
      "-M",
      path.join(this.dir, "cyrus.conf"),
      "-p",
      path.join(this.dir, "tmp", "master.pid"),
    ];
    const asCyrus = ["--reuid", this.identity.user, "--regid", this.identity.user, "--init-groups"];
    const [cmd, args] =
      this.identity.mode === "namespace"
        ? [
            "unshare",
            [
              "--mount",
              "--propagation",
              "private",
              "--",
              "sh",
              "-c",
              NAMESPACE_SCRIPT,
              "mailshift-cyrus",
              this.install.root,
              this.dir,
              this.identity.user,
              ...masterArgs,
            ],
          ]
        : this.identity.mode === "copy"
          ? ["setpriv", [...asCyrus, ...masterArgs]]
          : [masterArgs[0], masterArgs.slice(1)];
    const master = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], detached: true, env });
    this.master = master;
    this.masterPid = master.pid;
    this.exited = new Promise<void>((resolve) => {
      if (master.exitCode !== null || master.signalCode !== null) resolve();
      else master.once("exit", () => resolve());
    });
    master.on("error", (e) => {
      this.stderr += `spawn ${cmd}: ${e.message}\n`;
    });
    master.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString("utf8");
    });
    master.unref();
    (master.stderr as net.Socket | null)?.unref();
    running.add(this);
    if (master.pid !== undefined)
      this.watchdog = startWatchdog(master.pid, this.opts.keepDir === false ? this.dir : "", "mailshift-cyrus-watchdog");

    const deadline = Date.now() + 15_000;
    for (;;) {
      if (master.exitCode !== null || master.signalCode !== null) {
        await this.halt().catch(() => undefined);
        throw new CyrusError(
          `${this.label} exited while starting (code ${master.exitCode ?? master.signalCode}): ${this.stderr.trim()}\n${this.logs().trim()}\nconfig: ${this.dir}/imapd.conf`,
        );
      }
      if (/unable to bind|Address already in use/i.test(this.logs())) {
        await this.halt().catch(() => undefined);
        throw new CyrusError(`${this.label}: Address already in use (${this.logs().trim().split("\n").slice(-3).join(" | ")})`);
      }
      try {
        const line = await greeting(this.host, this.port, 2_000);
        if (line.startsWith("* OK") && line.includes(` ${this.servername} Cyrus IMAP`)) return;
        throw new Error(`unexpected greeting ${JSON.stringify(line)}`);
      } catch (err) {
        if (Date.now() > deadline) {
          await this.halt().catch(() => undefined);
          throw new CyrusError(
            `${this.label} did not greet within 15 s (${(err as Error).message}); log:\n${this.logs().trim()}\nconfig: ${this.dir}/imapd.conf`,
          );
        }
        await sleep(30);
      }
    }
  }

  /** Stops master and everything it started (its process group), then waits until the port refuses connections. */
  private async halt(): Promise<void> {
    const master = this.master;
    const pid = this.masterPid;
    if (master) {
      this.master = undefined;
      this.watchdog?.release();
      this.watchdog = undefined;
      // master "kills itself and all child processes when it receives a SIGTERM"; the group signal reaches an
      // imapd master no longer tracks, too
      signalGroup(pid, "SIGTERM");
      const gone = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!gone) signalGroup(pid, "SIGKILL");
      await held(this.exited);
      for (let i = 0; i < 100 && groupAlive(pid); i++) {
        if (i === 50) signalGroup(pid, "SIGKILL");
        await held(sleep(20));
      }
      signalGroup(pid, "SIGKILL");
      running.delete(this);
    }
    if (this.syslog) {
      const s = this.syslog;
      this.syslog = undefined;
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const c of this.syslogConns) c.destroy();
      await held(closed);
    }
    if (this.logFd !== undefined) {
      fs.closeSync(this.logFd);
      this.logFd = undefined;
    }
    const deadline = Date.now() + 10_000;
    while (!(await portClosed(this.host, this.port))) {
      if (Date.now() > deadline)
        throw new CyrusError(`${this.label}: port ${this.port} still accepts connections 10 s after stopping Cyrus; see ${this.logPath}`);
      await sleep(20);
    }
  }
}
