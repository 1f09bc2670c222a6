// BIND zone files (RFC 1035 section 5, with BIND's $TTL and TTL units): the export every DNS host offers.
// Parsing is all or nothing: the first bad line throws ZoneFileError and no record is returned.
import { isIPv4, isIPv6 } from "node:net";
import { canonicalIPv6, canonicalName, txtContent, type ZoneRecord } from "./records";

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

export interface ParsedZone {
  /** The zone's name: the SOA owner, else the first $ORIGIN, else the origin passed in. */
  origin: string;
  records: ZoneRecord[];
}

export interface ParseOptions {
  /** Named in errors. */
  file?: string;
  /** The origin before any $ORIGIN (usually the zone's name). */
  origin?: string;
}

interface Token {
  text: string;
  quoted: boolean;
  line: number;
}
interface Entry {
  line: number;
  blankOwner: boolean;
  tokens: Token[];
}

/** Record types the parser knows by name; others must be written TYPEnnn. */
export const KNOWN_TYPES = new Set([
  "A", "AAAA", "AFSDB", "ALIAS", "ANAME", "APL", "CAA", "CDNSKEY", "CDS", "CERT", "CNAME", "CSYNC", "DHCID", "DLV",
  "DNAME", "DNSKEY", "DS", "EUI48", "EUI64", "HINFO", "HIP", "HTTPS", "IPSECKEY", "KEY", "KX", "LOC", "MX", "NAPTR",
  "NS", "NSEC", "NSEC3", "NSEC3PARAM", "OPENPGPKEY", "PTR", "RP", "RRSIG", "SMIMEA", "SOA", "SPF", "SRV", "SSHFP",
  "SVCB", "TLSA", "TXT", "URI", "ZONEMD",
]);

const CLASSES = new Set(["IN", "CH", "HS", "CS"]);
const TTL_RE = /^(\d+|(\d+[smhdw])+)$/i;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds from `3600`, `1h`, `1h30m`, `2W`; undefined when the token is not a TTL. */
export function parseTtl(token: string): number | undefined {
  if (!TTL_RE.test(token)) return undefined;
  if (/^\d+$/.test(token)) return Number(token);
  let total = 0;
  for (const m of token.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * UNIT[m[2]!]!;
  return total;
}

/** Split the text into logical entries: comments dropped, parentheses joined, quoted strings kept whole. */
function tokenize(text: string, file: string): Entry[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let depth = 0;
  let openedOn = 0;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    const lineNo = li + 1;
    if (depth === 0) {
      if (current && current.tokens.length > 0) entries.push(current);
      current = { line: lineNo, blankOwner: /^[ \t]/.test(line), tokens: [] };
    }
    const entry = current!;
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (c === " " || c === "\t") {
        i++;
      } else if (c === ";") {
        break;
      } else if (c === "(") {
        if (depth === 0) openedOn = lineNo;
        depth++;
        i++;
      } else if (c === ")") {
        if (depth === 0) throw new ZoneFileError(file, lineNo, "no ')' without an opening '('", ")");
        depth--;
        i++;
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
        entry.tokens.push({ text: raw, quoted: true, line: lineNo });
        i = j + 1;
      } else {
        let j = i;
        let raw = "";
        while (j < line.length && !" \t;()\"".includes(line[j]!)) {
          if (line[j] === "\\" && j + 1 < line.length) {
            raw += line.slice(j, j + 2);
            j += 2;
          } else raw += line[j++];
        }
        entry.tokens.push({ text: raw, quoted: false, line: lineNo });
        i = j;
      }
    }
  }
  if (depth > 0) throw new ZoneFileError(file, openedOn, `a ')' to close the '(' opened on line ${openedOn}`, "end of file");
  if (current && current.tokens.length > 0) entries.push(current);
  return entries;
}

/** A character-string's bytes (as a latin1 JS string) from its zone-file text: `\"`, `\\`, `\DDD` decoded. */
export function unescapeText(raw: string): string {
  // Zone files are UTF-8; \DDD is one byte. Collect bytes, return them as a latin1 string.
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === "\\" && i + 1 < raw.length) {
      const d = raw.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(d)) {
        bytes.push(Number(d) & 0xff);
        i += 4;
        continue;
      }
      i += 1; // an escaped character stands for itself
    }
    const cp = raw.codePointAt(i)!;
    bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    i += cp > 0xffff ? 2 : 1;
  }
  return Buffer.from(bytes).toString("latin1");
}

