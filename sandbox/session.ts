// The sandbox rehearsal's machinery, shared by the README's main job (rehearse.ts) and its end-to-end test:
// two Dovecot servers on loopback (implicit TLS from a throwaway CA, as a real host on 993), the old one loaded
// with real mail; the DNS (dnsWorld.ts: NSD as registry, old DNS host and new zone, Unbound in front); a Pulumi
// project in a folder of the run whose program is dist/sandbox/program.js; the real `pulumi` CLI (scripts/pulumi.sh)
// with a local file:// backend, the passphrase secrets provider, no update checks and no plugin downloads; stage
// moves, what the resolver shows, delivery by MX and Message-IDs read through IMAP, for the steps to assert.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { ImapFlow } from "imapflow";
import { txtToString } from "../dns/spf";
import { evaluateSpf, type SpfResult } from "../dns/spfEval";
import { appendAll, readCorpus, type RawMessage } from "../harness/corpus";
import { Dovecot, ensureDovecot, processIdentity } from "../harness/dovecot";
import { repoRoot } from "../harness/repoRoot";
import { makeTestPki, type TestPki } from "../harness/tls";
import type { Stage } from "../plan/types";
import { DnsWorld, NEW_MX, NEW_NS, OLD_MX, OLD_SPF_NAME, SENDERS } from "./dnsWorld";

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
/**
 * The rehearsal's clock for DNS: a planned TTL is served this many times shorter (a minute becomes a second), so
 * the stack keeps TTLs the schema accepts (ttl.normal 600, ttl.lowered 120) and the zone serves 10 s and 2 s.
 */
export const TTL_DIVISOR = 60;
export const TTL = { normal: 600, lowered: 120 } as const;
/** What the old DNS host serves the domain's records with (its normal TTL, scaled): how long an old answer lives. */
export const OLD_TTL_SECONDS = TTL.normal / TTL_DIVISOR;

/** Seconds between cutover and finalize on the rehearsal's clock (mailshift:gates.finalizeAfter; 5 days for real). */
export const FINALIZE_AFTER_SECONDS = 5;

/**
 * A stage move as the stack's nextStep output says to make it: only the stage. The gates (world/gates.ts) read the
 * stage deployed last from the stack's own outputs and refuse a move the world is not ready for.
 */
export const stageMoveCommands = (_from: Stage | undefined, to: Stage): string[][] => [["config", "set", "mailshift:stage", to]];

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

/** `n` small messages with unique Message-IDs (`<label>-<i>@sandbox.example.com>`), from `from` to `to`. */
export function letters(label: string, n: number, from: string, to: string): RawMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    origin: `sandbox ${label} ${i}`,
    raw: Buffer.from(
      [
        `From: ${from}`,
        `To: ${to}`,
        `Subject: ${label} ${i + 1} of ${n}`,
        `Date: ${new Date().toUTCString()}`,
        `Message-ID: <${label}-${i}@sandbox.${DOMAIN}>`,
        "",
        `Sent during the rehearsal (${label}).`,
        "",
      ].join("\r\n"),
    ),
  }));
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
    readonly dns: DnsWorld,
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

    const dns = await DnsWorld.start({
      domain: DOMAIN,
      dir: path.join(runDir, "zone"),
      oldTtl: OLD_TTL_SECONDS,
      newHeadTtl: TTL.lowered / TTL_DIVISOR,
      ttlDivisor: TTL_DIVISOR,
    }).catch(async (e: unknown) => {
      await Promise.allSettled([old.stop(), fresh.stop()]);
      pki.remove();
      fs.rmSync(runDir, { recursive: true, force: true });
      throw e;
    });

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
    fs.writeFileSync(path.join(project, `Pulumi.${STACK}.yaml`), stackConfig(old, fresh, mailboxes, dns));
    const s = new Sandbox(runDir, project, old, fresh, dns, pki, mailboxes, newMail, bin, opts);
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

  /** The stage the stack is at (the last one deployed by moveTo; the stack file starts at prepare). */
  stage: Stage = "prepare";

  /** Moves the stack to `to` (stageMoveCommands) and deploys it with `pulumi up`. */
  moveTo(to: Stage): PulumiRun {
    for (const c of stageMoveCommands(this.stage, to)) this.pulumi(c);
    const r = this.pulumi(["up", "--yes", "--skip-preview"]);
    this.stage = to;
    return r;
  }

  /** The stack's `nextStageBlockers` output: what blocks the next stage, as the last preview or up saw it. */
  blockers(): string[] {
    return JSON.parse(this.pulumi(["stack", "output", "nextStageBlockers", "--json"], { capture: true }).stdout) as string[];
  }

  /** What a receiving mail server sees now, through the resolver. */
  async dnsView(): Promise<DnsView> {
    const txt = async (name: string) => {
      const r = await this.dns.ask(name, "TXT");
      return r.rcode === 3 ? "NXDOMAIN" : r.answers.filter((a) => a.type === "TXT").map((a) => txtToString(a.content));
    };
    const spf: DnsView["spf"] = {};
    for (const domain of [DOMAIN, SUBDOMAIN]) {
      spf[domain] = {};
      for (const [who, h] of Object.entries(SENDERS))
        spf[domain][who as keyof typeof SENDERS] = (await evaluateSpf({ ip: h.ip, domain, lookup: this.dns.lookup })).result;
    }
    const auto = await this.dns.ask(`autodiscover.${DOMAIN}`, "CNAME");
    return {
      parentNs: await this.dns.parentNs(),
      apexMx: await this.dns.mx(DOMAIN),
      subMx: await this.dns.mx(SUBDOMAIN),
      spf,
      dmarc: await txt(`_dmarc.${DOMAIN}`),
      autodiscover: auto.rcode === 3 ? "NXDOMAIN" : auto.answers.map((a) => a.content),
    };
  }

  /**
   * A sender delivers to `rcpt` through the MX host `mx` (its own resolver's answer): the loopback server that MX
   * name stands for takes the messages into the recipient's INBOX (IMAP APPEND as the host's local delivery).
   */
  async deliverVia(mx: string, rcpt: string, msgs: readonly RawMessage[]): Promise<"old" | "new"> {
    const to = rcpt.toLowerCase();
    if (mx === OLD_MX) {
      const m = this.mailboxes.find((x) => x.address === to);
      if (!m) throw new SandboxError(`${OLD_MX} has no mailbox ${rcpt} (550)`);
      await appendAll(this.old.url(m.sourceUser), m.sourcePassword, "INBOX", msgs);
      return "old";
    }
    if (mx === NEW_MX) {
      const m = this.mailboxes.find((x) => x.destination === to);
      if (!m) throw new SandboxError(`${NEW_MX} has no mailbox ${rcpt} (550)`);
      await appendAll(this.fresh.url(m.destination), m.destinationPassword, "INBOX", msgs);
      return "new";
    }
    throw new SandboxError(`no sandbox host answers for MX ${mx}: the sandbox's hosts are ${OLD_MX} and ${NEW_MX}`);
  }

  /** Message-ID -> how many times it is in the mailbox, every folder, read through IMAP. */
  async messageIds(side: "old" | "new", m: SandboxMailbox): Promise<Map<string, number>> {
    const server = side === "old" ? this.old : this.fresh;
    const c = new ImapFlow({
      host: server.host,
      port: server.port,
      secure: false,
      auth: { user: side === "old" ? m.sourceUser : m.destination, pass: side === "old" ? m.sourcePassword : m.destinationPassword },
      logger: false,
    });
    c.on("error", () => undefined);
    await c.connect();
    const out = new Map<string, number>();
    try {
      for (const f of await c.list()) {
        if (f.flags.has("\\Noselect")) continue;
        const lock = await c.getMailboxLock(f.path);
        try {
          for await (const msg of c.fetch("1:*", { envelope: true })) {
            const id = msg.envelope?.messageId ?? `(none in ${f.path} #${msg.seq})`;
            out.set(id, (out.get(id) ?? 0) + 1);
          }
        } catch (e) {
          if (!/empty|Invalid messageset/i.test(String((e as Error).message))) throw e;
        } finally {
          lock.release();
        }
      }
    } finally {
      await c.logout().catch(() => undefined);
    }
    return out;
  }

  async stop(keepRunDir = false): Promise<void> {
    await Promise.allSettled([this.old.stop(), this.fresh.stop(), this.dns.stop()]);
    this.pki.remove();
    if (!keepRunDir) fs.rmSync(this.runDir, { recursive: true, force: true });
  }
}

