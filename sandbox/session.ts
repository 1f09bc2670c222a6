// The sandbox rehearsal's machinery, shared by the README's main job (rehearse.ts) and its end-to-end test:
// two Dovecot servers on loopback (implicit TLS from a throwaway CA, as a real host on 993), the old one loaded
// with real mail; a Pulumi project in a folder of the run whose program is dist/sandbox/program.js; the real
// `pulumi` CLI (scripts/pulumi.sh) with a local file:// backend, the passphrase secrets provider, no update
// checks and no plugin downloads.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { appendAll, readCorpus, type RawMessage } from "../harness/corpus";
import { Dovecot, ensureDovecot, processIdentity } from "../harness/dovecot";
import { repoRoot } from "../harness/repoRoot";
import { makeTestPki, type TestPki } from "../harness/tls";

export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxError";
  }
}

export const DOMAIN = "example.com";
export const SUBDOMAIN = "mail2.example.com";
export const STACK = "sandbox";
const OLD_NAME = "imap.old.sandbox.test";
const NEW_NAME = "imap.new.sandbox.test";

export interface SandboxMailbox {
  address: string;
  /** Login on the old host. */
  sourceUser: string;
  /** Address (and login) on the new host. */
  destination: string;
  sourcePassword: string;
  destinationPassword: string;
  /** Folder (old host's names) -> messages loaded there at set-up. */
  load: Record<string, RawMessage[]>;
}

