// BIND zone files (RFC 1035 section 5, with BIND's $TTL, $GENERATE and TTL units): the export every DNS host
// offers, read as BIND 9 reads it (test/dns/zoneBind.test.ts compares the two on a corpus). A wrong line
// throws ZoneFileError and nothing is imported; a right line mailshift cannot represent is reported and skipped.
import { readFileSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import { canonicalIPv6, canonicalName, groupRrsets, inZone, recordKey, txtContent, type ZoneRecord } from "./records";
import { normalizeLoc } from "./loc";
import { normalizeSvcParams } from "./svcb";
import { decodeGenericRdata, DECODED_TYPES, typeName } from "./wire";
import { generateRange, generateText } from "./zoneGenerate";

export class ZoneFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
    readonly got?: string,
  ) {
    super(
      `${file} line ${line}: expected ${expected}${got === undefined ? "" : `, got ${JSON.stringify(got)}`}; ` +
        "nothing was imported: fix the line and import again",
    );
    this.name = "ZoneFileError";
  }
}

/**
 * What the import did not take as written, line by line (the import report). `skipped`: a record mailshift
 * cannot represent, not imported; `out-of-zone` and `duplicate`: dropped as BIND drops them; `ttl`: a TTL
 * changed as BIND changes it; `ttl-mismatch`: one rrset with several TTLs; `encoding`: the file is not UTF-8.
 */
export interface ZoneFileIssue {
  line: number;
  kind: "skipped" | "out-of-zone" | "duplicate" | "ttl" | "ttl-mismatch" | "encoding";
  /** The record's owner and type, when the issue is about one record. */
  name?: string;
  type?: string;
  message: string;
}

export interface ParsedZone {
  /** The zone's name: the SOA owner, else the first $ORIGIN, else the origin passed in. */
  origin: string;
  records: ZoneRecord[];
  /** Lines not imported as written, in line order; empty for a clean file. */
  issues: ZoneFileIssue[];
}

export interface ParseOptions {
  /** Named in errors. */
  file?: string;
  /** The origin before any $ORIGIN (usually the zone's name). */
  origin?: string;
}

/** One issue as a line of the import report: `old.zone line 12: ...`. */
export function renderZoneFileIssue(file: string, issue: ZoneFileIssue): string {
  return `${file} line ${issue.line}: ${issue.message}`;
}

interface Token {
  text: string;
  quoted: boolean;
  line: number;
  /** Written right after the previous token, no blank between (`alpn="h3,h2"`). */
  joined: boolean;
}
interface Entry {
  line: number;
  blankOwner: boolean;
  tokens: Token[];
}

/** Record types the parser knows by name; others must be written TYPEnnn. */
export const KNOWN_TYPES = new Set([
  "A",
  "AAAA",
  "AFSDB",
  "ALIAS",
  "ANAME",
  "APL",
  "CAA",
  "CDNSKEY",
  "CDS",
  "CERT",
  "CNAME",
  "CSYNC",
  "DHCID",
  "DLV",
  "DNAME",
  "DNSKEY",
  "DS",
  "EUI48",
  "EUI64",
  "HINFO",
  "HIP",
  "HTTPS",
  "IPSECKEY",
  "KEY",
  "KX",
  "LOC",
  "MX",
  "NAPTR",
  "NS",
  "NSEC",
  "NSEC3",
  "NSEC3PARAM",
  "OPENPGPKEY",
  "PTR",
  "RP",
  "RRSIG",
  "SMIMEA",
  "SOA",
  "SPF",
  "SRV",
  "SSHFP",
  "SVCB",
  "TLSA",
  "TXT",
  "URI",
  "ZONEMD",
]);

/**
 * Types BIND reads that mailshift does not represent (obsolete or experimental; Cloudflare holds none of them):
 * such a line is reported and skipped, the rest of the file imported.
 */
