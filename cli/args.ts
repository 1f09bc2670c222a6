// Command-line parsing. Pure: argv and environment in, a validated command out.
import { readFileSync } from "node:fs";
import { parseImapUrl, type Endpoint } from "../engine/endpoint";
import { UsageError } from "../engine/errors";
import type { FolderMapOptions } from "../engine/folderMap";

export const USAGE = `usage:
  mailshift sync   --from imap://USER@HOST:PORT --to imap://USER@HOST:PORT [--json] [options]
  mailshift audit  --from imap://USER@HOST:PORT [--json]
  mailshift verify --from imap://USER@HOST:PORT --to imap://USER@HOST:PORT [--json] [--quick]
  mailshift sync-many --mailboxes FILE.json [--parallel N] [--connections N] [--state FILE] [--json]
  mailshift audit-many --mailboxes FILE.json --out audit.jsonl [--parallel N]
  mailshift report --stack-outputs FILE.json [--state FILE.json] [--sync FILE.json ...] [--out report.html]
  mailshift dns-check --zone FILE --old NS[:PORT] [--new NS[:PORT]] [--stage S] [--json]   (see README)
  mailshift notices --stack-outputs FILE.json (--out DIR | --send --mailboxes FILE.json [--smtp URL])  (see notices --help)
  mailshift preflight --mailboxes FILE.json [--audit AUDIT.jsonl] [--json]   (ports, TLS, logins, IMAP, quota: one table)

Passwords come from MAILSHIFT_FROM_PASSWORD and MAILSHIFT_TO_PASSWORD, never from the command line. With
--from-admin ADMIN (--to-admin ADMIN) the variable holds that administrator's password, who logs in on the
URL's user's behalf (SASL PLAIN with an authorization identity: Dovecot master users, Cyrus admins).
imaps:// is implicit TLS; imap:// uses STARTTLS when offered and refuses a plaintext login to a host
that is not local unless --insecure is given.

options:
  --exclude PATTERN        skip a source folder and its children ("*" matches anything); repeatable
  --rename SOURCE=DEST     put a source folder (and its children) under another name; repeatable
  --connections N          parallel APPEND connections to the destination (default 4); given, the
                           mailbox's folders also go one at a time (no second lane of connections)
  --max-message-size BYTES skip (and report) messages larger than this
  --ca FILE                trust this CA certificate (PEM) for both servers
  --from-admin ADMIN       log in to the old host as this administrator for the URL's user
  --to-admin ADMIN         the same on the new host
  --state FILE             sync: keep folder watermarks here, so a resync skips folders where nothing moved
  --no-server-state        sync: neither keep the watermarks on the new host (a private METADATA entry, where it
                           has METADATA) nor start from those kept there; without it a run with no --state
                           resyncs as one with it
  --insecure               allow a plaintext login to a host that is not local
  --quick                  verify: compare message identities instead of every message's bytes
  --json                   print the summary as one JSON object on stdout`;

const adminOf = (admin: string | undefined): Pick<Endpoint, "admin"> => (admin ? { admin } : {});

export interface CliCommand {
  command: "sync" | "audit" | "verify";
  from: Endpoint;
  to?: Endpoint;
  json: boolean;
  quick: boolean;
  folders: FolderMapOptions;
  connections?: number;
  maxMessageBytes?: number;
  stateFile?: string;
  /** False with --no-server-state: no watermarks kept on, or read from, the destination. */
  serverState: boolean;
}

const FLAGS_WITH_VALUE = new Set([
  "--from",
  "--to",
  "--from-admin",
  "--to-admin",
  "--exclude",
  "--rename",
  "--connections",
  "--max-message-size",
  "--ca",
  "--state",
]);
const BOOLEAN_FLAGS = new Set(["--json", "--insecure", "--quick", "--no-server-state"]);

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} takes a positive whole number, not "${v}"`);
  return n;
}

export function parseArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  readFile: (p: string) => string = (p) => readFileSync(p, "utf8"),
): CliCommand {
  const [command, ...rest] = argv;
  if (command !== "sync" && command !== "audit" && command !== "verify") {
    throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
  const values = new Map<string, string[]>();
  const bools = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] =
      rest[i].includes("=") && rest[i].startsWith("--")
        ? [rest[i].slice(0, rest[i].indexOf("=")), rest[i].slice(rest[i].indexOf("=") + 1)]
        : [rest[i], undefined];
    if (BOOLEAN_FLAGS.has(flag)) {
      bools.add(flag);
    } else if (FLAGS_WITH_VALUE.has(flag)) {
      const v = inline ?? rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      values.set(flag, [...(values.get(flag) ?? []), v]);
    } else {
      throw new UsageError(`unknown option "${rest[i]}"\n${USAGE}`);
    }
  }
  const one = (flag: string) => {
    const v = values.get(flag);
    if (v && v.length > 1) throw new UsageError(`${flag} is given more than once`);
    return v?.[0];
  };
  const insecure = bools.has("--insecure");
  const caFile = one("--ca");
  const ca = caFile ? readFile(caFile) : undefined;
  const fromUrl = one("--from");
  if (!fromUrl) throw new UsageError(`${command} needs --from imap://USER@HOST:PORT`);
  const from = {
    ...parseImapUrl(fromUrl, {
      what: "--from",
      password: env.MAILSHIFT_FROM_PASSWORD,
      passwordVariable: "MAILSHIFT_FROM_PASSWORD",
      insecure,
    }),
    ca,
    ...adminOf(one("--from-admin")),
  };
  const toUrl = one("--to");
  let to: Endpoint | undefined;
  if (command === "audit") {
    if (toUrl || one("--to-admin")) throw new UsageError("audit reads one mailbox: give --from (and --from-admin) only");
  } else {
    if (!toUrl) throw new UsageError(`${command} needs --to imap://USER@HOST:PORT`);
    to = {
      ...parseImapUrl(toUrl, { what: "--to", password: env.MAILSHIFT_TO_PASSWORD, passwordVariable: "MAILSHIFT_TO_PASSWORD", insecure }),
      ca,
      ...adminOf(one("--to-admin")),
    };
  }
  const rename: Record<string, string> = {};
  for (const r of values.get("--rename") ?? []) {
    const at = r.indexOf("=");
    if (at <= 0 || at === r.length - 1) throw new UsageError(`--rename takes SOURCE=DEST, not "${r}"`);
    rename[r.slice(0, at)] = r.slice(at + 1);
  }
  const connections = one("--connections");
  const maxSize = one("--max-message-size");
  return {
    command,
    from,
    to,
    json: bools.has("--json"),
    quick: bools.has("--quick"),
    folders: { rename, exclude: values.get("--exclude") ?? [] },
    connections: connections ? positiveInt("--connections", connections) : undefined,
    maxMessageBytes: maxSize ? positiveInt("--max-message-size", maxSize) : undefined,
    stateFile: one("--state"),
    serverState: !bools.has("--no-server-state"),
  };
}
