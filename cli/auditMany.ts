// `mailshift audit-many`: every mailbox of a list audited, N at a time, into one file the stack reads
// (mailshift:auditFile): one line of `mailshift audit --json` per mailbox. With an administrator per entry
// ("fromAdmin"), one credential audits a whole host; with --all-users, every user of the host (allUsers.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { auditMailbox, MailshiftError, UsageError, type AuditReport } from "../engine";
import { type Endpoint, mailboxLabel, parseImapUrl } from "../engine/endpoint";
import { cpanelDiskUsage, diskAuditLine, parseUserList } from "./allUsers";
import { bytes, count } from "../report/format";
import { commandFailure } from "./failure";
import { parseSourceList, readListFile } from "./syncMany";

export const AUDIT_MANY_USAGE = `usage:
  mailshift audit-many --mailboxes FILE.json --out audit.jsonl [--parallel N]
  mailshift audit-many --all-users --from imaps://HOST:993 --from-admin ADMIN --users USERS.txt --out audit.jsonl
                       [--ca FILE] [--parallel N]
  mailshift audit-many --all-users --cpanel https://HOST:2083 --cpanel-user ACCOUNT --out audit.jsonl
                       [--from imaps://IMAPHOST:993]

FILE.json is sync-many's list ("to" may be left out): {"mailboxes": [{"from": "imap://USER@HOST:PORT"}, ...]},
passwords as there ("fromPasswordEnv", "fromPassword" in a file only its owner reads), and "fromAdmin" for an
administrator who logs in on each user's behalf. --out gets one audit per line: set mailshift:auditFile to it.

--all-users audits every user of the old host:
  with an administrator (Dovecot master user, Cyrus admin; its password in MAILSHIFT_FROM_PASSWORD): IMAP cannot
  list a server's users, so USERS.txt lists them, one login per line: \`doveadm user '*' > users.txt\` on a
  Dovecot host. --from names the host only (no user).
  on cPanel (API token in MAILSHIFT_CPANEL_TOKEN): one UAPI call (Email::list_pops_with_disk) gives every
  account's disk usage; no IMAP login. --from only names the IMAP host in the file (default: the cPanel host, 993).

options:
  --parallel N   mailboxes audited at the same time (default 4)
  --ca FILE      trust this CA certificate (PEM) for the old host`;

export type AuditManySource =
  | { kind: "list"; mailboxesFile: string }
  | { kind: "users"; from: string; admin: string; usersFile: string; caFile?: string; insecure: boolean }
  | { kind: "cpanel"; url: string; user: string; from?: string };

export interface AuditManyArgs {
  source: AuditManySource;
  out: string;
  parallel: number;
}

const VALUE_FLAGS = ["--mailboxes", "--out", "--parallel", "--from", "--from-admin", "--users", "--ca", "--cpanel", "--cpanel-user"];
const BOOLEAN_FLAGS = ["--all-users", "--insecure"];

export function parseAuditManyArgs(argv: readonly string[]): AuditManyArgs {
  const values = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (BOOLEAN_FLAGS.includes(flag) && eq < 0) {
      bools.add(flag);
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new UsageError(`unknown option "${a}"\n${AUDIT_MANY_USAGE}`);
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
    if (values.has(flag)) throw new UsageError(`${flag} is given more than once`);
    values.set(flag, v);
  }
  const out = values.get("--out");
  if (!out) throw new UsageError(`audit-many needs --out FILE (the file mailshift:auditFile names)\n${AUDIT_MANY_USAGE}`);
  const p = values.get("--parallel") ?? "4";
  const parallel = Number(p);
  if (!Number.isInteger(parallel) || parallel <= 0) throw new UsageError(`--parallel takes a positive whole number, not "${p}"`);
  const only = (allowed: string[], mode: string) => {
    for (const f of [...values.keys(), ...bools])
      if (!allowed.includes(f) && f !== "--out" && f !== "--parallel")
        throw new UsageError(`${f} does not go with ${mode}\n${AUDIT_MANY_USAGE}`);
  };
  if (!bools.has("--all-users")) {
    const mailboxesFile = values.get("--mailboxes");
    if (!mailboxesFile) throw new UsageError(`audit-many needs --mailboxes FILE.json, or --all-users\n${AUDIT_MANY_USAGE}`);
    only(["--mailboxes"], "--mailboxes");
    return { source: { kind: "list", mailboxesFile }, out, parallel };
  }
  const url = values.get("--cpanel");
  if (url !== undefined) {
    only(["--all-users", "--cpanel", "--cpanel-user", "--from"], "--cpanel");
    const user = values.get("--cpanel-user");
    if (!user) throw new UsageError("--cpanel needs --cpanel-user ACCOUNT: the cPanel account the API token belongs to");
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url))
      throw new UsageError(`--cpanel takes the cPanel base URL, e.g. https://host.example.net:2083, not "${url}"`);
    const from = values.get("--from");
    return { source: { kind: "cpanel", url: url.replace(/\/$/, ""), user, ...(from ? { from } : {}) }, out, parallel };
  }
  only(["--all-users", "--from", "--from-admin", "--users", "--ca", "--insecure"], "--all-users with an administrator");
  const from = values.get("--from");
  const admin = values.get("--from-admin");
  const usersFile = values.get("--users");
  if (!from || !admin || !usersFile)
    throw new UsageError(
      `--all-users needs --from imaps://HOST:993, --from-admin ADMIN and --users USERS.txt (or --cpanel for a cPanel host)\n${AUDIT_MANY_USAGE}`,
    );
  const caFile = values.get("--ca");
  return {
    source: { kind: "users", from, admin, usersFile, ...(caFile ? { caFile } : {}), insecure: bools.has("--insecure") },
    out,
    parallel,
  };
}

