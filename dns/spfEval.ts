// SPF evaluated as a receiver does (RFC 7208 check_host): the record is fetched from DNS, mechanisms are tried in
// order, and DNS-querying terms are counted across includes and redirects; past 10 the result is permerror.
import { isIPv4, isIPv6 } from "node:net";
import { queryDns, type NameServer, type QueryOptions } from "./query";
import { canonicalName, groupRrsets, type ZoneRecord } from "./records";
import { hasMacro, isSpfTxt, parseSpf, SPF_LOOKUP_LIMIT, SpfSyntaxError, txtToString, type SpfMechanism, type SpfTerm } from "./spf";

export type SpfResult = "pass" | "fail" | "softfail" | "neutral" | "none" | "permerror" | "temperror";

/** Receivers stop after two lookups that return nothing (RFC 7208 section 4.6.4). */
export const SPF_VOID_LOOKUP_LIMIT = 2;

export interface DnsAnswer {
  nxdomain: boolean;
  records: ZoneRecord[];
}
/** Where SPF evaluation reads DNS: a real server, or the planned records before the zone exists. */
export type SpfLookup = (name: string, type: string) => Promise<DnsAnswer>;

export class SpfTempError extends Error {
  override name = "SpfTempError";
}

/** Ask a nameserver (authoritative for every zone the record touches); CNAMEs are followed. */
export function serverLookup(server: NameServer, options?: QueryOptions): SpfLookup {
  return async (name, type) => {
    let current = canonicalName(name);
    for (let hop = 0; hop < 8; hop++) {
      let res: Awaited<ReturnType<typeof queryDns>>;
      try {
        res = await queryDns(server, current, type, options);
      } catch (e) {
        throw new SpfTempError((e as Error).message);
      }
      if (res.rcode === 3) return { nxdomain: true, records: [] };
      if (res.rcode !== 0) throw new SpfTempError(`${server.host}:${server.port} answered rcode ${res.rcode} for ${current} ${type}`);
      const direct = res.answers.filter((r) => r.name === current && r.type === type);
      if (direct.length > 0 || type === "CNAME") return { nxdomain: false, records: direct };
      const cname = res.answers.find((r) => r.name === current && r.type === "CNAME");
      if (!cname) return { nxdomain: false, records: [] };
      const chained = res.answers.filter((r) => r.name === cname.content && r.type === type);
      if (chained.length > 0) return { nxdomain: false, records: chained.map((r) => ({ ...r, name: current })) };
      current = cname.content;
    }
    throw new SpfTempError(`CNAME chain from ${name} is longer than 8`);
  };
}

/** Read the planned records as if they were DNS; names with no record of any type are NXDOMAIN. */
export function recordsLookup(records: readonly ZoneRecord[]): SpfLookup {
  const sets = groupRrsets(records.map((r) => ({ ...r, name: canonicalName(r.name) })));
  const names = new Set(records.map((r) => canonicalName(r.name)));
  return async (name, type) => {
    let n = canonicalName(name);
    for (let hop = 0; hop < 8; hop++) {
      const direct = sets.get(`${n}\t${type}`);
      if (direct) return { nxdomain: false, records: direct };
      const cname = sets.get(`${n}\tCNAME`);
      if (!cname || type === "CNAME") return { nxdomain: !names.has(n), records: [] };
      n = cname[0]!.content;
    }
    return { nxdomain: false, records: [] };
  };
}

export interface SpfEvaluation {
  result: SpfResult;
  /** DNS-querying terms counted, as a receiver counts them. */
  lookups: number;
  voidLookups: number;
  /** The term that decided, as `owner: term`, when one matched. */
  matched?: string;
  /** Why, for permerror and temperror. */
  reason?: string;
}

export interface SpfCheck {
  ip: string;
  domain: string;
  /** MAIL FROM; defaults to postmaster@domain. */
  sender?: string;
  helo?: string;
  lookup: SpfLookup;
}

class PermError extends Error {}