export const UNREPRESENTED_TYPES = new Set([
  "GPOS",
  "X25",
  "ISDN",
  "RT",
  "NSAP",
  "NSAP-PTR",
  "PX",
  "MB",
  "MD",
  "MF",
  "MG",
  "MR",
  "MINFO",
  "NULL",
  "WKS",
  "SIG",
  "NXT",
  "A6",
  "ATMA",
  "SINK",
  "NINFO",
  "RKEY",
  "TALINK",
  "TA",
  "AVC",
  "DOA",
  "AMTRELAY",
  "RESINFO",
  "WALLET",
  "L32",
  "L64",
  "LP",
  "NID",
  "EID",
  "NIMLOC",
  "KEYDATA",
  "UINFO",
  "UID",
  "GID",
  "UNSPEC",
  "MAILA",
  "MAILB",
  "BRID",
  "HHIT",
  "DSYNC",
  "CLA",
  "IPN",
]);

/** Fields holding domain names in types otherwise passed through as written: completed like any name. */
const PASS_THROUGH_NAMES: Record<string, number[]> = {
  NAPTR: [5],
  RP: [0, 1],
  AFSDB: [1],
  KX: [1],
  NSEC: [0],
  RRSIG: [7],
  ALIAS: [0],
  ANAME: [0],
};
/** Types ending in base64 after a number of fields: the base64 is one token whatever the line breaks (BIND re-chunks it). */
const BASE64_AFTER: Record<string, number> = { DNSKEY: 3, CDNSKEY: 3, KEY: 3, RRSIG: 8, OPENPGPKEY: 0 };

/**
 * A domain name's text in one form: escapes that stand for plain characters decoded (`\@` is `@`, `\065` is `A`),
 * only what must stay escaped kept so (a dot, backslash, semicolon, parenthesis or quote inside a label, spaces and
 * bytes outside printable ASCII): the form the DNS wire decoder gives names, and one printZoneFile can write back.
 */
export function canonicalEscapes(name: string): string {
  if (!name.includes("\\")) return name;
  let out = "";
  for (let i = 0; i < name.length; i++) {
    let c = name[i]!;
    if (c === "\\" && i + 1 < name.length) {
      const d = name.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        c = String.fromCharCode(Number(d) & 0xff);
        i += 3;
      } else c = name[++i]!;
      const code = c.charCodeAt(0);
      out += '.\\;()"'.includes(c) ? `\\${c}` : code <= 0x20 || code >= 0x7f ? `\\${String(code).padStart(3, "0")}` : c;
      continue;
    }
    out += c;
  }
  return out;
}

/** Fields that are character-strings in types otherwise passed through: quoted as BIND prints them (HINFO PC "x y"). */
const PASS_THROUGH_STRINGS: Record<string, number[]> = { HINFO: [0, 1], NAPTR: [2, 3, 4], URI: [2] };

const CLASSES = new Set(["IN", "CH", "HS", "CS"]);
const TTL_RE = /^(\d+|(\d+[smhdw])+)$/i;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** RFC 2181 section 8: a TTL above 2^31-1 is read as 0. */
export const MAX_TTL = 2 ** 31 - 1;