/** A text file a flag names, or a usage error naming the flag. */
function readFlagFile(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The host URL of --all-users with each listed user put in, as `audit --from URL --from-admin ADMIN` would take it. */
export function userEndpoints(
  s: Extract<AuditManySource, { kind: "users" }>,
  users: readonly string[],
  env: NodeJS.ProcessEnv,
): { entry: string; from: Endpoint }[] {
  let u: URL;
  try {
    u = new URL(s.from);
  } catch {
    throw new UsageError(`--from: "${s.from}" is not a URL; expected imaps://HOST:993 (the host only: the users come from --users)`);
  }
  if (u.username) throw new UsageError(`--from: give the host only (imaps://HOST:993); with --all-users each user of --users is audited`);
  const ca = s.caFile ? readFlagFile("--ca", s.caFile) : undefined;
  return users.map((user, i) => {
    const url = new URL(u.href);
    url.username = encodeURIComponent(user);
    const from = parseImapUrl(url.href, {
      what: "--from",
      password: env.MAILSHIFT_FROM_PASSWORD,
      passwordVariable: "MAILSHIFT_FROM_PASSWORD (the administrator's password)",
      insecure: s.insecure,
    });
    return { entry: `${s.usersFile}:${i + 1}`, from: { ...from, admin: s.admin, ...(ca ? { ca } : {}) } };
  });
}

/** cPanel: every account's disk usage from one UAPI call, written as the audit file; no IMAP login. */
async function auditCpanel(s: Extract<AuditManySource, { kind: "cpanel" }>, out: string, env: NodeJS.ProcessEnv): Promise<number> {
  const token = env.MAILSHIFT_CPANEL_TOKEN;
  if (!token) throw new UsageError("--cpanel: set MAILSHIFT_CPANEL_TOKEN to a cPanel API token of --cpanel-user");
  const label = new URL(s.from ?? `imaps://${new URL(s.url).hostname}:993`);
  const port = Number(label.port || (label.protocol === "imap:" ? 143 : 993));
  const usage = await cpanelDiskUsage({ url: s.url, user: s.user, token });
  writeFileSync(out, usage.map((u) => diskAuditLine(u, label.hostname, port)).join(""));
  for (const u of usage) process.stdout.write(`${u.login}: ${bytes(u.bytes)} on disk\n`);
  process.stdout.write(`wrote ${usage.length} audits (cPanel disk usage) to ${out}\n`);
  return 0;
}

/** The audits as the stack reads them: one `mailshift audit --json` report per line, in the list's order. */
export function auditLines(reports: readonly AuditReport[]): string {
  return reports.map((r) => `${JSON.stringify(r)}\n`).join("");
}

export async function runAuditMany(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const args = parseAuditManyArgs(argv);
    const src = args.source;
    if (src.kind === "cpanel") return await auditCpanel(src, args.out, env);
    let list: { entry: string; from: Endpoint }[];
    if (src.kind === "users") list = userEndpoints(src, parseUserList(readFlagFile("--users", src.usersFile), src.usersFile), env);
    else {
      const [text, file, privateFile] = readListFile(src.mailboxesFile);
      list = parseSourceList(text, file, env, privateFile);
    }
    const reports: (AuditReport | undefined)[] = [];
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const i = next++;
        const { entry, from } = list[i]!;
        try {
          reports[i] = await auditMailbox(from);
          const t = reports[i]!.totals;
          process.stdout.write(`${mailboxLabel(from)}: ${count(t.messages)} messages, ${bytes(t.bytes)}, largest ${bytes(t.largest)}\n`);
        } catch (err) {
          failed += 1;
          const message = err instanceof MailshiftError ? err.message : `unexpected failure: ${(err as Error)?.message ?? String(err)}`;
          process.stderr.write(`mailshift: ${entry} ${mailboxLabel(from)} not audited: ${message}\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(args.parallel, list.length) }, worker));
    const done = reports.filter((r): r is AuditReport => r !== undefined);
    writeFileSync(args.out, auditLines(done));
    process.stdout.write(
      `wrote ${done.length} of ${list.length} audits to ${args.out}${failed ? `; ${failed} not audited (above)` : ""}\n`,
    );
    return failed ? 3 : 0;
  } catch (err) {
    return commandFailure("mailshift", err);
  }
}
