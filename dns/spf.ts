// SPF records (RFC 7208): parsing into terms and the static DNS-lookup count a receiver would make.
// Pure: no DNS here. The live evaluation (check_host against real servers) is in spfEval.ts.
import { isIPv4, isIPv6 } from "node:net";

/** A DNS record as the planner, the zone-file importer and Cloudflare all see it. Names are full names. */
export interface DnsRecordLike {
  name: string;
  type: string;
  content: string;
  ttl?: number;
}

/** `+` pass, `-` fail, `~` softfail, `?` neutral (RFC 7208 section 4.6.2). */
export type SpfQualifier = "+" | "-" | "~" | "?";

interface TermBase {
  /** The term exactly as written in the record. */
  raw: string;
}
interface MechanismBase extends TermBase {
  kind: "mechanism";
  qualifier: SpfQualifier;
}
export interface SpfAll extends MechanismBase {
  mechanism: "all";
}
export interface SpfInclude extends MechanismBase {
  mechanism: "include";
  domain: string;
}
export interface SpfExists extends MechanismBase {
  mechanism: "exists";
  domain: string;
}
export interface SpfAOrMx extends MechanismBase {
  mechanism: "a" | "mx";
  /** Absent: the domain being evaluated. */
  domain?: string;
  prefix4: number;
  prefix6: number;
}
export interface SpfPtr extends MechanismBase {
  mechanism: "ptr";
  domain?: string;
}
export interface SpfIp extends MechanismBase {
  mechanism: "ip4" | "ip6";
  address: string;
  prefix: number;
}
export interface SpfRedirect extends TermBase {
  kind: "modifier";
  name: "redirect" | "exp";
  domain: string;
}
/** Unknown modifiers are legal and ignored by receivers (RFC 7208 section 6). */
export interface SpfUnknownModifier extends TermBase {
  kind: "unknown-modifier";
  name: string;
  value: string;
}

export type SpfMechanism = SpfAll | SpfInclude | SpfExists | SpfAOrMx | SpfPtr | SpfIp;
export type SpfTerm = SpfMechanism | SpfRedirect | SpfUnknownModifier;

/** Mechanisms and modifiers that make a receiver query DNS; at most 10 per evaluation (RFC 7208 section 4.6.4). */
export const SPF_LOOKUP_LIMIT = 10;

export class SpfSyntaxError extends Error {
  constructor(
    readonly record: string,
    readonly term: string,
    readonly reason: string,
    readonly recordName?: string,
  ) {
    super(
      `SPF record ${recordName ? `at ${recordName} ` : ""}${JSON.stringify(record)}: bad term ${JSON.stringify(term)}: ${reason}; fix the TXT record`,
    );
    this.name = "SpfSyntaxError";
  }
}

export class SpfRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpfRecordError";
  }
}

/**
 * TXT content as a plain string: Cloudflare-style quoted content (`"v=spf1 " "-all"`, RFC 1035 escapes) is
 * unquoted and its strings joined without separator, as receivers join them; unquoted content is returned as is.
 */
export function txtToString(content: string): string {
  const s = content.trim();
  if (!s.startsWith('"')) return content;
  let out = "";
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (s[i] !== '"') return content; // not a clean list of quoted strings: take it literally
    i++;
    let closed = false;
    while (i < s.length) {
      const c = s[i]!;
      if (c === "\\" && i + 1 < s.length) {
        const d = s.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(d)) {
          out += String.fromCharCode(Number(d));
          i += 4;
        } else {
          out += s[i + 1];
          i += 2;
        }
        continue;
      }
      if (c === '"') {
        closed = true;
        i++;
        break;
      }
      out += c;
      i++;
    }
    if (!closed) return content;
  }
  return out;
}

/** Whether TXT content (quoted or not) is an SPF record: `v=spf1` alone or followed by a space. */
export function isSpfTxt(content: string): boolean {
  return /^v=spf1( |$)/i.test(txtToString(content));
}

