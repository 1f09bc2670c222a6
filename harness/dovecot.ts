// Throwaway Dovecot IMAP servers on loopback for tests and benchmarks: each has its own config, run dir,
// passwd-file, maildirs and log in one temp folder, never reads /etc/dovecot and never listens beyond 127.0.0.1.
// Two layouts mimic the two ends of a migration: "old" (cPanel/Courier: INBOX. prefix, "." separator) and
// "new" (Exchange Online names, "/" separator, no prefix).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import type { RawMessage } from "./corpus";
import type { ImapServer } from "./imapServer";
import { freePort, greeting, held, portClosed, RunningServers, sleep } from "./serverProcess";
import { storeInMaildir } from "./maildirStore";

export type Layout = "old" | "new";

export interface MailUser {
  user: string;
  password: string;
  quotaBytes?: number;
}

export interface DovecotOptions {
  layout: Layout;
  users: MailUser[];
  /** APPEND of a larger message is refused by the server (quota_max_mail_size). */
  maxMessageBytes?: number;
  /** Default: a free loopback port. */
  port?: number;
  /** For logs and the temp folder name. */
  name?: string;
  /** Default false (mail_fsync = never), for speed. */
  fsync?: boolean;
  /** Default true: stop() leaves the temp folder for diagnostics; false removes it. */
  keepDir?: boolean;
  /** PEM files of the server certificate and its key: STARTTLS on `port`, implicit TLS on `imapsPort`. */
  tls?: TlsFiles;
  /** Implicit-TLS port when `tls` is set. Default: a free loopback port. */
  imapsPort?: number;
  /** XOAUTH2 and OAUTHBEARER logins, the token checked by POSTing it to this RFC 7662 introspection URL. */
  oauth2?: OAuth2Validation;
  /** Master users: each may log in as any user (SASL PLAIN with an authorization identity), with its own password. */
  masterUsers?: MailUser[];
  /**
   * Also keep every user in one passwd-file (users.all), a userdb `doveadm user '*'` can list, as on a host whose
   * userdb is one file or SQL. The per-user files stay first (a new user logs in at once); doveadm lists the
   * users, then reports that those files cannot be listed (exit 75 after a complete listing).
   */
  listableUsers?: boolean;
  /**
   * IMAP METADATA (RFC 5464), as an admin enables it: `imap_metadata = yes` and a dict for the entries
   * (`mail_attribute_dict`, a file in each user's home). Where mailshift keeps its watermarks on the destination.
   */
  metadata?: boolean;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

export interface OAuth2Validation {
  /**
   * http://127.0.0.1:PORT/...; Dovecot POSTs `token=<token>` and expects {"active": true, "username": "<the
   * mailbox logged in to>"}.
   */
  introspectionUrl: string;
}

/** A special-use folder as the layout names it (without the namespace prefix). */
export interface SpecialFolder {
  name: string;
  specialUse: "\\Sent" | "\\Drafts" | "\\Trash" | "\\Junk" | "\\Archive";
}

export interface LayoutSpec {
  prefix: string;
  separator: string;
  specialFolders: readonly SpecialFolder[];
}

export const LAYOUTS: Readonly<Record<Layout, LayoutSpec>> = {
  old: {
    prefix: "INBOX.",
    separator: ".",
    specialFolders: [
      { name: "Sent", specialUse: "\\Sent" },
      { name: "Drafts", specialUse: "\\Drafts" },
      { name: "Trash", specialUse: "\\Trash" },
      { name: "Junk", specialUse: "\\Junk" },
      { name: "Archive", specialUse: "\\Archive" },
    ],
  },
  new: {
    prefix: "",
    separator: "/",
    specialFolders: [
      { name: "Sent Items", specialUse: "\\Sent" },
      { name: "Drafts", specialUse: "\\Drafts" },
      { name: "Deleted Items", specialUse: "\\Trash" },
      { name: "Junk Email", specialUse: "\\Junk" },
      { name: "Archive", specialUse: "\\Archive" },
    ],
  },
};

export class DovecotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DovecotError";
  }
}