/** Runs scripts/pulumi.sh (builds the CLI on first use) and returns its bin directory; undefined when it cannot (exit 3). */
export function ensureEngine(): string | undefined {
  const r = spawnSync("bash", [path.join(repoRoot(), "scripts", "pulumi.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status === 3) return undefined;
  if (r.status !== 0) throw new SandboxError(`scripts/pulumi.sh exited with ${r.status ?? r.signal}; its output above says why`);
  const bin = r.stdout.trim().split("\n").pop() ?? "";
  if (!fs.existsSync(path.join(bin, "pulumi"))) throw new SandboxError(`scripts/pulumi.sh printed "${bin}", which holds no pulumi`);
  return bin;
}

/** The mail of the rehearsal: real messages from ../shared/corpus. */
function corpusPlan(): { mailboxes: Omit<SandboxMailbox, "sourcePassword" | "destinationPassword">[]; newMail: RawMessage[] } {
  const ham = readCorpus("easy_ham", 420);
  const spam = readCorpus("spam", 60);
  const notmuch = readCorpus("notmuch", 40);
  return {
    mailboxes: [
      {
        address: `alice@${DOMAIN}`,
        sourceUser: "alice",
        destination: `alice@${SUBDOMAIN}`,
        load: { INBOX: ham.slice(0, 250), "INBOX.Sent": ham.slice(250, 300).map((m) => ({ ...m, flags: ["\\Seen"] })), "INBOX.Junk": spam },
      },
      {
        address: `bob@${DOMAIN}`,
        sourceUser: "bob",
        destination: `bob@${SUBDOMAIN}`,
        load: { INBOX: ham.slice(300, 400), "INBOX.Lists.notmuch": notmuch },
      },
    ],
    newMail: ham.slice(400, 420),
  };
}

/** Messages in a maildir tree: the files in every cur/ and new/ folder under it. */
export function countMaildir(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && ["cur", "new"].includes(path.basename(e.parentPath))) n++;
  }
  return n;
}

export interface PulumiRun {
  args: string[];
  status: number;
  stdout: string;
  stderr: string;
}

export interface SandboxOptions {
  /** Echo each pulumi command and stream its output (the rehearsal); false captures it (the test). */
  show: boolean;
  /** Where the run's folder is made. Default: the OS temp folder. */
  parent?: string;
}

export class Sandbox {
  readonly newMail: RawMessage[];
  private constructor(
    readonly runDir: string,
    readonly project: string,
    readonly old: Dovecot,
    readonly fresh: Dovecot,
    private readonly pki: TestPki,
    readonly mailboxes: SandboxMailbox[],
    newMail: RawMessage[],
    private readonly bin: string,
    private readonly opts: SandboxOptions,
  ) {
    this.newMail = newMail;
  }

  /** Starts both servers, loads the old one, writes the project and its stack config, creates the stack. */
  static async start(bin: string, opts: SandboxOptions): Promise<Sandbox> {
    ensureDovecot();
    const runDir = fs.mkdtempSync(path.join(opts.parent ?? os.tmpdir(), "mailshift-sandbox-"));
    const { mailboxes: planned, newMail } = corpusPlan();
    const mailboxes: SandboxMailbox[] = planned.map((m) => ({
      ...m,
      sourcePassword: `old-${randomBytes(9).toString("base64url")}`,
      destinationPassword: `new-${randomBytes(9).toString("base64url")}`,
    }));
    const pki = makeTestPki();
    // This process delivers mail to the old host too (STARTTLS): it trusts the sandbox CA as the copy engine does.
    tls.setDefaultCACertificates([...tls.getCACertificates("default"), pki.caPem]);
    const old = await Dovecot.start({
      layout: "old",
      name: "sandbox-old",
      tls: pki.server,
      keepDir: false,
      users: mailboxes.map((m) => ({ user: m.sourceUser, password: m.sourcePassword })),
    });
    // the new host starts with no accounts: the program creates them
    const fresh = await Dovecot.start({ layout: "new", name: "sandbox-new", tls: pki.server, keepDir: false, users: [] });
    for (const m of mailboxes)
      for (const [folder, msgs] of Object.entries(m.load)) await appendAll(old.url(m.sourceUser), m.sourcePassword, folder, msgs);

    const project = path.join(runDir, "project");
    fs.mkdirSync(project);
    fs.mkdirSync(path.join(runDir, "backend"));
    fs.mkdirSync(path.join(runDir, "home"));
    fs.writeFileSync(
      path.join(project, "Pulumi.yaml"),
      "name: mailshift-sandbox\nruntime: nodejs\nmain: index.js\ndescription: mailshift's local rehearsal (scripts/sandbox.sh)\n",
    );
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "mailshift-sandbox", main: "index.js" }));
    const program = path.join(repoRoot(), "dist", "sandbox", "program.js");
    fs.writeFileSync(path.join(project, "index.js"), `module.exports = require(${JSON.stringify(program)});\n`);
    fs.writeFileSync(path.join(project, `Pulumi.${STACK}.yaml`), stackConfig(old, fresh, mailboxes));
    const s = new Sandbox(runDir, project, old, fresh, pki, mailboxes, newMail, bin, opts);
    s.pulumi(["stack", "init", STACK]);
    for (const m of mailboxes) {
      s.pulumi(["config", "set", "--secret", "--path", `mailshift:passwords["${m.address}"].source`], { stdin: m.sourcePassword });
      s.pulumi(["config", "set", "--secret", "--path", `mailshift:passwords["${m.address}"].destination`], {
        stdin: m.destinationPassword,
      });
    }
    return s;
  }

  /** The environment of every pulumi run. */
  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${path.join(this.runDir, "backend")}`,
      PULUMI_HOME: path.join(this.runDir, "home"),
      PULUMI_CONFIG_PASSPHRASE: "mailshift-sandbox",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // the copy engine (in the dynamic-provider host) trusts the sandbox's CA as a real host's would be trusted
      NODE_EXTRA_CA_CERTS: this.pki.caFile,
      // the copy engine passes the host (an IP here) as TLS servername, which Node 22 warns about on every run
      NODE_OPTIONS: [process.env.NODE_OPTIONS ?? "", "--disable-warning=DEP0123"].join(" ").trim(),
      PATH: [path.dirname(process.execPath), this.bin, process.env.PATH ?? ""].join(path.delimiter),
      NODE_PATH: path.join(repoRoot(), "node_modules"),
    };
  }

  /**
   * Runs `pulumi ARGS` in the project, shown (rehearsal) or captured (test, or `capture`); `stdin` carries a
   * secret value so that it is never in argv. Throws on failure unless `allowFailure`.
   */
  pulumi(args: string[], o: { stdin?: string; capture?: boolean; allowFailure?: boolean } = {}): PulumiRun {
    const { stdin, allowFailure = false } = o;
    const shown = stdin === undefined ? args : [...args, "<from stdin>"];
    const full = [...args, "--non-interactive"];
    let r: SpawnSyncReturns<string>;
    if (this.opts.show && stdin === undefined && !o.capture) {
      process.stdout.write(`\x1b[36m$ pulumi ${shown.join(" ")}\x1b[0m\n`);
      r = spawnSync(path.join(this.bin, "pulumi"), full, { cwd: this.project, env: this.env(), stdio: "inherit", encoding: "utf8" });
      r = { ...r, stdout: "", stderr: "" };
    } else {
      r = spawnSync(path.join(this.bin, "pulumi"), full, {
        cwd: this.project,
        env: this.env(),
        input: stdin ?? "",
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
    }
    const run = { args, status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    if (run.status !== 0 && !allowFailure)
      throw new SandboxError(`pulumi ${shown.join(" ")} exited with ${r.status ?? r.signal}:\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  /** Messages in each mailbox's maildir on the old and the new host. */
  counts(): { old: number; new: number } {
    let o = 0;
    let n = 0;
    for (const m of this.mailboxes) {
      o += countMaildir(this.old.maildir(m.sourceUser));
      n += countMaildir(this.fresh.maildir(m.destination));
    }
    return { old: o, new: n };
  }

  /** Messages loaded at set-up. */
  loaded(): number {
    return this.mailboxes.reduce((n, m) => n + Object.values(m.load).reduce((k, l) => k + l.length, 0), 0);
  }

  /** New mail arrives on the old host: the first mailbox's INBOX gets `newMail`. */
  async deliver(): Promise<number> {
    const m = this.mailboxes[0]!;
    await appendAll(this.old.url(m.sourceUser), m.sourcePassword, "INBOX", this.newMail);
    return this.newMail.length;
  }

  /** Every file of the stack's state and config: backend (state, history, backups) and project. */
  stateFiles(): string[] {
    return [path.join(this.runDir, "backend"), this.project].flatMap((d) =>
      fs
        .readdirSync(d, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name)),
    );
  }

  async stop(keepRunDir = false): Promise<void> {
    await Promise.allSettled([this.old.stop(), this.fresh.stop()]);
    this.pki.remove();
    if (!keepRunDir) fs.rmSync(this.runDir, { recursive: true, force: true });
  }
}

