// `mailshift sync-many`: many mailboxes, N at a time, as the Pulumi engine runs MailboxMigration resources in
// parallel. Each mailbox is one engine pass (syncMailbox); only a small record of each finished mailbox is
// kept, so memory follows --parallel, not the length of the list.
// Exit codes as `sync`: 0 every mailbox verified; 1 some message missing or skipped; 2 usage; 3 a pass stopped.
import { readFileSync, statSync } from "node:fs";
import { mailboxLabel, MailshiftError, parseImapUrl, syncMailbox, UsageError, type Endpoint, type SyncSummary } from "../engine";
import { commandFailure } from "./failure";
import { bytes, count, duration } from "../report/format";
import { pairKey, readState, writeState } from "./stateFile";

export const SYNC_MANY_USAGE = `usage:
  mailshift sync-many --mailboxes FILE.json [--parallel N] [--connections N] [--state FILE] [--json]

FILE.json lists the mailboxes: {"mailboxes": [{"from": "imap://USER@HOST:PORT", "to": "imap://USER@HOST:PORT"}, ...]}
Passwords: an entry may name environment variables ("fromPasswordEnv", "toPasswordEnv"; default
MAILSHIFT_FROM_PASSWORD and MAILSHIFT_TO_PASSWORD), or carry "fromPassword"/"toPassword" itself when the
file is readable by its owner only (chmod 600). Never on the command line. "fromAdmin"/"toAdmin" name an
administrator who logs in on each user's behalf; the password is then the administrator's.

options:
  --parallel N      mailboxes copied at the same time (default 4)
  --connections N   parallel APPEND connections per mailbox (default 4)
  --state FILE      keep folder watermarks of every mailbox here, so a resync skips folders where nothing moved
  --no-server-state neither keep the watermarks on the new host (a private METADATA entry) nor read them there
  --json            print one JSON object (totals and one small record per mailbox) on stdout`;

export interface SyncManyArgs {
  mailboxesFile: string;
  parallel: number;
  connections?: number;
  stateFile?: string;
  /** False with --no-server-state: no watermarks kept on, or read from, the destination. */
  serverState: boolean;
  json: boolean;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} takes a positive whole number, not "${v}"`);
  return n;
}

/** Pure: argv (after "sync-many") in, validated options out. */
export function parseSyncManyArgs(argv: readonly string[]): SyncManyArgs {
  const values = new Map<string, string>();
  let json = false;
  let serverState = true;
  const withValue = new Set(["--mailboxes", "--parallel", "--connections", "--state"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === "--json" && eq < 0) {
      json = true;
    } else if (flag === "--no-server-state" && eq < 0) {
      serverState = false;
    } else if (withValue.has(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      if (values.has(flag)) throw new UsageError(`${flag} is given more than once`);
      values.set(flag, v);
    } else if (flag === "--from" || flag === "--to" || /password/i.test(flag)) {
      throw new UsageError(
        `sync-many takes its mailboxes from --mailboxes FILE.json, not "${flag}" on the command line\n${SYNC_MANY_USAGE}`,
      );
    } else {
      throw new UsageError(`unknown option "${a}"\n${SYNC_MANY_USAGE}`);
    }
  }
  const file = values.get("--mailboxes");
  if (!file) throw new UsageError(`sync-many needs --mailboxes FILE.json\n${SYNC_MANY_USAGE}`);
  const parallel = values.get("--parallel");
  const connections = values.get("--connections");
  return {
    mailboxesFile: file,
    parallel: parallel ? positiveInt("--parallel", parallel) : 4,
    connections: connections ? positiveInt("--connections", connections) : undefined,
    stateFile: values.get("--state"),
    serverState,
    json,
  };
}

export interface MailboxPair {
  /** "mailboxes[3]", for messages. */
  entry: string;
  from: Endpoint;
  to: Endpoint;
}

const ENTRY_KEYS = new Set(["from", "to", "fromPasswordEnv", "toPasswordEnv", "fromPassword", "toPassword", "fromAdmin", "toAdmin"]);

/**
 * Pure: the list file's text in, endpoints with passwords out. `privateFile` says whether the file is readable
 * by its owner only; passwords inside a file others can read are refused, since they would not stay secret.
 * Every message names the file and the entry, and never a password.
 */
/** The list file's text and name, and whether only its owner may read it (where inline passwords are allowed). */
export function readListFile(file: string): [text: string, file: string, privateFile: boolean] {
  try {
    return [readFileSync(file, "utf8"), file, (statSync(file).mode & 0o077) === 0];
  } catch (err) {
    throw new UsageError(`--mailboxes ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function parseMailboxList(text: string, file: string, env: NodeJS.ProcessEnv, privateFile: boolean): MailboxPair[] {
  return parseMailboxEntries(text, file, env, privateFile, true) as MailboxPair[];
}