export interface DnsView {
  /** The domain's nameservers at the registry (the delegation). */
  parentNs: string[];
  apexMx: { rcode: number; targets: string[]; ttl?: number };
  subMx: { rcode: number; targets: string[]; ttl?: number };
  /** SPF result per name and sender, evaluated as a receiver does, through the resolver. */
  spf: Record<string, Partial<Record<keyof typeof SENDERS, SpfResult>>>;
  dmarc: string[] | "NXDOMAIN";
  autodiscover: string[] | "NXDOMAIN";
}

/** The sandbox stack's configuration (no secrets: those are set with `pulumi config set --secret`). YAML accepts JSON values. */
function stackConfig(old: Dovecot, fresh: Dovecot, mailboxes: SandboxMailbox[], dns: DnsWorld): string {
  const id = processIdentity();
  const c: Record<string, unknown> = {
    "mailshift:domain": DOMAIN,
    "mailshift:subdomain": SUBDOMAIN,
    // the first deployment: moveTo sets the stage for each later one, the gates decide whether it may move
    "mailshift:stage": "prepare",
    // the gates on the rehearsal's clock: the old TTL as served, finalize seconds after cutover, and where the
    // delegation is asked (the registry's NSD) and what it must say (the new zone's nameserver)
    "mailshift:gates": {
      oldTtl: OLD_TTL_SECONDS,
      finalizeAfter: FINALIZE_AFTER_SECONDS,
      nameServers: [NEW_NS],
      parentNameServer: `${dns.registry.server.host}:${dns.registry.server.port}`,
    },
    "mailshift:ttl": TTL,
    // the Cloudflare zone's id (no Cloudflare here): the records go to the loopback zone below instead
    "mailshift:cloudflare": { zoneId: "0".repeat(32) },
    // the sandbox's stand-in for the Cloudflare zone: which NSD serves it, and the rehearsal's TTL clock
    "mailshift-sandbox:zone": dns.zone(),
    // where the program resolves what a receiver would (its SPF proof): the rehearsal's Unbound
    "mailshift-sandbox:resolver": dns.resolver.server,
    "mailshift:oldHost": {
      imapHost: OLD_NAME,
      imapPort: old.imapsPort,
      mx: [{ host: OLD_MX, priority: 10 }],
      spf: `include:${OLD_SPF_NAME}`,
    },
    "mailshift:newHost": {
      kind: "dovecot",
      // the sandbox runs the account script locally (sandbox/localAccount.ts); this is what a real stack would reach
      ssh: { host: "127.0.0.1", port: 22, user: "root" },
      passwdFile: path.join(fresh.dir, "users", "%u"),
      maildirRoot: path.join(fresh.dir, "mail"),
      uid: String(id.uid),
      gid: String(id.gid),
      mx: NEW_MX,
      spf: `a:${NEW_MX}`,
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