/** Lower-case, no trailing dot: the form every name is compared in. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, "").toLowerCase();
}

/** Macro letters (RFC 7208 section 7.2); c, r and t only in the explanation text of exp= (section 7.3). */
const MACRO_LETTERS = "slodiphv";
const EXP_ONLY_LETTERS = "crt";

/** A CIDR length as RFC 7208 writes it: no leading zero (`/032` is an error, not 32). */
const CIDR = "(0|[1-9]\\d{0,2})";

/** Why a macro-string (RFC 7208 section 7.1) is malformed, or undefined: visible ASCII, `%` only in a macro. */
export function checkMacroString(spec: string, options: { explanation?: boolean } = {}): string | undefined {
  for (let i = 0; i < spec.length; i++) {
    const code = spec.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return `${JSON.stringify(spec)} has a character that is not visible ASCII`;
    if (spec[i] !== "%") continue;
    const next = spec[i + 1];
    if (next === "%" || next === "_" || next === "-") {
      i++;
      continue;
    }
    const m = /^%\{([a-z])(\d*)(r?)([-.+,/_=]*)\}/i.exec(spec.slice(i));
    const letter = m?.[1]?.toLowerCase();
    if (!m || !(MACRO_LETTERS.includes(letter!) || (options.explanation && EXP_ONLY_LETTERS.includes(letter!)))) {
      const hint = letter && EXP_ONLY_LETTERS.includes(letter) ? ` (%{${letter}} is allowed only in the exp= text)` : "";
      return `bad macro at ${JSON.stringify(spec.slice(i, i + 8))}${hint}`;
    }
    i += m[0].length - 1;
  }
  return undefined;
}

/**
 * Why a domain-spec is malformed, or undefined. RFC 7208: a macro-string (any visible character but a lone `%`)
 * ending in a macro or in `.toplabel` (letters, digits, hyphens; not all digits).
 */
function checkDomainSpec(spec: string): string | undefined {
  if (spec.length === 0) return "a domain is required after the colon";
  if (/\s/.test(spec)) return "a domain cannot contain spaces";
  const bad = checkMacroString(spec);
  if (bad) return bad;
  if (/(%\{[^}]*\}|%%|%_|%-)$/.test(spec)) return undefined;
  const m = /\.([^.]+)\.?$/.exec(spec);
  const top = m?.[1];
  if (!top || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i.test(top) || /^\d+$/.test(top)) return `${JSON.stringify(spec)} is not a domain name`;
  return undefined;
}

