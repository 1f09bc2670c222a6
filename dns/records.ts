// The one normalized form every record is compared in: full lower-case names without the trailing dot, and
// per-type content in presentation form (what Cloudflare's API takes). The zone-file parser and the DNS wire
// decoder both produce it, so a record read from a file and the same record answered by a server compare equal.
import type { DnsRecordLike } from "./spf";

export interface ZoneRecord extends DnsRecordLike {
  name: string;
  type: string;
  content: string;
  ttl: number;
}

/** Lower-case, no trailing dot. */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

/** One TXT character-string in zone-file form: quoted, with `"` and `\` escaped and non-printables as \DDD. */
export function quoteTxtString(s: string): string {
  let out = '"';
  for (const ch of Buffer.from(s, "latin1")) {
    if (ch === 0x22 || ch === 0x5c) out += `\\${String.fromCharCode(ch)}`;
    else if (ch < 0x20 || ch > 0x7e) out += `\\${String(ch).padStart(3, "0")}`;
    else out += String.fromCharCode(ch);
  }
  return `${out}"`;
}

/** TXT content from its character-strings: `"a" "b"`. Strings are byte strings (latin1 in JS). */
export function txtContent(strings: readonly string[]): string {
  return strings.map(quoteTxtString).join(" ");
}

/** IPv6 in its canonical compressed lower-case form (RFC 5952). */
export function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** A record's identity for set comparisons: name, type and content (TTL apart). */
export function recordKey(r: DnsRecordLike): string {
  return `${canonicalName(r.name)}\t${r.type.toUpperCase()}\t${r.content}`;
}

/** The rrset key: name and type. */
export function rrsetKey(name: string, type: string): string {
  return `${canonicalName(name)}\t${type.toUpperCase()}`;
}

/** Records grouped by name and type, in first-seen order. */
export function groupRrsets<T extends DnsRecordLike>(records: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of records) {
    const k = rrsetKey(r.name, r.type);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** Whether `name` is `zone` or below it. */
export function inZone(name: string, zone: string): boolean {
  const n = canonicalName(name);
  const z = canonicalName(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** A record in the shape a cloudflare.DnsRecord takes: MX and SRV priority apart from the content. */
export interface CloudflareShape {
  name: string;
  type: string;
  content: string;
  ttl: number;
  priority?: number;
}

/** MX `10 mx.example.com` -> priority 10, content `mx.example.com`; SRV keeps `weight port target`. */
export function toCloudflareShape(r: ZoneRecord): CloudflareShape {
  if (r.type === "MX" || r.type === "SRV") {
    const [priority, ...rest] = r.content.split(" ");
    return { name: r.name, type: r.type, content: rest.join(" "), ttl: r.ttl, priority: Number(priority) };
  }
  return { name: r.name, type: r.type, content: r.content, ttl: r.ttl };
}

/** The inverse of toCloudflareShape: a record planned in Cloudflare's shape, in the normalized form. */
export function fromCloudflareShape(r: CloudflareShape): ZoneRecord {
  const name = canonicalName(r.name);
  if ((r.type === "MX" || r.type === "SRV") && r.priority !== undefined) {
    const content = r.content
      .split(" ")
      .map((p, i, all) => (i === all.length - 1 ? canonicalName(p) || "." : p))
      .join(" ");
    return { name, type: r.type, content: `${r.priority} ${content}`, ttl: r.ttl };
  }
  const content = ["CNAME", "NS", "PTR", "DNAME"].includes(r.type) ? canonicalName(r.content) : r.content;
  return { name, type: r.type, content, ttl: r.ttl };
}