/** The same list where only the old hosts are needed (`audit-many`): "to" may be left out, and is then not read. */
export function parseSourceList(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  privateFile: boolean,
): { entry: string; from: Endpoint }[] {
  return parseMailboxEntries(text, file, env, privateFile, false);
}

function parseMailboxEntries(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  privateFile: boolean,
  needTo: boolean,
): { entry: string; from: Endpoint; to?: Endpoint }[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${(err as Error).message}); expected {"mailboxes": [{"from": ..., "to": ...}]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { mailboxes?: unknown } | null)?.mailboxes;
  if (!Array.isArray(list))
    throw new UsageError(`${file}: expected {"mailboxes": [{"from": ..., "to": ...}, ...]} (or a bare array of entries)`);
  if (list.length === 0) throw new UsageError(`${file}: the mailbox list is empty`);
  const seen = new Map<string, string>();
  return list.map((raw, i) => {
    const entry = `mailboxes[${i}]`;
    const where = `${file}: ${entry}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new UsageError(`${where}: expected an object with "from" and "to" URLs`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (!ENTRY_KEYS.has(k)) throw new UsageError(`${where}: unknown key "${k}"; allowed: ${[...ENTRY_KEYS].join(", ")}`);
    for (const k of ENTRY_KEYS) if (e[k] !== undefined && typeof e[k] !== "string") throw new UsageError(`${where}.${k}: must be a string`);
    const side = (s: "from" | "to"): Endpoint => {
      const url = e[s] as string | undefined;
      if (!url) throw new UsageError(`${where}: "${s}" is missing; give an imap://USER@HOST:PORT URL`);
      const inline = e[`${s}Password`] as string | undefined;
      if (inline !== undefined && !privateFile)
        throw new UsageError(
          `${where}.${s}Password: the file can be read by other users; chmod 600 ${file}, or name a variable with "${s}PasswordEnv"`,
        );
      const variable = (e[`${s}PasswordEnv`] as string | undefined) ?? (s === "from" ? "MAILSHIFT_FROM_PASSWORD" : "MAILSHIFT_TO_PASSWORD");
      const admin = e[`${s}Admin`] as string | undefined;
      const endpoint = parseImapUrl(url, {
        what: `${where}.${s}`,
        password: inline ?? env[variable],
        passwordVariable: inline !== undefined ? `${s}Password` : variable,
      });
      // With an administrator, the password is the admin's, used for each user's mailbox (cli/args.ts --from-admin).
      return admin ? { ...endpoint, admin } : endpoint;
    };
    const from = side("from");
    if (!needTo) {
      const key = mailboxLabel(from);
      const earlier = seen.get(key);
      if (earlier) throw new UsageError(`${where}: the same mailbox as ${earlier} (${key}); list each mailbox once`);
      seen.set(key, entry);
      return { entry, from };
    }
    const to = side("to");
    const key = pairKey(mailboxLabel(from), mailboxLabel(to));
    const earlier = seen.get(key);
    if (earlier) throw new UsageError(`${where}: the same pair as ${earlier} (${key}); list each mailbox once`);
    seen.set(key, entry);
    return { entry, from, to };
  });
}

export interface MailboxResult {
  entry: string;
  source: string;
  destination: string;
  /** 0 verified, 1 not every message arrived, 3 stopped. */
  code: 0 | 1 | 3;
  onSource: number;
  copied: number;
  bytesCopied: number;
  skipped: number;
  missing: number;
  unchangedFolders: number;
  durationMs: number;
  error?: string;
}

export function resultOf(entry: string, s: SyncSummary): MailboxResult {
  return {
    entry,
    source: s.source,
    destination: s.destination,
    code: s.verified ? 0 : 1,
    onSource: s.totals.onSource,
    copied: s.totals.copied,
    bytesCopied: s.totals.bytesCopied,
    skipped: s.totals.skipped,
    missing: s.missing,
    unchangedFolders: s.unchangedFolders,
    durationMs: s.durationMs,
  };
}

/** The worst outcome wins: a stopped pass (3) over a missing message (1) over success (0). */
export function exitCodeOf(results: readonly Pick<MailboxResult, "code">[]): 0 | 1 | 3 {
  return results.some((r) => r.code === 3) ? 3 : results.some((r) => r.code === 1) ? 1 : 0;
}

export interface ManyTotals {
  mailboxes: number;
  verified: number;
  failed: number;
  onSource: number;
  copied: number;
  bytesCopied: number;
  skipped: number;
  missing: number;
}