/** Seconds from `3600`, `1h`, `1h30m`, `2W`; undefined when the token is not a TTL. */
export function parseTtl(token: string): number | undefined {
  if (!TTL_RE.test(token)) return undefined;
  if (/^\d+$/.test(token)) return Number(token);
  let total = 0;
  for (const m of token.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * UNIT[m[2]!]!;
  return total;
}

/** Split the text into logical entries: comments dropped, parentheses joined, quoted strings kept whole. */
function tokenize(text: string, file: string, lineOffset = 0): Entry[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let depth = 0;
  let openedOn = 0;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    const lineNo = lineOffset || li + 1;
    if (depth === 0) {
      if (current && current.tokens.length > 0) entries.push(current);
      current = { line: lineNo, blankOwner: /^[ \t]/.test(line), tokens: [] };
    }
    const entry = current!;
    let i = 0;
    let joined = false;
    while (i < line.length) {
      const c = line[i]!;
      if (c === " " || c === "\t") {
        i++;
        joined = false;
      } else if (c === ";") {
        break;
      } else if (c === "(") {
        if (depth === 0) openedOn = lineNo;
        depth++;
        i++;
        joined = false;
      } else if (c === ")") {
        if (depth === 0) throw new ZoneFileError(file, lineNo, "no ')' without an opening '('", ")");
        depth--;
        i++;
        joined = false;
      } else if (c === '"') {
        let j = i + 1;
        let raw = "";
        while (j < line.length && line[j] !== '"') {
          if (line[j] === "\\" && j + 1 < line.length) {
            raw += line.slice(j, j + 2);
            j += 2;
          } else raw += line[j++];
        }
        if (j >= line.length) throw new ZoneFileError(file, lineNo, "a closing '\"' before the end of the line", line.slice(i));
        entry.tokens.push({ text: raw, quoted: true, line: lineNo, joined });
        i = j + 1;
        joined = true;
      } else {
        let j = i;
        let raw = "";
        while (j < line.length && !' \t;()"'.includes(line[j]!)) {
          if (line[j] === "\\" && j + 1 < line.length) {
            raw += line.slice(j, j + 2);
            j += 2;
          } else raw += line[j++];
        }
        entry.tokens.push({ text: raw, quoted: false, line: lineNo, joined });
        i = j;
        joined = true;
      }
    }
  }
  if (depth > 0) throw new ZoneFileError(file, openedOn, `a ')' to close the '(' opened on line ${openedOn}`, "end of file");
  if (current && current.tokens.length > 0) entries.push(current);
  return entries;
}

/**
 * A character-string's bytes (as a latin1 JS string) from its zone-file text: `\"`, `\\`, `\DDD` decoded.
 * `bytes`: the text holds one byte per character (a file that is not UTF-8, read byte for byte).
 */
export function unescapeText(raw: string, bytes = false): string {
  // Zone files are UTF-8; \DDD is one byte. Collect bytes, return them as a latin1 string.
  const out: number[] = [];
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === "\\" && i + 1 < raw.length) {
      const d = raw.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        out.push(Number(d) & 0xff);
        i += 4;
        continue;
      }
      i += 1; // an escaped character stands for itself
    }
    const cp = raw.codePointAt(i)!;
    if (bytes) out.push(cp & 0xff);
    else out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    i += cp > 0xffff ? 2 : 1;
  }
  return Buffer.from(out).toString("latin1");
}

/** The first line (1-based) whose bytes are not UTF-8, or undefined. */
function firstNonUtf8Line(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return undefined;
}

/** Read a zone file from disk as bytes (see parseZoneFile on files that are not UTF-8). */
export function readZoneFile(path: string, options: ParseOptions = {}): ParsedZone {
  return parseZoneFile(readFileSync(path), { file: path, ...options });
}

/**
 * Parse a zone file into normalized records, as BIND 9 reads it: relative names completed everywhere, $TTL and
 * TTL inheritance (RFC 2308, BIND's SOA-minimum fallback), $GENERATE expanded, RFC 3597 `\#` data decoded,
 * out-of-zone records and duplicates dropped. Given bytes that are not UTF-8 (a Latin-1 export), the file is read
 * byte for byte as BIND reads it, and reported. A line mailshift cannot represent is reported and skipped
 * (ParsedZone.issues); a line that is wrong throws ZoneFileError (file, line, what was expected), as BIND
 * refuses such a file.
 */