/** Whether a domain-spec contains macros, which can only be expanded at evaluation time. */
export function hasMacro(domain: string): boolean {
  return /%\{/.test(domain);
}

/**
 * Parse an SPF record (plain or Cloudflare-quoted TXT content) into its terms, without the `v=spf1` version.
 * Throws SpfSyntaxError naming the record and the bad term; `recordName` (the owner name) goes into the message.
 */
export function parseSpf(txt: string, recordName?: string): SpfTerm[] {
  const record = txtToString(txt);
  const fail = (term: string, reason: string): never => {
    throw new SpfSyntaxError(record, term, reason, recordName);
  };
  const words = record.split(" ").filter((w) => w.length > 0);
  if (words.length === 0 || words[0]!.toLowerCase() !== "v=spf1") {
    fail(words[0] ?? "", 'an SPF record starts with "v=spf1"');
  }
  const terms: SpfTerm[] = [];
  const seenModifiers = new Set<string>();
  for (const raw of words.slice(1)) {
    const mod = /^([a-z][a-z0-9._-]*)=(.*)$/i.exec(raw);
    if (mod) {
      const name = mod[1]!.toLowerCase();
      const value = mod[2]!;
      if (name === "redirect" || name === "exp") {
        if (seenModifiers.has(name)) fail(raw, `"${name}" may appear only once`);
        seenModifiers.add(name);
        // exp= names a TXT record whose text may use c, r and t; its domain-spec may not (RFC 7208 section 7.3).
        const bad = checkDomainSpec(value);
        if (bad) fail(raw, bad);
        terms.push({ kind: "modifier", name, domain: value.replace(/\.$/, ""), raw });
      } else {
        if (/\s/.test(value)) fail(raw, "a modifier value cannot contain spaces");
        // Receivers ignore unknown modifiers but still check their macro syntax (RFC 7208 section 6 and A).
        const bad = checkMacroString(value);
        if (bad) fail(raw, bad);
        terms.push({ kind: "unknown-modifier", name, value, raw });
      }
      continue;
    }
    let qualifier: SpfQualifier = "+";
    let body = raw;
    if ("+-~?".includes(raw[0]!)) {
      qualifier = raw[0] as SpfQualifier;
      body = raw.slice(1);
    }
    const m = /^([a-z0-9]+)(.*)$/i.exec(body);
    if (!m) fail(raw, "expected a mechanism (all, include, a, mx, ptr, ip4, ip6, exists) or a modifier (name=value)");
    const mech = m![1]!.toLowerCase();
    const rest = m![2]!;
    switch (mech) {
      case "all":
        if (rest !== "") fail(raw, '"all" takes no argument');
        terms.push({ kind: "mechanism", qualifier, mechanism: "all", raw });
        break;
      case "include":
      case "exists": {
        if (!rest.startsWith(":")) fail(raw, `"${mech}" needs a domain: ${mech}:example.com`);
        const domain = rest.slice(1);
        const bad = checkDomainSpec(domain);
        if (bad) fail(raw, bad);
        terms.push({ kind: "mechanism", qualifier, mechanism: mech, domain: domain.replace(/\.$/, ""), raw });
        break;
      }
      case "a":
      case "mx": {
        // The domain-spec may itself contain `:` and `/` (a:foo:bar/baz.example.com): the CIDR is only a valid suffix.
        const parts = new RegExp(`^(:.*?)?(?:/${CIDR})?(?://${CIDR})?$`).exec(rest);
        if (!parts) fail(raw, `expected ${mech}, ${mech}:domain, ${mech}/prefix or ${mech}:domain/prefix4//prefix6`);
        const [, colonDomain, p4, p6] = parts!;
        const domain = colonDomain?.slice(1);
        if (domain !== undefined) {
          const bad = checkDomainSpec(domain);
          if (bad) fail(raw, bad);
        }
        const prefix4 = p4 === undefined ? 32 : Number(p4);
        const prefix6 = p6 === undefined ? 128 : Number(p6);
        if (prefix4 > 32) fail(raw, "an IPv4 prefix is at most 32");
        if (prefix6 > 128) fail(raw, "an IPv6 prefix is at most 128");
        const term: SpfAOrMx = { kind: "mechanism", qualifier, mechanism: mech, prefix4, prefix6, raw };
        if (domain !== undefined) term.domain = domain.replace(/\.$/, "");
        terms.push(term);
        break;
      }
      case "ptr": {
        if (rest !== "" && !rest.startsWith(":")) fail(raw, "expected ptr or ptr:domain");
        const term: SpfPtr = { kind: "mechanism", qualifier, mechanism: "ptr", raw };
        if (rest !== "") {
          const bad = checkDomainSpec(rest.slice(1));
          if (bad) fail(raw, bad);
          term.domain = rest.slice(1).replace(/\.$/, "");
        }
        terms.push(term);
        break;
      }
      case "ip4":
      case "ip6": {
        const parts = new RegExp(`^:([^/]+)(?:/${CIDR})?$`).exec(rest);
        if (!parts) fail(raw, `expected ${mech}:address or ${mech}:address/prefix`);
        const address = parts![1]!;
        const v4 = mech === "ip4";
        if (v4 ? !isIPv4(address) : !isIPv6(address)) fail(raw, `${JSON.stringify(address)} is not an ${v4 ? "IPv4" : "IPv6"} address`);
        const max = v4 ? 32 : 128;
        const prefix = parts![2] === undefined ? max : Number(parts![2]);
        if (prefix > max) fail(raw, `the prefix is at most ${max}`);
        terms.push({ kind: "mechanism", qualifier, mechanism: mech, address, prefix, raw });
        break;
      }
      default:
        fail(raw, `unknown mechanism "${mech}"; expected all, include, a, mx, ptr, ip4, ip6, exists or a modifier`);
    }
  }
  return terms;
}

/** Print terms back as a record (`v=spf1 ...`); parseSpf(printSpf(t)) gives t back. */
export function printSpf(terms: readonly SpfTerm[]): string {
  return ["v=spf1", ...terms.map((t) => t.raw)].join(" ");
}

/** The SPF records (TXT starting with v=spf1) published at a name, as plain strings. */
export function spfRecordsAt(name: string, records: readonly DnsRecordLike[]): string[] {
  const n = normalizeName(name);
  return records
    .filter((r) => r.type.toUpperCase() === "TXT" && normalizeName(r.name) === n && isSpfTxt(r.content))
    .map((r) => txtToString(r.content));
}

/** Whether the term makes a receiver query DNS (RFC 7208 section 4.6.4). */
export function isLookupTerm(t: SpfTerm): boolean {
  if (t.kind === "mechanism") return ["include", "a", "mx", "ptr", "exists"].includes(t.mechanism);
  return t.kind === "modifier" && t.name === "redirect";
}

export interface SpfLookupCount {
  name: string;
  /** DNS-querying terms a receiver would count, through every include/redirect found in the records. */
  lookups: number;
  /** Included or redirected-to names with no SPF record among `records` (their own lookups are not counted). */
  unresolved: string[];
  /** Each counted term, as `owner: term`, in evaluation order. */
  terms: string[];
}

/**
 * Count the DNS lookups evaluating the SPF record at `name` costs, following includes and redirects that resolve
 * inside `records`. A name with no SPF record counts 0 and is itself listed as unresolved. Throws SpfSyntaxError
 * for a malformed record and SpfRecordError for two SPF records at one name or an include loop.
 */
export function countSpfLookups(name: string, records: readonly DnsRecordLike[]): SpfLookupCount {
  const result: SpfLookupCount = { name: normalizeName(name), lookups: 0, unresolved: [], terms: [] };
  const visit = (owner: string, chain: string[]): void => {
    const found = spfRecordsAt(owner, records);
    if (found.length === 0) {
      if (!result.unresolved.includes(owner)) result.unresolved.push(owner);
      return;
    }
    if (found.length > 1) {
      throw new SpfRecordError(
        `${owner} has ${found.length} SPF records; receivers treat that as a permanent error. Merge them into one TXT record`,
      );
    }
    const terms = parseSpf(found[0]!, owner);
    // A redirect is ignored when the record has an "all" mechanism (RFC 7208 section 6.1).
    const hasAll = terms.some((t) => t.kind === "mechanism" && t.mechanism === "all");
    for (const t of terms) {
      if (!isLookupTerm(t)) continue;
      if (t.kind === "modifier" && hasAll) continue;
      result.lookups += 1;
      result.terms.push(`${owner}: ${t.raw}`);
      const target =
        (t.kind === "mechanism" && t.mechanism === "include") || t.kind === "modifier" ? (t as SpfInclude | SpfRedirect).domain : undefined;
      if (target === undefined) continue;
      if (hasMacro(target)) {
        if (!result.unresolved.includes(target)) result.unresolved.push(target);
        continue;
      }
      const next = normalizeName(target);
      if (chain.includes(next)) {
        throw new SpfRecordError(
          `SPF loop: ${[...chain, next].join(" -> ")}; a receiver would exceed ${SPF_LOOKUP_LIMIT} lookups. Remove the include or redirect that points back`,
        );
      }
      visit(next, [...chain, next]);
    }
  };
  visit(result.name, [result.name]);
  return result;
}