/** Who the server's processes run as. As root, mail is owned by an unprivileged system user. */
export interface ProcessIdentity {
  uid: number;
  gid: number;
  loginUser: string;
  internalUser: string;
  internalGroup: string;
  /** Started by root: Dovecot switches users and chroots its login processes; otherwise it can do neither. */
  asRoot: boolean;
}

const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

export function findDovecotBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const d of dirs) {
    const p = path.join(d, "dovecot");
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** dovecot-core without dovecot-imapd has the master but no IMAP server to run. */
function hasImapServer(bin: string): boolean {
  return fs.existsSync(path.join(path.dirname(bin), "..", "lib", "dovecot", "imap"));
}

/** Installs Dovecot from Debian when it is missing (as root), else says what to install. */
export function ensureDovecot(): void {
  const found = findDovecotBinary();
  if (found && hasImapServer(found)) return;
  const what = found
    ? "Dovecot is installed without its IMAP server: install Debian's dovecot-imapd (`sudo apt-get install -y dovecot-imapd`)"
    : "Dovecot is not installed: install Debian's dovecot-imapd (`sudo apt-get install -y dovecot-imapd`)";
  if (process.getuid?.() !== 0) throw new DovecotError(`${what}; the test harness installs it itself only when run as root.`);
  // The package's post-install would start the system-wide Dovecot on 0.0.0.0; a temporary policy-rc.d
  // (the standard Debian switch) keeps the harness the only Dovecot running.
  const policy = "/usr/sbin/policy-rc.d";
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy) fs.writeFileSync(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "dovecot-imapd"], { stdio: "inherit", env });
  } catch (err) {
    throw new DovecotError(`${what}; apt-get failed: ${(err as Error).message}`);
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
  const bin = findDovecotBinary();
  if (!bin || !hasImapServer(bin))
    throw new DovecotError(`${what}; apt-get install dovecot-imapd finished but dovecot or its imap server is still missing.`);
}