export function parseZoneFile(input: string | Uint8Array, options: ParseOptions = {}): ParsedZone {
  const file = options.file ?? "zone file";
  const issues: ZoneFileIssue[] = [];
  let text: string;
  let byteMode = false;
  if (typeof input === "string") text = input;
  else {
    const bad = firstNonUtf8Line(input);
    byteMode = bad !== undefined;
    text = Buffer.from(input).toString(byteMode ? "latin1" : "utf8");
    if (bad !== undefined) {
      issues.push({
        line: bad,
        kind: "encoding",
        message:
          "the file is not UTF-8 (from here on at least; a Latin-1 export?): its bytes are imported as they are, as BIND reads them; check the TXT records' text",
      });
    }
  }
  let origin = options.origin === undefined ? undefined : absolute(options.origin);
  let soaOwner: string | undefined;
  let firstOrigin: string | undefined;
  let defaultTtl: number | undefined;
  let lastTtl: number | undefined;
  let previousOwner: string | undefined;
  const records: Array<ZoneRecord & { line: number }> = [];

  // Typed where it is declared, so that the compiler knows a call to it does not return.
  const err: (line: number, expected: string, got?: string) => never = (line, expected, got) => {
    throw new ZoneFileError(file, line, expected, got);
  };
  function absolute(name: string): string {
    return name.endsWith(".") ? name : `${name}.`;
  }
  const resolveName = (tok: Token | undefined, what: string): string => {
    if (!tok || tok.quoted) return err(tok?.line ?? 0, what, tok?.text);
    const t = tok.text;
    if (t === "@") {
      if (origin === undefined) return err(tok.line, "a $ORIGIN before '@' is used", t);
      return origin;
    }
    if (t === ".") return ".";
    if (/\.\.|^\.|[\s"]/.test(t.replace(/\\./g, "x"))) return err(tok.line, what, t);
    if (t.endsWith(".") && !t.endsWith("\\.")) return canonicalEscapes(t);
    if (origin === undefined) return err(tok.line, `a $ORIGIN before the relative name (or write it with a final dot)`, t);
    return canonicalEscapes(origin === "." ? `${t}.` : `${t}.${origin}`);
  };
  const content = (name: string): string => (name === "." ? "." : canonicalName(name));
  const uint = (tok: Token | undefined, max: number, what: string, line: number): number => {
    if (!tok || tok.quoted || !/^\d+$/.test(tok.text) || Number(tok.text) > max) return err(tok?.line ?? line, what, tok?.text);
    return Number(tok.text);
  };
  const timer = (tok: Token | undefined, what: string, line: number): number => {
    const v = tok && !tok.quoted ? parseTtl(tok.text) : undefined;
    if (v === undefined || v > 0xffffffff) return err(tok?.line ?? line, what, tok?.text);
    return v;
  };
  /** A TTL as BIND keeps it: above 2^31-1 it is 0 (RFC 2181 section 8), and the change is reported. */
  const ttlValue = (tok: Token, what: string, line: number): number => {
    const v = timer(tok, what, line);
    if (v <= MAX_TTL) return v;
    issues.push({ line, kind: "ttl", message: `${what} ${tok.text} is above 2^31-1 seconds; read as 0, as RFC 2181 section 8 says` });
    return 0;
  };

  const directive = (entry: Entry): void => {
    const toks = entry.tokens;
    const first = toks[0]!;
    const name = first.text.toUpperCase();
    if (name === "$GENERATE") {
      generate(entry);
      return;
    }
    if (name === "$ORIGIN") {
      origin = absolute(resolveName(toks[1], "a domain name after $ORIGIN"));
      firstOrigin ??= origin;
    } else if (name === "$TTL") {
      if (!toks[1]) err(entry.line, "a TTL after $TTL (seconds, or units like 1h, 1d)");
      defaultTtl = ttlValue(toks[1]!, "$TTL", entry.line);
    } else if (name === "$INCLUDE") {
      err(entry.line, "records written out: $INCLUDE is not supported, put the records of the included file in its place", first.text);
    } else {
      err(entry.line, "a directive $ORIGIN, $TTL or $GENERATE", first.text);
    }
    if (toks.length > 2) err(toks[2]!.line, `nothing more after ${name} and its value`, toks[2]!.text);
  };

  /** $GENERATE range lhs [ttl] [class] type rhs: each generated line read like a written one. */
  const generate = (entry: Entry): void => {
    const toks = entry.tokens;
    const [range, lhs] = [toks[1], toks[2]];
    const rhs = toks.at(-1);
    if (!range || !lhs || toks.length < 5 || !rhs)
      err(entry.line, "$GENERATE range lhs [ttl] [class] type rhs", toks.map((t) => t.text).join(" "));
    const middle = toks.slice(3, -1).map((t) => t.text);
    if (/\$\{[^}]*,[nN]\}/.test(lhs.text + rhs.text)) {
      issues.push({
        line: entry.line,
        kind: "skipped",
        message: "$GENERATE with a nibble modifier (n or N) is not supported: this line was not imported; write its records out",
      });
      return;
    }
    let values: number[];
    try {
      values = generateRange(range.text);
    } catch (e) {
      err(entry.line, `$GENERATE ${(e as Error).message}`);
    }
    for (const v of values) {
      let line: string;
      try {
        line = [generateText(lhs.text, v), ...middle, generateText(rhs.text, v)].join(" ");
      } catch (e) {
        err(entry.line, `$GENERATE ${(e as Error).message}`);
      }
      for (const generated of tokenize(line, file, entry.line)) record(generated);
    }
  };

  const record = (entry: Entry): void => {
    const toks = entry.tokens;
    let idx = 0;
    let owner: string;
    if (entry.blankOwner) {
      if (previousOwner === undefined) err(entry.line, "an owner name at the start of the first record (it begins with a blank)");
      owner = previousOwner;
    } else {
      owner = resolveName(toks[0], "an owner name");
      idx = 1;
    }
    previousOwner = owner;
    let ttl: number | undefined;
    let klass: string | undefined;
    for (let k = 0; k < 2 && idx < toks.length; k++) {
      const t = toks[idx]!;
      if (t.quoted) break;
      if (ttl === undefined && TTL_RE.test(t.text)) {
        ttl = ttlValue(t, "the TTL", entry.line);
        idx++;
      } else if (klass === undefined && CLASSES.has(t.text.toUpperCase())) {
        klass = t.text.toUpperCase();
        idx++;
      } else break;
    }
    if (klass !== undefined && klass !== "IN") err(entry.line, "class IN (the only class mailshift imports)", klass);
    const typeTok = toks[idx];
    const type = typeTok && !typeTok.quoted ? typeTok.text.toUpperCase() : "";
    const rdata = toks.slice(idx + 1);
    const line = typeTok?.line ?? entry.line;
    if (ttl !== undefined) lastTtl = ttl;
    const skip = (why: string): void => {
      issues.push({
        line,
        kind: "skipped",
        name: canonicalName(owner),
        type,
        message: `${canonicalName(owner)} ${type}: not imported: ${why}`,
      });
    };
    if (UNREPRESENTED_TYPES.has(type)) {
      skip(`mailshift does not represent ${type} records (nor does Cloudflare); recreate it by hand where it is still needed`);
      return;
    }
    if (!KNOWN_TYPES.has(type) && !/^TYPE\d+$/.test(type)) {
      err(
        typeTok?.line ?? entry.line,
        "a record type (A, AAAA, CNAME, MX, TXT, ...) after the owner, TTL and class",
        typeTok?.text ?? "end of line",
      );
    }
    const need = (n: number, what: string) => {
      if (rdata.length !== n) err(rdata[n]?.line ?? line, `${type} data: ${what}`, rdata.map((t) => t.text).join(" ") || "nothing");
    };

    let value: string | undefined;
    if (rdata[0] && !rdata[0].quoted && rdata[0].text === "\\#") {
      // RFC 3597 generic form: the record's bytes in hex.
      const length = uint(rdata[1], 65535, `the data length after \\# in ${type} data`, line);
      const hex = rdata
        .slice(2)
        .map((t) => t.text)
        .join("");
      if (!/^[0-9a-f]*$/i.test(hex) || hex.length !== length * 2) err(line, `${length} bytes in hex after "\\# ${length}"`, hex);
      const wireType = /^TYPE\d+$/.test(type) ? typeName(Number(type.slice(4))) : type;
      if (DECODED_TYPES.has(wireType)) {
        try {
          value = decodeGenericRdata(wireType, Buffer.from(hex, "hex"));
        } catch (e) {
          err(line, `${type} data in \\# form that makes one ${type} record (${(e as Error).message})`, hex);
        }
      } else if (KNOWN_TYPES.has(type)) {
        skip(`written in RFC 3597 \\# form, which mailshift reads only for ${[...DECODED_TYPES].join(", ")}; write it in its usual form`);
        return;
      } else {
        value = `\\# ${length}${length > 0 ? ` ${hex.toLowerCase()}` : ""}`;
      }
    }
    const rtype = /^TYPE\d+$/.test(type) ? typeName(Number(type.slice(4))) : type;
    if (value === undefined && rtype !== type && KNOWN_TYPES.has(rtype)) {
      skip(`the ${type} form of ${rtype} takes RFC 3597 \\# data; write it as ${rtype}`);
      return;
    }

    if (value === undefined)
      switch (type) {
        case "A":
          need(1, "an IPv4 address");
          if (!isIPv4(rdata[0]!.text)) err(line, "an IPv4 address for A", rdata[0]!.text);
          value = rdata[0]!.text.split(".").map(Number).join(".");
          break;
        case "AAAA":
          need(1, "an IPv6 address");
          if (!isIPv6(rdata[0]!.text)) err(line, "an IPv6 address for AAAA", rdata[0]!.text);
          value = canonicalIPv6(rdata[0]!.text);
          break;
        case "CNAME":
        case "NS":
        case "PTR":
        case "DNAME":
          need(1, "one domain name");
          value = content(resolveName(rdata[0], `a domain name for ${type}`));
          break;
        case "MX":
          need(2, "a preference and a mail server name");
          value = `${uint(rdata[0], 65535, "an MX preference (0-65535)", line)} ${content(resolveName(rdata[1], "a mail server name for MX"))}`;
          break;
        case "SRV":
          need(4, "priority, weight, port and target");
          value = [
            uint(rdata[0], 65535, "an SRV priority (0-65535)", line),
            uint(rdata[1], 65535, "an SRV weight (0-65535)", line),
            uint(rdata[2], 65535, "an SRV port (0-65535)", line),
            content(resolveName(rdata[3], "an SRV target name")),
          ].join(" ");
          break;
        case "SOA": {
          need(7, "primary server, contact, serial, refresh, retry, expire and minimum");
          const mname = content(resolveName(rdata[0], "the primary server name for SOA"));
          const rname = content(resolveName(rdata[1], "the contact mailbox name for SOA"));
          const serial = uint(rdata[2], 0xffffffff, "an SOA serial number", line);
          const timers = rdata.slice(3).map((t) => timer(t, "an SOA timer (seconds or units like 1h)", line));
          // BIND: an SOA with no TTL known yet takes its minimum, which then serves as $TTL would.
          if (ttl === undefined && defaultTtl === undefined && lastTtl === undefined) defaultTtl = Math.min(timers[3]!, MAX_TTL);
          soaOwner ??= owner;
          value = [mname, rname, serial, ...timers].join(" ");
          break;
        }
        case "TXT":
        case "SPF": {
          if (rdata.length === 0) err(line, `${type} data: at least one string`, "nothing");
          const strings = rdata.map((t) => unescapeText(t.text, byteMode));
          const long = strings.findIndex((s) => s.length > 255);
          if (long >= 0)
            err(
              rdata[long]!.line,
              "strings of at most 255 bytes: split the text into several quoted strings",
              `${rdata[long]!.text.slice(0, 40)}...`,
            );
          value = txtContent(strings);
          break;
        }
        case "CAA": {
          need(3, "flags, tag and value");
          const flags = uint(rdata[0], 255, "CAA flags (0-255)", line);
          if (rdata[1]!.quoted || !/^[a-z0-9]+$/i.test(rdata[1]!.text)) err(line, "a CAA tag (issue, issuewild, iodef)", rdata[1]!.text);
          value = `${flags} ${rdata[1]!.text.toLowerCase()} ${txtContent([unescapeText(rdata[2]!.text, byteMode)])}`;
          break;
        }
        case "SSHFP":
        case "TLSA":
        case "SMIMEA":
        case "DS":
        case "CDS": {
          const nums = type === "SSHFP" ? 2 : 3;
          if (rdata.length < nums + 1)
            err(line, `${type} data: ${nums} numbers and a hex digest`, rdata.map((t) => t.text).join(" ") || "nothing");
          const head = rdata.slice(0, nums).map((t) => uint(t, 65535, `a number in ${type} data`, line));
          const hex = rdata
            .slice(nums)
            .map((t) => t.text)
            .join("");
          if (!/^[0-9a-f]+$/i.test(hex)) err(line, `a hex digest in ${type} data`, hex);
          value = [...head, hex.toLowerCase()].join(" ");
          break;
        }
        case "LOC":
          try {
            value = normalizeLoc(rdata.map((t) => t.text));
          } catch (e) {
            err(line, `LOC data: ${(e as Error).message}`, rdata.map((t) => t.text).join(" "));
          }
          break;
        case "SVCB":
        case "HTTPS": {
          // A quoted value written against its key (alpn="h3,h2") is one parameter.
          const params: string[] = [];
          for (const t of rdata.slice(2)) {
            const text = t.quoted ? `"${t.text}"` : t.text;
            if (t.joined && params.length > 0 && params.at(-1)!.endsWith("=")) params[params.length - 1] += text;
            else params.push(text);
          }
          if (rdata.length < 2) err(line, `${type} data: a priority and a target name`, rdata.map((t) => t.text).join(" ") || "nothing");
          const priority = uint(rdata[0], 65535, `a ${type} priority (0-65535)`, line);
          const target = content(resolveName(rdata[1], `a ${type} target name`));
          let normalized = "";
          try {
            normalized = normalizeSvcParams(params);
          } catch (e) {
            err(line, `${type} parameters as RFC 9460 writes them (${(e as Error).message})`, params.join(" "));
          }
          value = [priority, target, normalized].filter((x) => x !== "").join(" ");
          break;
        }
        default: {
          if (rdata.length === 0) err(line, `${type} data`, "nothing");
          const names = PASS_THROUGH_NAMES[type] ?? [];
          if (names.some((f) => f >= rdata.length))
            err(line, `${type} data with a domain name as field ${Math.max(...names) + 1}`, rdata.map((t) => t.text).join(" "));
          const strings = PASS_THROUGH_STRINGS[type] ?? [];
          const base64 = BASE64_AFTER[type];
          if (base64 !== undefined && rdata.length > base64 + 1 && rdata.slice(base64).every((t) => !t.quoted)) {
            rdata.splice(base64, rdata.length - base64, {
              ...rdata[base64]!,
              text: rdata
                .slice(base64)
                .map((t) => t.text)
                .join(""),
            });
          }
          value = rdata
            .map((t, i) => {
              if (names.includes(i)) return content(resolveName(t, `a domain name in ${type} data`));
              if (strings.includes(i)) return txtContent([unescapeText(t.text, byteMode)]);
              return t.quoted ? `"${t.text}"` : t.text;
            })
            .join(" ");
        }
      }

    const effective = ttl ?? defaultTtl ?? lastTtl;
    if (effective === undefined) err(entry.line, "a TTL on the record or a $TTL line before it");
    records.push({ name: canonicalName(owner), type: rtype, content: value!, ttl: effective!, line: entry.line });
  };

  for (const entry of tokenize(text, file)) {
    const first = entry.tokens[0]!;
    if (!entry.blankOwner && !first.quoted && first.text.startsWith("$")) directive(entry);
    else record(entry);
  }

  // As BIND loads a zone: records outside it are ignored, a record given twice is one record.
  const zone = soaOwner ?? firstOrigin ?? origin;
  const apex = zone === undefined ? "" : canonicalName(zone);
  const seen = new Map<string, number>();
  const kept: ZoneRecord[] = [];
  for (const { line, ...r } of records) {
    if (apex !== "" && !inZone(r.name, apex)) {
      issues.push({
        line,
        kind: "out-of-zone",
        name: r.name,
        type: r.type,
        message: `${r.name} ${r.type}: not imported: it is outside the zone ${apex}; import it into the zone it belongs to`,
      });
      continue;
    }
    const key = recordKey(r);
    const before = seen.get(key);
    if (before !== undefined) {
      issues.push({
        line,
        kind: "duplicate",
        name: r.name,
        type: r.type,
        message: `${r.name} ${r.type} ${r.content}: the same record as on line ${before}; imported once`,
      });
      continue;
    }
    seen.set(key, line);
    kept.push(r);
  }
  // RFC 2181 section 5.2: one rrset, one TTL. Resolvers and BIND settle on one; say which records disagree.
  for (const [key, set] of groupRrsets(kept)) {
    const ttls = [...new Set(set.map((r) => r.ttl))];
    if (ttls.length > 1) {
      const line = seen.get(recordKey(set[0]!))!;
      issues.push({
        line,
        kind: "ttl-mismatch",
        name: set[0]!.name,
        type: set[0]!.type,
        message: `${key.replace("\t", " ")}: its records have different TTLs (${ttls.join(", ")}); servers give one TTL per record set: give them the same TTL`,
      });
    }
  }
  issues.sort((a, b) => a.line - b.line);
  return { origin: apex, records: kept, issues };
}

/** Types whose content holds domain names, and which fields they are (for printing relative names). */
const NAME_FIELDS: Record<string, number[]> = {
  CNAME: [0],
  NS: [0],
  PTR: [0],
  DNAME: [0],
  MX: [1],
  SRV: [3],
  SOA: [0, 1],
  SVCB: [1],
  HTTPS: [1],
  ...PASS_THROUGH_NAMES,
};

export interface PrintOptions {
  /** Write names relative to the origin, `@` for the apex, blank owners for repeats. */
  relative?: boolean;
  /** A $TTL line; records with this TTL omit it. */
  defaultTtl?: number;
}

/** Print normalized records as a zone file that parseZoneFile reads back to the same records. */
export function printZoneFile(origin: string, records: readonly ZoneRecord[], options: PrintOptions = {}): string {
  const o = canonicalName(origin);
  const name = (n: string): string => {
    if (n === ".") return ".";
    if (options.relative && o !== "") {
      if (n === o) return "@";
      if (n.endsWith(`.${o}`)) return n.slice(0, -(o.length + 1));
    }
    return `${n}.`;
  };
  const lines: string[] = [`$ORIGIN ${o === "" ? "." : `${o}.`}`];
  if (options.defaultTtl !== undefined) lines.push(`$TTL ${options.defaultTtl}`);
  let prev: string | undefined;
  for (const r of records) {
    const owner = options.relative && prev === r.name ? "" : name(r.name);
    const ttl = options.defaultTtl === r.ttl ? "" : ` ${r.ttl}`;
    const fields = NAME_FIELDS[r.type];
    let rdata = r.content;
    if (fields) {
      // Fields split at blanks outside quoted strings (NAPTR's regexp may hold blanks).
      const parts = r.content.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
      for (const f of fields) if (parts[f] !== undefined) parts[f] = name(parts[f]!);
      rdata = parts.join(" ");
    }
    lines.push(`${owner}${ttl} IN ${r.type} ${rdata}`);
    prev = r.name;
  }
  return `${lines.join("\n")}\n`;
}