/** Parse a zone file into normalized records. Throws ZoneFileError (file, line, what was expected). */
export function parseZoneFile(text: string, options: ParseOptions = {}): ParsedZone {
  const file = options.file ?? "zone file";
  let origin = options.origin === undefined ? undefined : absolute(options.origin);
  let zoneName: string | undefined;
  let defaultTtl: number | undefined;
  let lastTtl: number | undefined;
  let soaMinimum: number | undefined;
  let previousOwner: string | undefined;
  const records: ZoneRecord[] = [];

  const err = (line: number, expected: string, got?: string): never => {
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
    if (t.endsWith(".") && !t.endsWith("\\.")) return t;
    if (origin === undefined) return err(tok.line, `a $ORIGIN before the relative name (or write it with a final dot)`, t);
    return origin === "." ? `${t}.` : `${t}.${origin}`;
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

  for (const entry of tokenize(text, file)) {
    const toks = entry.tokens;
    const first = toks[0]!;
    if (!entry.blankOwner && !first.quoted && first.text.startsWith("$")) {
      const directive = first.text.toUpperCase();
      if (directive === "$ORIGIN") {
        const o = resolveName(toks[1], "a domain name after $ORIGIN");
        origin = absolute(o);
        zoneName ??= origin;
      } else if (directive === "$TTL") {
        defaultTtl = timer(toks[1], "a TTL after $TTL (seconds, or units like 1h, 1d)", entry.line);
      } else if (directive === "$INCLUDE" || directive === "$GENERATE") {
        err(entry.line, `records written out: ${directive} is not supported, put the records it stands for in its place`, first.text);
      } else {
        err(entry.line, "a directive $ORIGIN or $TTL", first.text);
      }
      if (toks.length > 2) err(toks[2]!.line, `nothing more after ${directive} and its value`, toks[2]!.text);
      continue;
    }

    let idx = 0;
    let owner: string;
    if (entry.blankOwner) {
      if (previousOwner === undefined) return err(entry.line, "an owner name at the start of the first record (it begins with a blank)");
      owner = previousOwner;
    } else {
      owner = resolveName(first, "an owner name");
      idx = 1;
    }
    let ttl: number | undefined;
    let klass: string | undefined;
    for (let k = 0; k < 2 && idx < toks.length; k++) {
      const t = toks[idx]!;
      if (t.quoted) break;
      if (ttl === undefined && TTL_RE.test(t.text)) {
        ttl = timer(t, "a TTL", entry.line);
        idx++;
      } else if (klass === undefined && CLASSES.has(t.text.toUpperCase())) {
        klass = t.text.toUpperCase();
        idx++;
      } else break;
    }
    if (klass !== undefined && klass !== "IN") err(entry.line, "class IN (the only class mailshift imports)", klass);
    const typeTok = toks[idx];
    const type = typeTok && !typeTok.quoted ? typeTok.text.toUpperCase() : "";
    if (!KNOWN_TYPES.has(type) && !/^TYPE\d+$/.test(type)) {
      err(typeTok?.line ?? entry.line, "a record type (A, AAAA, CNAME, MX, TXT, ...) after the owner, TTL and class", typeTok?.text ?? "end of line");
    }
    const rdata = toks.slice(idx + 1);
    const line = typeTok!.line;
    const need = (n: number, what: string) => {
      if (rdata.length !== n) err(rdata[n]?.line ?? line, `${type} data: ${what}`, rdata.map((t) => t.text).join(" ") || "nothing");
    };

    let value: string;
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
        soaMinimum = timers[3];
        zoneName ??= owner;
        value = [mname, rname, serial, ...timers].join(" ");
        break;
      }
      case "TXT":
      case "SPF": {
        if (rdata.length === 0) err(line, `${type} data: at least one string`, "nothing");
        const strings = rdata.map((t) => unescapeText(t.text));
        const long = strings.findIndex((s) => s.length > 255);
        if (long >= 0) err(rdata[long]!.line, "strings of at most 255 bytes: split the text into several quoted strings", rdata[long]!.text.slice(0, 40) + "...");
        value = txtContent(strings);
        break;
      }
      case "CAA": {
        need(3, "flags, tag and value");
        const flags = uint(rdata[0], 255, "CAA flags (0-255)", line);
        if (rdata[1]!.quoted || !/^[a-z0-9]+$/i.test(rdata[1]!.text)) err(line, "a CAA tag (issue, issuewild, iodef)", rdata[1]!.text);
        value = `${flags} ${rdata[1]!.text.toLowerCase()} ${txtContent([unescapeText(rdata[2]!.text)])}`;
        break;
      }
      case "SSHFP":
      case "TLSA":
      case "SMIMEA":
      case "DS":
      case "CDS": {
        const nums = type === "SSHFP" ? 2 : 3;
        if (rdata.length < nums + 1) err(line, `${type} data: ${nums} numbers and a hex digest`, rdata.map((t) => t.text).join(" ") || "nothing");
        const head = rdata.slice(0, nums).map((t) => uint(t, 65535, `a number in ${type} data`, line));
        const hex = rdata.slice(nums).map((t) => t.text).join("");
        if (!/^[0-9a-f]+$/i.test(hex)) err(line, `a hex digest in ${type} data`, hex);
        value = [...head, hex.toLowerCase()].join(" ");
        break;
      }
      default:
        if (rdata.length === 0) err(line, `${type} data`, "nothing");
        value = rdata.map((t) => (t.quoted ? `"${t.text}"` : t.text)).join(" ");
    }

    if (ttl !== undefined) lastTtl = ttl;
    const effective = ttl ?? defaultTtl ?? lastTtl ?? soaMinimum;
    if (effective === undefined) err(entry.line, "a TTL on the record or a $TTL line before it");
    records.push({ name: canonicalName(owner), type, content: value, ttl: effective! });
    previousOwner = owner;
  }
  const zone = zoneName ?? origin;
  return { origin: zone === undefined ? "" : canonicalName(zone), records };
}

/** Types whose content holds domain names, and which fields they are (for printing relative names). */
const NAME_FIELDS: Record<string, number[]> = { CNAME: [0], NS: [0], PTR: [0], DNAME: [0], MX: [1], SRV: [3], SOA: [0, 1] };

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
      if (n.endsWith("." + o)) return n.slice(0, -(o.length + 1));
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
      const parts = r.content.split(" ");
      for (const f of fields) parts[f] = name(parts[f]!);
      rdata = parts.join(" ");
    }
    lines.push(`${owner}${ttl} IN ${r.type} ${rdata}`);
    prev = r.name;
  }
  return lines.join("\n") + "\n";
}