interface State {
  ip: string;
  /** The %{p} value, found once when a macro first needs it. */
  validatedName?: string;
  sender: string;
  helo: string;
  lookup: SpfLookup;
  lookups: number;
  voids: number;
  matched?: string;
}

/**
 * Whether a name can be asked of DNS: no empty label (but a final dot), labels of at most 63 bytes, at most 253
 * bytes in all (RFC 1035 section 2.3.4).
 */
export function isQueryableName(name: string): boolean {
  const n = name.replace(/\.$/, "");
  if (n.length === 0 || n.length > 253) return false;
  return n.split(".").every((l) => l.length > 0 && l.length <= 63);
}

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is its IPv4 address to SPF (RFC 7208 section 5, 5.6). */
function spfAddress(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const hex = ipv6Hex(ip);
  if (!hex.startsWith("00000000000000000000ffff")) return ip;
  const v4 = hex.slice(24);
  return [0, 2, 4, 6].map((i) => parseInt(v4.slice(i, i + 2), 16)).join(".");
}

/**
 * RFC 7208 check_host for one IP address and domain. Never throws for what DNS holds; errors are results. A domain
 * that is malformed or a single label (a HELO like `OEMCOMPUTER`, a domain literal) gives none (section 4.3).
 */
export async function evaluateSpf(check: SpfCheck): Promise<SpfEvaluation> {
  if (!isIPv4(check.ip) && !isIPv6(check.ip)) throw new Error(`evaluateSpf: ${JSON.stringify(check.ip)} is not an IP address`);
  const domain = canonicalName(check.domain);
  const state: State = {
    ip: spfAddress(check.ip),
    sender: check.sender ?? `postmaster@${domain}`,
    helo: check.helo ?? domain,
    lookup: check.lookup,
    lookups: 0,
    voids: 0,
  };
  const done = (result: SpfResult, reason?: string): SpfEvaluation => ({
    result,
    lookups: state.lookups,
    voidLookups: state.voids,
    ...(state.matched && result !== "permerror" && result !== "temperror" ? { matched: state.matched } : {}),
    ...(reason ? { reason } : {}),
  });
  if (!isQueryableName(domain) || !domain.includes(".") || domain.startsWith("[") || isIPv4(domain)) {
    return done("none", `${JSON.stringify(check.domain)} is not a domain name SPF can be checked for`);
  }
  try {
    return done(await checkHost(state, domain));
  } catch (e) {
    if (e instanceof PermError) return done("permerror", e.message);
    if (e instanceof SpfTempError) return done("temperror", e.message);
    throw e;
  }
}

async function checkHost(state: State, domain: string): Promise<SpfResult> {
  const txt = await state.lookup(domain, "TXT");
  const spf = txt.records.map((r) => txtToString(r.content)).filter((c) => isSpfTxt(c));
  if (spf.length === 0) return "none";
  if (spf.length > 1) throw new PermError(`${domain} has ${spf.length} SPF records`);
  let terms: SpfTerm[];
  try {
    terms = parseSpf(spf[0]!, domain);
  } catch (e) {
    if (e instanceof SpfSyntaxError) throw new PermError(e.message);
    throw e;
  }
  for (const t of terms) {
    if (t.kind !== "mechanism") continue;
    if (await matches(state, domain, t)) {
      state.matched ??= `${domain}: ${t.raw}`;
      return ({ "+": "pass", "-": "fail", "~": "softfail", "?": "neutral" } as const)[t.qualifier];
    }
  }
  const redirect = terms.find((t) => t.kind === "modifier" && t.name === "redirect");
  if (redirect && redirect.kind === "modifier") {
    count(state, `${domain}: ${redirect.raw}`);
    const target = await targetName(state, redirect.domain, domain);
    const r = target === undefined ? "none" : await checkHost(state, target);
    if (r === "none") throw new PermError(`${domain}: redirect to ${target}, which has no SPF record`);
    return r;
  }
  return "neutral";
}

