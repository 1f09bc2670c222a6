// Rules for the fault proxy that make a Dovecot of the "new" layout (which already has Exchange's folder names:
// Sent Items, Deleted Items, Junk Email) answer like Exchange Online where the engine must cope with it:
// throttled APPENDs, a maximum message size, no CONDSTORE/QRESYNC/MULTIAPPEND/LIST-STATUS, no keywords (PERMANENTFLAGS
// without \*), \Flagged dropped on APPEND, folder names it refuses, sizes that are not the bytes it was sent
// (it stores its own rendering and reports an estimated RFC822.SIZE). The texts are Exchange's where we know them.
import type { ProxyRules } from "./faultProxy";

export interface ExchangeEmulationOptions {
  /** Every k-th APPEND (counted over all connections) is answered as throttled, and nothing is stored. */
  throttleEvery?: number;
  /** The backoff the throttled answer suggests. Default 200 ms (Exchange says a few hundred to thousands). */
  backoffMs?: number;
  /** APPENDs of a larger message are refused, without forwarding. Default: no limit. */
  maxAppendBytes?: number;
  /** Folder names CREATE refuses. Default: a name with a segment ending in "." (Exchange refuses those). */
  rejectFolder?: (name: string) => boolean;
  /** Default true. */
  dropFlaggedOnAppend?: boolean;
  /** RFC822.SIZE in FETCH answers is not the message's size (estimatedSize). Default true. */
  estimatedSizes?: boolean;
}

/** What the emulation did, for assertions. */
export interface ExchangeStats {
  appends: number;
  throttled: number;
  tooBig: number;
  rejectedFolders: string[];
  flaggedDropped: number;
}

export const THROTTLED_TEXT = (ms: number) => `Request is throttled. Suggested Backoff Time: ${ms} milliseconds`;
export const TOO_BIG_TEXT = "Maximum size of appendable message has been exceeded.";
export const BAD_FOLDER_TEXT = "Folder name is not valid.";

/** Capabilities Exchange Online does not offer. */
const MISSING_CAPABILITIES = new Set(["CONDSTORE", "QRESYNC", "MULTIAPPEND", "LIST-STATUS"]);
const SYSTEM_FLAGS = new Set(["\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft"]);

/** Removes Exchange's missing capabilities from a CAPABILITY answer or a [CAPABILITY ...] response code. */
export function stripCapabilities(line: string): string {
  return line.replace(
    /(^\* CAPABILITY |\[CAPABILITY )([^\]]*)/i,
    (_, head: string, list: string) =>
      head +
      list
        .split(" ")
        .filter((c) => !MISSING_CAPABILITIES.has(c.toUpperCase()))
        .join(" "),
  );
}

/** PERMANENTFLAGS without `\*`: keywords cannot be stored. */
export function withoutKeywordPermission(line: string): string {
  return line.replace(
    /\[PERMANENTFLAGS \(([^)]*)\)/i,
    (_, list: string) =>
      `[PERMANENTFLAGS (${list
        .split(" ")
        .filter((f) => f && f !== "\\*")
        .join(" ")})`,
  );
}

/** Mod-sequences are a CONDSTORE thing: no HIGHESTMODSEQ/NOMODSEQ codes, no HIGHESTMODSEQ in STATUS. */
export function withoutModseq(line: string): string | string[] {
  if (/^\* OK \[(HIGHESTMODSEQ \d+|NOMODSEQ)\]/i.test(line)) return [];
  return line.replace(
    /^(\* STATUS .*\()(.*)\)$/i,
    (_, head: string, items: string) => `${head + items.replace(/\s*HIGHESTMODSEQ \d+/i, "").trim()})`,
  );
}

/** Exchange's size for a message of n bytes: close to it, never equal (deterministic, for the tests). */
export const estimatedSize = (n: number) => n + 17 + (n % 89);

/** RFC822.SIZE items in a FETCH answer, replaced by Exchange-like estimates. */
export function withEstimatedSizes(line: string): string {
  if (!/^\* \d+ FETCH /i.test(line)) return line;
  return line.replace(/\bRFC822\.SIZE (\d+)/i, (_, n: string) => `RFC822.SIZE ${estimatedSize(Number(n))}`);
}