function idOf(flag: "-u" | "-g", user: string): number | undefined {
  try {
    return Number(execFileSync("id", [flag, user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return undefined;
  }
}

export function processIdentity(): ProcessIdentity {
  if (process.getuid?.() === 0) {
    // Dovecot refuses root as the mail user; Debian's package creates `dovecot` (internal) and `dovenull` (login).
    const uid = idOf("-u", "dovecot");
    const gid = idOf("-g", "dovecot");
    if (uid === undefined || gid === undefined)
      throw new DovecotError(
        "running as root but the system user `dovecot` does not exist: reinstall dovecot-core (apt-get install --reinstall dovecot-core)",
      );
    const loginUser = idOf("-u", "dovenull") === undefined ? "dovecot" : "dovenull";
    return { uid, gid, loginUser, internalUser: "dovecot", internalGroup: "dovecot", asRoot: true };
  }
  // Not root: Dovecot runs every process as ourselves, so every user and group setting must name us.
  const me = os.userInfo();
  let group = String(me.gid);
  try {
    group = execFileSync("id", ["-gn"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || group;
  } catch {
    // keep the number
  }
  return { uid: me.uid, gid: me.gid, loginUser: me.username, internalUser: me.username, internalGroup: group, asRoot: false };
}

function confValue(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export interface ConfigInput {
  layout: Layout;
  dir: string;
  port: number;
  instanceName: string;
  identity: ProcessIdentity;
  maxMessageBytes?: number;
  fsync: boolean;
  tls?: TlsFiles;
  /** Master users' passwd-file, when there are any. */
  masters?: string;
  /** A passwd-file of every user, listed by `doveadm user '*'`. */
  allUsers?: string;
  /** Required with `tls`. */
  imapsPort?: number;
  oauth2?: OAuth2Validation;
  metadata?: boolean;
}

/**
 * The oauth2 passdb's settings file (dovecot-oauth2.conf.ext): RFC 7662 introspection, the token POSTed as
 * `token=...`. The URL is used as is (2.3.19 expands no variables in it; a `%u` makes it invalid and the auth
 * process panics), so the endpoint learns the mailbox from the token alone.
 */
export function oauth2PassdbConfig(o: OAuth2Validation): string {
  return [
    `introspection_mode = post`,
    `introspection_url = ${o.introspectionUrl}`,
    `username_attribute = username`,
    `active_attribute = active`,
    `active_value = true`,
    ``,
  ].join("\n");
}

export function oauth2ConfPath(dir: string): string {
  return path.join(dir, "oauth2.conf.ext");
}

export function greetingFor(instanceName: string): string {
  return `Dovecot ready (${instanceName}).`;
}

/** The whole dovecot.conf for one instance. Pure, so the choices can be read and tested in one place. */
export function dovecotConfig(c: ConfigInput): string {
  const spec = LAYOUTS[c.layout];
  // "new" uses LAYOUT=fs so that folder names may contain "." as on Exchange; "old" is Maildir++ like cPanel.
  const location = c.layout === "new" ? "maildir:~/Maildir:LAYOUT=fs" : "maildir:~/Maildir";
  const mailboxes = spec.specialFolders
    .map((f) => `  mailbox ${confValue(f.name)} {\n    special_use = ${f.specialUse}\n    auto = subscribe\n  }`)
    .join("\n");
  const plugin = [
    // count: usage from the index, in message sizes as IMAP reports them (quota_vsizes), like a hosted quota.
    `  quota = count:User quota`,
    `  quota_vsizes = yes`,
    // no grace: a quota means exactly that many bytes, so over-quota tests are exact
    `  quota_grace = 0`,
    ...(c.maxMessageBytes !== undefined ? [`  quota_max_mail_size = ${c.maxMessageBytes}B`] : []),
  ];
  return [
    `# Generated by harness/dovecot.ts for a throwaway loopback server; nothing from /etc/dovecot is read.`,
    `instance_name = ${c.instanceName}`,
    // unique per instance, so the readiness probe cannot mistake another server on the port for this one
    `login_greeting = ${greetingFor(c.instanceName)}`,
    `base_dir = ${path.join(c.dir, "run")}`,
    `state_dir = ${path.join(c.dir, "state")}`,
    `log_path = ${path.join(c.dir, "dovecot.log")}`,
    `protocols = imap`,
    `listen = 127.0.0.1`,
    ...(c.tls ? [`ssl = yes`, `ssl_cert = <${c.tls.cert}`, `ssl_key = <${c.tls.key}`] : [`ssl = no`]),
    `disable_plaintext_auth = no`,
    `auth_mechanisms = plain login${c.oauth2 ? " xoauth2 oauthbearer" : ""}`,
    `auth_verbose = yes`,
    // no 2 s penalty after a failed login: tests of wrong passwords stay fast
    `auth_failure_delay = 0`,
    `auth_cache_size = 0`,
    `default_login_user = ${c.identity.loginUser}`,
    `default_internal_user = ${c.identity.internalUser}`,
    `default_internal_group = ${c.identity.internalGroup}`,
    `first_valid_uid = ${c.identity.uid}`,
    `last_valid_uid = ${c.identity.uid}`,
    `first_valid_gid = ${c.identity.gid}`,
    `last_valid_gid = ${c.identity.gid}`,
    `mail_location = ${location}`,
    `mail_fsync = ${c.fsync ? "optimized" : "never"}`,
    `mail_plugins = $mail_plugins quota`,
    ...(c.metadata ? [`mail_attribute_dict = file:%h/dovecot-attributes`] : []),
    // one passwd-file per user (the username is lowercased by auth_username_format before it is expanded):
    // Dovecot re-stats a passwd-file at most once a second, but a file it has never opened is read at once,
    // so a new user can log in immediately after addUser.
    // master users first: a login that names another user (authzid) is checked here, then the user looked up below
    ...(c.masters
      ? [`passdb {`, `  driver = passwd-file`, `  master = yes`, `  pass = yes`, `  args = scheme=PLAIN ${c.masters}`, `}`]
      : []),
    `passdb {`,
    `  driver = passwd-file`,
    `  args = scheme=PLAIN username_format=%u ${path.join(c.dir, "users")}/%u`,
    `}`,
    // tokens: a password that passwd-file refuses goes on to the introspection endpoint
    ...(c.oauth2 ? [`passdb {`, `  driver = oauth2`, `  mechanisms = xoauth2 oauthbearer`, `  args = ${oauth2ConfPath(c.dir)}`, `}`] : []),
    `userdb {`,
    `  driver = passwd-file`,
    `  args = username_format=%u ${path.join(c.dir, "users")}/%u`,
    `}`,
    ...(c.allUsers ? [`userdb {`, `  driver = passwd-file`, `  args = username_format=%u ${c.allUsers}`, `}`] : []),
    `namespace inbox {`,
    `  inbox = yes`,
    `  prefix = ${spec.prefix}`,
    `  separator = ${spec.separator}`,
    mailboxes,
    `}`,
    `protocol imap {`,
    `  mail_plugins = $mail_plugins imap_quota`,
    ...(c.metadata ? [`  imap_metadata = yes`] : []),
    `  mail_max_userip_connections = 200`,
    `}`,
    `plugin {`,
    ...plugin,
    `}`,
    // no per-IP penalty after failed logins: every test connects from 127.0.0.1, and one wrong-password test
    // would otherwise slow every later login by up to 15 s (Dovecot's documented switch)
    `service anvil {`,
    ...(c.identity.asRoot ? [] : [`  chroot =`]),
    `  unix_listener anvil-auth-penalty {`,
    `    mode = 0`,
    `  }`,
    `}`,
    `service imap-login {`,
    ...(c.identity.asRoot ? [] : [`  chroot =`]),
    `  inet_listener imap {`,
    `    address = 127.0.0.1`,
    `    port = ${c.port}`,
    `  }`,
    `  inet_listener imaps {`,
    ...(c.tls && c.imapsPort !== undefined ? [`    address = 127.0.0.1`, `    port = ${c.imapsPort}`, `    ssl = yes`] : [`    port = 0`]),
    `  }`,
    // one long-lived login process instead of a fork per connection: the engine and benchmarks connect often
    `  service_count = 0`,
    `  process_min_avail = 1`,
    `}`,
    ``,
  ].join("\n");
}

export function validateUser(u: MailUser): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._@+-]*$/.test(u.user))
    throw new DovecotError(
      `mail user ${JSON.stringify(u.user)}: use letters, digits and . _ @ + - only, not first a dot or dash (it names a passwd-file and a folder)`,
    );
  if (/[:\r\n]/.test(u.password) || u.password.length === 0)
    throw new DovecotError(`mail user ${u.user}: the password must be non-empty without ':' or line breaks (passwd-file format)`);
  if (u.quotaBytes !== undefined && (!Number.isSafeInteger(u.quotaBytes) || u.quotaBytes <= 0))
    throw new DovecotError(`mail user ${u.user}: quotaBytes must be a positive whole number of bytes, or undefined for no quota`);
}

/** One passwd-file line: user:{PLAIN}password:uid:gid::home::extra fields. */
export function passwdLine(u: MailUser, id: ProcessIdentity, home: string): string {
  const extra = u.quotaBytes === undefined ? "" : `userdb_quota_rule=*:storage=${u.quotaBytes}B`;
  return `${u.user.toLowerCase()}:{PLAIN}${u.password}:${id.uid}:${id.gid}::${home}::${extra}`;
}

/** Signals the master's process group (it leads one: spawned detached); a group already gone is fine. */
function signalGroup(master: ChildProcess, signal: NodeJS.Signals): void {
  if (master.pid === undefined) return;
  try {
    process.kill(-master.pid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

const running = new RunningServers<Dovecot>();

export function stopAllDovecots(): Promise<void> {
  return running.stopAll();
}

export class Dovecot implements ImapServer {
  readonly kind = "dovecot" as const;
  readonly host = "127.0.0.1";
  readonly layout: Layout;
  private readonly users = new Map<string, MailUser>();
  private master: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = "";
  /** The implicit-TLS port, when started with `tls`. */
  imapsPort: number | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly opts: DovecotOptions,
    private readonly bin: string,
    private readonly identity: ProcessIdentity,
  ) {
    this.layout = opts.layout;
  }

  static async start(opts: DovecotOptions): Promise<Dovecot> {
    const bin = findDovecotBinary();
    if (!bin) throw new DovecotError("dovecot is not installed: call ensureDovecot() first, or apt-get install -y dovecot-imapd");
    for (const u of opts.users) validateUser(u);
    const identity = processIdentity();
    const label = (opts.name ?? opts.layout).replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 24);
    // short path: Dovecot's unix sockets live under it and must fit in 108 bytes
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dc-${label}-`));
    fs.chmodSync(dir, 0o755); // the unprivileged mail and login users must traverse it
    const mail = path.join(dir, "mail");
    fs.mkdirSync(mail, { mode: 0o700 });
    fs.mkdirSync(path.join(dir, "state"), { mode: 0o750 });
    fs.mkdirSync(path.join(dir, "users"), { mode: 0o750 });
    if (process.getuid?.() === 0) {
      fs.chownSync(mail, identity.uid, identity.gid);
      fs.chownSync(path.join(dir, "users"), 0, identity.gid);
    }

    const fixedPort = opts.port !== undefined;
    for (let attempt = 1; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const d = new Dovecot(dir, port, opts, bin, identity);
      if (opts.tls) d.imapsPort = opts.imapsPort ?? (await freePort());
      if (opts.oauth2) fs.writeFileSync(oauth2ConfPath(dir), oauth2PassdbConfig(opts.oauth2));
      for (const u of opts.users) {
        d.users.set(u.user.toLowerCase(), { ...u });
        d.writeUser(u);
      }
      d.writeConfig();
      try {
        await d.launch();
        return d;
      } catch (err) {
        // another process may have taken the free port between our probe and Dovecot's bind
        if (
          (!fixedPort || (opts.tls && opts.imapsPort === undefined)) &&
          attempt < 4 &&
          /Address already in use/.test(String((err as Error).message))
        )
          continue;
        throw err;
      }
    }
  }

  get spec(): LayoutSpec {
    return LAYOUTS[this.layout];
  }

  get confPath(): string {
    return path.join(this.dir, "dovecot.conf");
  }

  url(user: string): string {
    return `imap://${encodeURIComponent(user)}@${this.host}:${this.port}`;
  }

  /** The user's home; the maildir root (INBOX) is its Maildir subfolder. */
  home(user: string): string {
    return path.join(this.dir, "mail", user.toLowerCase());
  }

  maildir(user: string): string {
    return path.join(this.home(user), "Maildir");
  }

  async storeAsIs(user: string, folder: string, msgs: readonly RawMessage[]): Promise<void> {
    if (this.layout !== "old")
      throw new DovecotError(`storeAsIs: the ${this.label} server's layout is not Maildir++; use the "old" layout`);
    const id = processIdentity();
    storeInMaildir(this.maildir(user), folder, msgs, id.asRoot ? { uid: id.uid, gid: id.gid } : undefined);
  }

  /** Adds (or replaces) a user, effective for the next login without a restart. */
  async addUser(u: MailUser): Promise<void> {
    validateUser(u);
    this.users.set(u.user.toLowerCase(), { ...u });
    await this.writeUserAndSettle(u);
  }

  async setQuota(user: string, bytes: number | undefined): Promise<void> {
    const u = this.users.get(user.toLowerCase());
    if (!u) throw new DovecotError(`setQuota: no user ${JSON.stringify(user)} on the ${this.label} server; addUser it first`);
    const next = { ...u, quotaBytes: bytes };
    validateUser(next);
    this.users.set(user.toLowerCase(), next);
    await this.writeUserAndSettle(next);
  }

  async restart(): Promise<void> {
    await this.halt();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.launch();
        return;
      } catch (err) {
        if (Date.now() > deadline || !/Address already in use/.test(String((err as Error).message))) throw err;
        await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.opts.keepDir === false) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops the server and waits until its port refuses connections; the folder stays. */
  private async halt(): Promise<void> {
    const master = this.master;
    if (master) {
      this.master = undefined;
      this.releaseWatchdog();
      // The whole process group, as a service manager stops a server: the master alone would leave logged-in
      // imap processes serving their clients for up to 30 s after it is gone.
      signalGroup(master, "SIGTERM");
      const killed = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) master.kill("SIGKILL");
      await held(this.exited);
      signalGroup(master, "SIGKILL"); // whatever is left of it
      running.delete(this);
    }
    const deadline = Date.now() + 10_000;
    while (!(await portClosed(this.host, this.port))) {
      if (Date.now() > deadline)
        throw new DovecotError(
          `${this.label}: port ${this.port} still accepts connections 10 s after stopping Dovecot; see ${this.dir}/dovecot.log`,
        );
      await sleep(20);
    }
  }

  logs(): string {
    try {
      return fs.readFileSync(path.join(this.dir, "dovecot.log"), "utf8");
    } catch {
      return "";
    }
  }

  /**
   * Synchronous last-resort kill, for the process exit hook. The folder of a keepDir: false server is removed
   * by its watchdog once the server is gone (it would race the shutting-down server here).
   */
  killNow(): void {
    // The exit hook cannot wait for a graceful shutdown, and a throwaway test server has nothing to save:
    // SIGKILL to the whole group frees the port at once (SIGTERM was seen to take over 5 s on a busy machine).
    if (this.master) signalGroup(this.master, "SIGKILL");
  }

  private get label(): string {
    return `Dovecot ${this.opts.name ?? this.layout} (127.0.0.1:${this.port})`;
  }

  private get instanceName(): string {
    return `mailshift-${(this.opts.name ?? this.layout).replace(/[^A-Za-z0-9_-]/g, "-")}-${this.port}`;
  }

  private writeConfig(): void {
    const conf = dovecotConfig({
      layout: this.layout,
      dir: this.dir,
      port: this.port,
      instanceName: this.instanceName,
      identity: this.identity,
      maxMessageBytes: this.opts.maxMessageBytes,
      fsync: this.opts.fsync ?? false,
      tls: this.opts.tls,
      imapsPort: this.imapsPort,
      oauth2: this.opts.oauth2,
      metadata: this.opts.metadata,
      masters: this.opts.masterUsers?.length ? path.join(this.dir, "masters") : undefined,
      allUsers: this.opts.listableUsers ? path.join(this.dir, "users.all") : undefined,
    });
    if (this.opts.masterUsers?.length) {
      for (const u of this.opts.masterUsers) validateUser(u);
      fs.writeFileSync(path.join(this.dir, "masters"), this.opts.masterUsers.map((u) => `${u.user}:{PLAIN}${u.password}\n`).join(""), {
        mode: 0o640,
      });
      if (this.identity.asRoot) fs.chownSync(path.join(this.dir, "masters"), 0, this.identity.gid);
    }
    const all = path.join(this.dir, "users.all");
    if (this.opts.listableUsers && !fs.existsSync(all)) {
      fs.writeFileSync(all, "", { mode: 0o640 });
      if (process.getuid?.() === 0) fs.chownSync(all, 0, this.identity.gid);
    }
    fs.writeFileSync(this.confPath, conf);
  }

  /**
   * Writes one user's passwd-file. Dovecot checks a passwd-file's mtime and size at most once per second
   * (per file), so a file it may already have read is given a strictly later mtime, and the caller waits
   * until the next second has begun: then the next login re-reads it.
   */
  private writeUser(u: MailUser): { replaced: boolean } {
    const usersDir = path.join(this.dir, "users");
    const file = path.join(usersDir, u.user.toLowerCase());
    const previous = fs.statSync(file, { throwIfNoEntry: false });
    const replaced = previous !== undefined;
    const tmp = `${usersDir}/.${u.user.toLowerCase()}.tmp`;
    fs.writeFileSync(tmp, `${passwdLine(u, this.identity, this.home(u.user))}\n`, { mode: 0o640 });
    if (process.getuid?.() === 0) fs.chownSync(tmp, 0, this.identity.gid); // auth runs as the internal user
    if (previous) {
      const stamp = Math.max(Math.floor(Date.now() / 1000), Math.floor(previous.mtimeMs / 1000) + 1);
      fs.utimesSync(tmp, stamp, stamp);
    }
    fs.renameSync(tmp, file);
    if (this.opts.listableUsers) {
      const all = [...this.users.values()].map((x) => `${passwdLine(x, this.identity, this.home(x.user))}\n`).join("");
      fs.writeFileSync(path.join(this.dir, "users.all"), all, { mode: 0o640 });
      if (process.getuid?.() === 0) fs.chownSync(path.join(this.dir, "users.all"), 0, this.identity.gid);
    }
    return { replaced };
  }

  private async writeUserAndSettle(u: MailUser): Promise<void> {
    const { replaced } = this.writeUser(u);
    if (!replaced) return;
    const nextSecond = (Math.floor(Date.now() / 1000) + 1) * 1000;
    await sleep(nextSecond - Date.now() + 20);
  }

  private async launch(): Promise<void> {
    this.stderr = "";
    const master = spawn(this.bin, ["-F", "-c", this.confPath], { stdio: ["ignore", "ignore", "pipe"], detached: true });
    this.master = master;
    this.exited = new Promise<void>((resolve) => {
      if (master.exitCode !== null || master.signalCode !== null) resolve();
      else master.once("exit", () => resolve());
    });
    master.on("error", (e) => {
      this.stderr += `spawn ${this.bin}: ${e.message}\n`;
    });
    master.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString("utf8");
    });
    // a forgotten server must not keep the test process alive; the exit hook and the watchdog kill it
    master.unref();
    (master.stderr as net.Socket | null)?.unref();
    running.add(this);
    this.startWatchdog(master);

    const deadline = Date.now() + 15_000;
    for (;;) {
      if (master.exitCode !== null || master.signalCode !== null) {
        running.delete(this);
        this.master = undefined;
        this.releaseWatchdog();
        throw new DovecotError(
          `${this.label} exited while starting (code ${master.exitCode ?? master.signalCode}): ${this.stderr.trim()}\n${this.logs().trim()}\nconfig: ${this.confPath}`,
        );
      }
      try {
        const line = await greeting(this.host, this.port, 2_000);
        if (line.startsWith("* OK") && line.endsWith(greetingFor(this.instanceName))) return;
        throw new Error(`unexpected greeting ${JSON.stringify(line)}`);
      } catch (err) {
        if (Date.now() > deadline) {
          await this.halt().catch(() => undefined);
          throw new DovecotError(
            `${this.label} did not greet within 15 s (${(err as Error).message}); log:\n${this.logs().trim()}\nconfig: ${this.confPath}`,
          );
        }
        await sleep(master.exitCode === null ? 15 : 0);
      }
    }
  }

  /**
   * A tiny shell that kills the server if this process dies without running its exit hook (SIGKILL, crash):
   * its stdin is a pipe from us, and EOF on it means we are gone. A clean stop writes a line first.
   */
  private startWatchdog(master: ChildProcess): void {
    if (master.pid === undefined) return;
    // $1: the master's pid, which is also its process group; $2: the folder to remove once it is gone (empty when keepDir is not false)
    const script =
      'read -r _ && exit 0; kill -s TERM -- "-$1" 2>/dev/null; [ -n "$2" ] || exit 0; while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; rm -rf -- "$2"';
    const removeDir = this.opts.keepDir === false ? this.dir : "";
    const w = spawn("sh", ["-c", script, "mailshift-dovecot-watchdog", String(master.pid), removeDir], {
      stdio: ["pipe", "ignore", "ignore"],
    });
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