function count(state: State, term: string): void {
  state.lookups += 1;
  if (state.lookups > SPF_LOOKUP_LIMIT) throw new PermError(`more than ${SPF_LOOKUP_LIMIT} DNS lookups (the 11th is ${term})`);
}

async function query(state: State, name: string, type: string): Promise<ZoneRecord[]> {
  const a = await state.lookup(name, type);
  if (a.records.length === 0) {
    state.voids += 1;
    if (state.voids > SPF_VOID_LOOKUP_LIMIT)
      throw new PermError(`more than ${SPF_VOID_LOOKUP_LIMIT} lookups returned nothing (the last: ${name} ${type})`);
  }
  return a.records;
}

/**
 * A term's target after macro expansion, shortened from the left to 253 bytes (RFC 7208 section 7.3); undefined
 * when it still cannot be asked of DNS (an empty or over-long label), which the callers treat as no match.
 */
async function targetName(state: State, spec: string | undefined, domain: string): Promise<string | undefined> {
  if (spec === undefined) return domain;
  if (/%\{p/i.test(spec)) state.validatedName ??= await validatedName(state, domain);
  let name = canonicalName(expand(state, spec, domain));
  while (name.length > 253 && name.includes(".")) name = name.slice(name.indexOf(".") + 1);
  return isQueryableName(name) ? name : undefined;
}

/** A lookup whose DNS error only disqualifies this name (PTR validation, RFC 7208 section 5.5). */
async function recordsOrNothing(state: State, name: string, type: string): Promise<ZoneRecord[]> {
  if (!isQueryableName(name)) return [];
  try {
    return (await state.lookup(name, type)).records;
  } catch (e) {
    if (e instanceof SpfTempError) return [];
    throw e;
  }
}

/** The client's PTR names whose A/AAAA records hold the client's address, at most 10 tried (RFC 7208 section 5.5). */
async function validatedNames(state: State): Promise<string[]> {
  const v4 = isIPv4(state.ip);
  const out: string[] = [];
  for (const p of (await recordsOrNothing(state, reverseName(state.ip), "PTR")).slice(0, 10)) {
    const addrs = await recordsOrNothing(state, p.content, v4 ? "A" : "AAAA");
    if (addrs.some((r) => inCidr(state.ip, r.content, v4 ? 32 : 128))) out.push(canonicalName(p.content));
  }
  return out;
}

/** The %{p} macro: a validated name, the domain itself or one below it preferred, else "unknown" (section 7.3). */
async function validatedName(state: State, domain: string): Promise<string> {
  const names = await validatedNames(state);
  return names.find((n) => n === domain) ?? names.find((n) => n.endsWith(`.${domain}`)) ?? names[0] ?? "unknown";
}

async function matches(state: State, domain: string, t: SpfMechanism): Promise<boolean> {
  const v4 = isIPv4(state.ip);
  const target = (d: string | undefined) => targetName(state, d, domain);
  switch (t.mechanism) {
    case "all":
      return true;
    case "ip4":
      return v4 && inCidr(state.ip, t.address, t.prefix);
    case "ip6":
      return !v4 && inCidr(state.ip, t.address, t.prefix);
    case "a": {
      count(state, `${domain}: ${t.raw}`);
      const name = await target(t.domain);
      if (name === undefined) return false;
      const addrs = await query(state, name, v4 ? "A" : "AAAA");
      return addrs.some((r) => inCidr(state.ip, r.content, v4 ? t.prefix4 : t.prefix6));
    }
    case "mx": {
      count(state, `${domain}: ${t.raw}`);
      const name = await target(t.domain);
      if (name === undefined) return false;
      const mxs = await query(state, name, "MX");
      if (mxs.length > 10) throw new PermError(`${name} has ${mxs.length} MX records; a receiver looks at no more than 10`);
      for (const mx of mxs) {
        const host = mx.content.split(" ")[1]!;
        if (host === "." || !isQueryableName(host)) continue;
        const addrs = (await state.lookup(host, v4 ? "A" : "AAAA")).records;
        if (addrs.some((r) => inCidr(state.ip, r.content, v4 ? t.prefix4 : t.prefix6))) return true;
      }
      return false;
    }
    case "ptr": {
      count(state, `${domain}: ${t.raw}`);
      const want = await target(t.domain);
      if (want === undefined) return false;
      // A DNS error on the PTR query is no match; on one name's A/AAAA query, that name is skipped (section 5.5).
      return (await validatedNames(state)).some((n) => n === want || n.endsWith(`.${want}`));
    }
    case "exists": {
      count(state, `${domain}: ${t.raw}`);
      const name = await target(t.domain);
      return name !== undefined && (await query(state, name, "A")).length > 0;
    }
    case "include": {
      count(state, `${domain}: ${t.raw}`);
      const inner = await target(t.domain);
      const before = state.matched;
      const r = inner === undefined ? "none" : await checkHost(state, inner);
      if (r === "pass") return true;
      state.matched = before; // the inner record's decision did not decide here
      if (r === "none") throw new PermError(`${domain}: include:${inner} has no SPF record`);
      return false; // fail, softfail and neutral do not match; errors have thrown
    }
  }
}

/** The PTR name of an address: 4.3.2.1.in-addr.arpa or the ip6.arpa nibbles. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  return `${[...ipv6Hex(ip)].reverse().join(".")}.ip6.arpa`;
}

/** The 32 hex digits of an IPv6 address, a dotted IPv4 tail (::ffff:192.0.2.1, ::1.1.1.1) included. */
function ipv6Hex(ip: string): string {
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    ip = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups
    .map((g) => g.padStart(4, "0"))
    .join("")
    .toLowerCase();
}

/** Whether `ip` is inside `network/prefix` (same family only). */
export function inCidr(ip: string, network: string, prefix: number): boolean {
  if (isIPv4(ip) && isIPv4(network)) {
    const n = (s: string) => s.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - prefix);
    return Math.floor(n(ip) / size) === Math.floor(n(network) / size);
  }
  if (isIPv6(ip) && isIPv6(network)) {
    const shift = BigInt(128 - prefix);
    return BigInt(`0x${ipv6Hex(ip)}`) >> shift === BigInt(`0x${ipv6Hex(network)}`) >> shift;
  }
  return false;
}

