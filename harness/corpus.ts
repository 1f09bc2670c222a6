// Real mail for tests (../shared/corpus, see its README): read in a fixed order, with the mbox envelope line
// removed and nothing else touched, and loaded into a loopback test server with imapflow directly, so that
// tests of the engine do not depend on the engine to set up their mail.
import { ImapFlow } from "imapflow";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "./repoRoot";

export interface RawMessage {
  raw: Buffer;
  flags?: string[];
  internalDate?: Date;
  /** Where it came from, for error messages: a corpus path or a generator name with its seed. */
  origin: string;
}

export type CorpusKind = "easy_ham" | "spam" | "notmuch";

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorpusError";
  }
}

/** Used when a message has no Date header, or one no parser can read, or one outside 1980..2037. */
export const FALLBACK_DATE = new Date("2000-01-01T00:00:00Z");

export function corpusDir(): string {
  const dir = process.env.MAILSHIFT_CORPUS || path.resolve(repoRoot(), "..", "shared", "corpus");
  if (!fs.existsSync(path.join(dir, "easy_ham"))) {
    throw new CorpusError(
      `test corpus not found at ${dir} (expected easy_ham/, spam/ and notmuch/ there): set MAILSHIFT_CORPUS to the corpus folder, or place it at ../shared/corpus beside the checkout`,
    );
  }
  return dir;
}

/** Removes a leading mbox "From " envelope line (not part of the message); every other byte stays. */
export function stripMboxEnvelope(raw: Buffer): Buffer {
  if (raw.subarray(0, 5).toString("latin1") !== "From ") return raw;
  const nl = raw.indexOf(0x0a);
  return nl < 0 ? Buffer.alloc(0) : raw.subarray(nl + 1);
}

/** The first Date header's value, unfolded; header bytes are read as latin1 so 8-bit junk cannot throw. */
export function dateHeader(raw: Buffer): string | undefined {
  const text = raw.toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const header = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const m = /^Date:[ \t]*(.*?)[ \t]*\r?$/im.exec(header);
  return m ? m[1] : undefined;
}

/** INTERNALDATE for a loaded message: its Date header in whole seconds when sane, else FALLBACK_DATE. */
export function internalDateOf(raw: Buffer): Date {
  const value = dateHeader(raw);
  if (value === undefined) return FALLBACK_DATE;
  const ms = Date.parse(value.replace(/\([^)]*\)/g, " ").trim());
  if (Number.isNaN(ms)) return FALLBACK_DATE;
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const y = d.getUTCFullYear();
  return y >= 1980 && y <= 2037 ? d : FALLBACK_DATE;
}

const MAILDIR_FLAGS: Readonly<Record<string, string>> = {
  D: "\\Draft",
  F: "\\Flagged",
  P: "$Forwarded",
  R: "\\Answered",
  S: "\\Seen",
  T: "\\Deleted",
};

/** IMAP flags from a maildir file name's ":2,FLAGS" info; lowercase letters (Dovecot keyword slots) are ignored. */
export function maildirFlags(fileName: string): string[] {
  const i = fileName.lastIndexOf(":2,");
  if (i < 0) return [];
  const out: string[] = [];
  for (const ch of fileName.slice(i + 3)) {
    const f = MAILDIR_FLAGS[ch];
    if (f && !out.includes(f)) out.push(f);
  }
  return out;
}

function filesUnder(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cache = new Map<CorpusKind, RawMessage[]>();

function load(kind: CorpusKind): RawMessage[] {
  const hit = cache.get(kind);
  if (hit) return hit;
  const root = path.join(corpusDir(), kind);
  if (!fs.existsSync(root)) throw new CorpusError(`corpus folder ${root} is missing: the corpus at ${corpusDir()} is incomplete`);
  const names = (kind === "notmuch" ? filesUnder(root) : fs.readdirSync(root).filter((n) => !n.startsWith(".")))
    // notmuch: only maildir messages (cur/, new/ or with :2, info), not index files notmuch may leave
    .filter((n) => kind !== "notmuch" || /(^|\/)(cur|new)\//.test(n) || n.includes(":2,"))
    .sort(byteOrder);
  const msgs = names.map((n): RawMessage => {
    const raw = stripMboxEnvelope(fs.readFileSync(path.join(root, n)));
    return {
      raw,
      flags: kind === "notmuch" ? maildirFlags(path.basename(n)) : [],
      internalDate: internalDateOf(raw),
      origin: `${kind}/${n}`,
    };
  });
  cache.set(kind, msgs);
  return msgs;
}

/** Corpus messages in sorted file-name order; `limit` takes the first ones. Each call returns fresh objects. */
export function readCorpus(kind: CorpusKind, limit?: number): RawMessage[] {
  const all = load(kind);
  const n = limit === undefined ? all.length : Math.max(0, Math.min(limit, all.length));
  return all.slice(0, n).map((m) => ({ ...m, flags: m.flags ? [...m.flags] : undefined }));
}

function connectUrl(url: string, password: string): ImapFlow {
  const u = new URL(url);
  if (u.protocol !== "imap:") throw new CorpusError(`appendAll: ${url} is not an imap:// URL of a loopback test server`);
  // the corpus README forbids delivering this mail anywhere real
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) {
    throw new CorpusError(`appendAll: refusing to load test mail into ${u.hostname}; only loopback test servers may receive it`);
  }
  return new ImapFlow({
    host: u.hostname,
    port: Number(u.port || 143),
    secure: false,
    auth: { user: decodeURIComponent(u.username), pass: password },
    logger: false,
    disableAutoIdle: true,
  });
}

/**
 * Appends every message, in order, to `folder` (a full server path such as "INBOX.Sent"), creating it
 * when missing, with each message's flags and INTERNALDATE.
 */
export async function appendAll(url: string, password: string, folder: string, msgs: readonly RawMessage[]): Promise<void> {
  const c = connectUrl(url, password);
  c.on("error", () => undefined); // failures surface through the awaited commands below
  try {
    await c.connect().catch((err: Error & { responseText?: string }) => {
      throw new CorpusError(`appendAll: cannot log in to ${url}: ${err.responseText ?? err.message}`);
    });
    // an existing folder answers NO [ALREADYEXISTS] (created: false), or a bare NO on Cyrus and Courier
    if (folder.toUpperCase() !== "INBOX" && !(await c.list()).some((e) => e.path === folder)) {
      await c.mailboxCreate(folder).catch((err: Error & { responseText?: string }) => {
        throw new CorpusError(`appendAll: cannot create folder ${JSON.stringify(folder)} on ${url}: ${err.responseText ?? err.message}`);
      });
    }
    // a window of queued APPENDs: imapflow sends them in submission order, so UIDs follow `msgs`
    const window = 16;
    for (let i = 0; i < msgs.length; i += window) {
      await Promise.all(
        msgs.slice(i, i + window).map(async (m) => {
          try {
            const res = await c.append(folder, m.raw, m.flags ?? [], m.internalDate);
            if (!res) throw new Error("the server gave no APPENDUID");
          } catch (err) {
            const e = err as Error & { responseText?: string };
            throw new CorpusError(`appendAll: ${m.origin} into ${folder} on ${url}: ${e.responseText ?? e.message}`);
          }
        }),
      );
    }
  } finally {
    await c.logout().catch(() => c.close());
  }
}