/** The sandbox stack's configuration (no secrets: those are set with `pulumi config set --secret`). YAML accepts JSON values. */
function stackConfig(old: Dovecot, fresh: Dovecot, mailboxes: SandboxMailbox[]): string {
  const id = processIdentity();
  const c: Record<string, unknown> = {
    "mailshift:domain": DOMAIN,
    "mailshift:subdomain": SUBDOMAIN,
    "mailshift:previousStage": "prepare",
    "mailshift:stage": "copy",
    // switched off in the sandbox (no Cloudflare plugin): only used to show the records
    "mailshift:cloudflare": { zoneId: "0".repeat(32) },
    "mailshift:oldHost": {
      imapHost: OLD_NAME,
      imapPort: old.imapsPort,
      mx: [{ host: "mx.oldhost.example.net", priority: 10 }],
      spf: "include:_spf.oldhost.example.net",
    },
    "mailshift:newHost": {
      kind: "dovecot",
      // the sandbox runs the account script locally (sandbox/localAccount.ts); this is what a real stack would reach
      ssh: { host: "127.0.0.1", port: 22, user: "root" },
      passwdFile: path.join(fresh.dir, "users", "%u"),
      maildirRoot: path.join(fresh.dir, "mail"),
      uid: String(id.uid),
      gid: String(id.gid),
      mx: "mx.newhost.example.net",
      spf: "a:mx.newhost.example.net",
      imapHost: NEW_NAME,
      imapPort: fresh.imapsPort,
    },
    // the sandbox program's /etc/hosts: plan/config.ts takes only domain names for imapHost
    "mailshift-sandbox:hosts": { [OLD_NAME]: "127.0.0.1", [NEW_NAME]: "127.0.0.1" },
    "mailshift:mailboxes": mailboxes.map((m) => ({
      address: m.address,
      sourceUser: m.sourceUser,
      route: "imap",
      quota: "1GiB",
      displayName: m.sourceUser,
    })),
  };
  return `# Generated by sandbox/session.ts for one rehearsal: loopback ports and folders of this run.\nconfig:\n${Object.entries(c)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join("\n")}\n`;
}
