// The openspf RFC 7208 test suite (release 2014.04), as Debian's python3-spf ships it: its scenarios, and its zone
// data served as an SpfLookup the way the suite's own driver (pyspf's testspf.py) serves it.
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { loadAll } from "js-yaml";
import { canonicalIPv6, canonicalName, txtContent, type ZoneRecord } from "../../../dns/records";
import { SpfTempError, type SpfLookup } from "../../../dns/spfEval";

/** Where scripts/dnsrefs.sh (run by scripts/setup.sh) leaves the suite; MAILSHIFT_RFC7208_SUITE overrides. */
export const SUITE_PATHS = ["/usr/share/doc/python3-spf/rfc7208-tests.yml.gz", "/usr/share/doc/python3-spf/rfc7208-tests.yml"];

export interface SuiteCase {
  /** `section/name`, as the suite names it. */
  id: string;
  spec: string;
  helo: string;
  host: string;
  mailfrom: string;
  /** Any of these is right. */
  results: string[];
  lookup: SpfLookup;
}

/** The suite's file: from MAILSHIFT_RFC7208_SUITE, else the first of SUITE_PATHS that exists; throws saying how to get it. */
export function suitePath(): string {
  const env = process.env.MAILSHIFT_RFC7208_SUITE;
  if (env) {
    if (!existsSync(env)) throw new Error(`MAILSHIFT_RFC7208_SUITE=${env}: no such file`);
    return env;
  }
  const found = SUITE_PATHS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `the RFC 7208 test suite is not on this machine (looked in ${SUITE_PATHS.join(", ")}): run scripts/setup.sh, ` +
        "which installs Debian's python3-spf (scripts/dnsrefs.sh), or set MAILSHIFT_RFC7208_SUITE to rfc7208-tests.yml",
    );
  }
  return found;
}

type ZoneEntry = "TIMEOUT" | { type: string; value: unknown };

/** Every scenario of the suite, each with a lookup over its own section's zone data. */
export function loadSuite(path = suitePath()): SuiteCase[] {
  const raw = readFileSync(path);
  const text = (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const cases: SuiteCase[] = [];
  for (const doc of loadAll(text) as Array<{
    description: string;
    tests: Record<string, Record<string, unknown>>;
    zonedata: Record<string, unknown[]>;
  }>) {
    const lookup = suiteLookup(doc.zonedata ?? {});
    for (const [name, t] of Object.entries(doc.tests)) {
      const result = t.result;
      cases.push({
        id: `${doc.description}/${name}`,
        spec: String(t.spec),
        helo: String(t.helo),
        host: String(t.host),
        mailfrom: String(t.mailfrom ?? ""),
        results: (Array.isArray(result) ? result : [result]).map(String),
        lookup,
      });
    }
  }
  return cases;
}

/** A TXT or SPF value of the suite: one string, a list of strings (one record of several strings), or none. */
function txtStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * The zone data as DNS, as testspf.py serves it: SPF entries are also served as TXT unless the name lists TXT
 * itself (`TXT: NONE` means no TXT at all); a TIMEOUT entry times out every query that found no record of its
 * type before it; a CNAME is followed and a CNAME loop is a DNS error; a name not listed is NXDOMAIN; a label over
 * 63 bytes is a DNS error.
 */
export function suiteLookup(zonedata: Record<string, unknown[]>): SpfLookup {
  const zone = new Map<string, ZoneEntry[]>();
  for (const [name, list] of Object.entries(zonedata)) {
    const entries: ZoneEntry[] = [];
    const generated: ZoneEntry[] = [];
    let hasTxt = false;
    for (const item of list) {
      if (item === "TIMEOUT") {
        entries.push("TIMEOUT");
        continue;
      }
      for (const [type, value] of Object.entries(item as Record<string, unknown>)) {
        if (type === "TXT") hasTxt = true;
        if (value === "NONE") continue;
        entries.push({ type, value });
        if (type === "SPF") generated.push({ type: "TXT", value });
      }
    }
    zone.set(canonicalName(name), hasTxt ? entries : [...entries, ...generated]);
  }
  const content = (type: string, v: unknown): string => {
    switch (type) {
      case "TXT":
      case "SPF":
        return txtContent(txtStrings(v));
      case "MX": {
        const [pref, host] = v as [number, string];
        return `${pref} ${canonicalName(host)}`;
      }
      case "AAAA":
        return canonicalIPv6(String(v));
      case "PTR":
      case "CNAME":
        return canonicalName(String(v));
      default:
        return String(v);
    }
  };
  const lookup = async (name: string, type: string, seen: string[] = []): Promise<{ nxdomain: boolean; records: ZoneRecord[] }> => {
    const labels = name.split(".").filter((l) => l.length > 0);
    if (labels.some((l) => l.length > 63)) throw new SpfTempError(`${name}: a DNS label is longer than 63 bytes`);
    const n = canonicalName(labels.join("."));
    if (seen.includes(n)) throw new SpfTempError(`CNAME loop: ${[...seen, n].join(" -> ")}`);
    const entries = zone.get(n);
    if (!entries) return { nxdomain: true, records: [] };
    const records: ZoneRecord[] = [];
    for (const e of entries) {
      if (e === "TIMEOUT") {
        if (records.length === 0) throw new SpfTempError(`${n} ${type}: DNS timeout (suite data)`);
        break;
      }
      if (e.type === type) records.push({ name: n, type, content: content(type, e.value), ttl: 300 });
      else if (e.type === "CNAME" && type !== "CNAME") return lookup(content("CNAME", e.value), type, [...seen, n]);
    }
    return { nxdomain: false, records };
  };
  return (name, type) => lookup(name, type);
}