/** Expand SPF macros (RFC 7208 section 7) in a domain-spec. */
export function expand(state: Pick<State, "ip" | "sender" | "helo" | "validatedName">, spec: string, domain: string): string {
  if (!hasMacro(spec) && !spec.includes("%")) return spec;
  const at = state.sender.lastIndexOf("@");
  const local = at > 0 ? state.sender.slice(0, at) : "postmaster";
  const senderDomain = at >= 0 ? state.sender.slice(at + 1) : state.sender;
  const values: Record<string, string> = {
    s: state.sender,
    l: local,
    o: senderDomain,
    d: domain,
    i: isIPv4(state.ip) ? state.ip : [...ipv6Hex(state.ip)].join("."),
    p: state.validatedName ?? "unknown",
    v: isIPv4(state.ip) ? "in-addr" : "ip6",
    h: state.helo,
  };
  return spec.replace(
    /%%|%_|%-|%\{([a-z])(\d*)(r?)([-.+,/_=]*)\}/gi,
    (m, letter: string | undefined, digits: string, reverse: string, delims: string) => {
      if (m === "%%") return "%";
      if (m === "%_") return " ";
      if (m === "%-") return "%20";
      const value = values[letter!.toLowerCase()] ?? "";
      const splitter = new RegExp(`[${(delims || ".").replace(/[-\\\]^]/g, "\\$&")}]`);
      let parts = value.split(splitter);
      if (reverse) parts = parts.reverse();
      if (digits) parts = parts.slice(-Number(digits));
      return parts.join(".");
    },
  );
}