/** Reads an atom or a quoted string at `pos`; undefined for anything else (a literal). */
function astringAt(s: string, pos: number): { value: string; end: number } | undefined {
  if (s[pos] === '"') {
    let value = "";
    for (let i = pos + 1; i < s.length; i++) {
      if (s[i] === "\\") value += s[++i] ?? "";
      else if (s[i] === '"') return { value, end: i + 1 };
      else value += s[i];
    }
    return undefined;
  }
  const m = /^[^\s(){"]+/.exec(s.slice(pos));
  return m ? { value: m[0], end: pos + m[0].length } : undefined;
}

/** `tag VERB mailbox rest`, when the mailbox is an atom or a quoted string. */
export function parseMailboxCommand(line: string): { tag: string; verb: string; mailbox: string; restAt: number } | undefined {
  const m = /^(\S+) ([A-Za-z]+) /.exec(line);
  if (!m) return undefined;
  const box = astringAt(line, m[0].length);
  if (!box) return undefined;
  return { tag: m[1], verb: m[2].toUpperCase(), mailbox: box.value, restAt: box.end };
}

/** The APPEND line with the flags Exchange keeps: no \Flagged (when asked), no keywords. */
export function exchangeAppendFlags(line: string, dropFlagged: boolean): { line: string; droppedFlagged: boolean } {
  const c = parseMailboxCommand(line);
  if (c?.verb !== "APPEND") return { line, droppedFlagged: false };
  const rest = line.slice(c.restAt);
  const m = /^ \(([^)]*)\)/.exec(rest);
  if (!m) return { line, droppedFlagged: false };
  const flags = m[1].split(" ").filter(Boolean);
  const kept = flags.filter((f) => SYSTEM_FLAGS.has(f.toLowerCase()) && !(dropFlagged && f.toLowerCase() === "\\flagged"));
  return {
    line: `${line.slice(0, c.restAt)} (${kept.join(" ")})${rest.slice(m[0].length)}`,
    droppedFlagged: flags.some((f) => f.toLowerCase() === "\\flagged") && dropFlagged,
  };
}

const defaultRejectFolder = (name: string) => name.split("/").some((seg) => seg.endsWith("."));

export function exchangeEmulation(opts: ExchangeEmulationOptions = {}): { rules: ProxyRules; stats: ExchangeStats } {
  const stats: ExchangeStats = { appends: 0, throttled: 0, tooBig: 0, rejectedFolders: [], flaggedDropped: 0 };
  const backoff = opts.backoffMs ?? 200;
  const reject = opts.rejectFolder ?? defaultRejectFolder;
  const rules: ProxyRules = {
    server: (line) => {
      const sized = (opts.estimatedSizes ?? true) ? withEstimatedSizes(line) : line;
      return withoutModseq(withoutKeywordPermission(stripCapabilities(sized)));
    },
    client: (line) => {
      const r = exchangeAppendFlags(line, opts.dropFlaggedOnAppend ?? true);
      if (r.droppedFlagged) stats.flaggedDropped += 1;
      return r.line;
    },
    intercept: (line, ctx) => {
      const c = parseMailboxCommand(line);
      if (!c) return undefined;
      if (c.verb === "CREATE" && reject(c.mailbox)) {
        stats.rejectedFolders.push(c.mailbox);
        return { reply: [`${c.tag} NO ${BAD_FOLDER_TEXT}`] };
      }
      if (c.verb !== "APPEND") return undefined;
      stats.appends += 1;
      if (opts.maxAppendBytes !== undefined && (ctx.literalSize ?? 0) > opts.maxAppendBytes) {
        stats.tooBig += 1;
        return { reply: [`${c.tag} NO ${TOO_BIG_TEXT}`] };
      }
      if (opts.throttleEvery && stats.appends % opts.throttleEvery === 0) {
        stats.throttled += 1;
        return { reply: [`${c.tag} NO ${THROTTLED_TEXT(backoff)}`] };
      }
      return undefined;
    },
  };
  return { rules, stats };
}