export function totalsOfMany(results: readonly MailboxResult[]): ManyTotals {
  const t: ManyTotals = {
    mailboxes: results.length,
    verified: 0,
    failed: 0,
    onSource: 0,
    copied: 0,
    bytesCopied: 0,
    skipped: 0,
    missing: 0,
  };
  for (const r of results) {
    if (r.code === 0) t.verified += 1;
    if (r.code === 3) t.failed += 1;
    t.onSource += r.onSource;
    t.copied += r.copied;
    t.bytesCopied += r.bytesCopied;
    t.skipped += r.skipped;
    t.missing += r.missing;
  }
  return t;
}

export function progressOf(done: number, all: number, t: ManyTotals, elapsedMs: number): string {
  const s = Math.max(elapsedMs, 1) / 1000;
  return `[${done}/${all} mailboxes] ${count(t.copied)} messages (${bytes(t.bytesCopied)}) copied in ${duration(elapsedMs)}, ${count(Math.round(t.copied / s))} messages/s; ${t.failed} stopped, ${done - t.verified - t.failed} incomplete`;
}

function renderMany(results: readonly MailboxResult[], t: ManyTotals, elapsedMs: number): string {
  const out = [
    `${t.verified} of ${t.mailboxes} mailboxes verified; ${count(t.onSource)} messages on the sources, ${count(t.copied)} copied (${bytes(t.bytesCopied)}) in ${duration(elapsedMs)}`,
  ];
  for (const r of results) {
    if (r.code === 3) out.push(`stopped: ${r.entry} ${r.source} -> ${r.destination}: ${r.error}`);
    else if (r.code === 1)
      out.push(
        `incomplete: ${r.entry} ${r.source} -> ${r.destination}: ${r.missing} missing, ${r.skipped} skipped; run sync for it to see which`,
      );
  }
  return out.join("\n");
}

export async function runSyncMany(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseSyncManyArgs(argv);
    json = args.json;
    const [text, file, privateFile] = readListFile(args.mailboxesFile);
    const pairs = parseMailboxList(text, file, env, privateFile);
    const state = args.stateFile ? readState(args.stateFile) : undefined;
    const started = Date.now();
    const results: MailboxResult[] = [];
    let next = 0;
    // Several mailboxes at once already keep both servers busy: then each copies one folder at a time, and a
    // second lane's logins would buy nothing. One mailbox alone gets the engine's default lanes.
    const lanes = Math.min(args.parallel, pairs.length) > 1 ? 1 : undefined;
    const worker = async (): Promise<void> => {
      while (next < pairs.length) {
        const p = pairs[next++];
        const key = pairKey(mailboxLabel(p.from), mailboxLabel(p.to));
        let r: MailboxResult;
        try {
          const summary = await syncMailbox(p.from, p.to, {
            watermarks: state?.pairs[key],
            serverWatermarks: args.serverState,
            connections: args.connections,
            lanes,
          });
          r = resultOf(p.entry, summary);
          if (state && args.stateFile) {
            state.pairs[key] = summary.watermarks;
            writeState(args.stateFile, state);
          }
        } catch (err) {
          const message = err instanceof MailshiftError ? err.message : `unexpected failure: ${(err as Error)?.message ?? String(err)}`;
          r = { ...resultOf(p.entry, emptySummary(p)), code: 3, error: message };
          process.stderr.write(`mailshift: ${p.entry} ${mailboxLabel(p.from)} stopped: ${message}\n`);
        }
        results.push(r);
        if (results.length % args.parallel === 0 || results.length === pairs.length)
          process.stderr.write(`${progressOf(results.length, pairs.length, totalsOfMany(results), Date.now() - started)}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(args.parallel, pairs.length) }, worker));
    const elapsed = Date.now() - started;
    const order = new Map(pairs.map((p, i) => [p.entry, i]));
    results.sort((a, b) => order.get(a.entry)! - order.get(b.entry)!);
    const totals = totalsOfMany(results);
    process.stdout.write(
      json ? `${JSON.stringify({ totals, durationMs: elapsed, mailboxes: results })}\n` : `${renderMany(results, totals, elapsed)}\n`,
    );
    return exitCodeOf(results);
  } catch (err) {
    return commandFailure("mailshift", err, { json });
  }
}

function emptySummary(p: MailboxPair): SyncSummary {
  const now = new Date().toISOString();
  return {
    source: mailboxLabel(p.from),
    destination: mailboxLabel(p.to),
    folders: [],
    excluded: [],
    totals: { onSource: 0, alreadyPresent: 0, copied: 0, bytesCopied: 0, flagsUpdated: 0, skipped: 0 },
    verified: false,
    missing: 0,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    retries: 0,
    watermarks: {},
    unchangedFolders: 0,
  };
}

// Runnable on its own (`node dist/cli/syncMany.js ...`) until cli/main.ts routes `mailshift sync-many` here.
if (require.main === module) {
  runSyncMany(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
