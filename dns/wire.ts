// The DNS message format (RFC 1035 section 4), just enough to ask an authoritative server one question and read
// the answer with TTLs for any record type; node:dns hides TTLs for most types and cannot ask for every type.
// Records are decoded into the same normalized content the zone-file parser produces.
import { canonicalIPv6, canonicalName, quoteTxtString, txtContent, type ZoneRecord } from "./records";

export const TYPE_CODES: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  AAAA: 28,
  LOC: 29,
  SRV: 33,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  DNAME: 39,
  OPT: 41,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  EUI48: 108,
  EUI64: 109,
  URI: 256,
  CAA: 257,
  DLV: 32769,
};
const TYPE_NAMES = new Map(Object.entries(TYPE_CODES).map(([k, v]) => [v, k]));

export function typeCode(type: string): number {
  const t = type.toUpperCase();
  const code = TYPE_CODES[t] ?? (/^TYPE(\d+)$/.exec(t) ? Number(t.slice(4)) : undefined);
  if (code === undefined) throw new Error(`unknown DNS record type ${JSON.stringify(type)}: write it as TYPEnnn`);
  return code;
}
export function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE${code}`;
}

/** Types whose wire form decodes into the parser's normalized content; others compare as `\# len hex`. */
export const DECODED_TYPES: ReadonlySet<string> = new Set([
  "A",
  "AAAA",
  "NS",
  "CNAME",
  "PTR",
  "DNAME",
  "MX",
  "SRV",
  "SOA",
  "TXT",
  "SPF",
  "CAA",
  "SSHFP",
  "TLSA",
  "SMIMEA",
  "DS",
  "CDS",
]);

export interface DnsResponse {
  id: number;
  rcode: number;
  authoritative: boolean;
  truncated: boolean;
  answers: ZoneRecord[];
  authority: ZoneRecord[];
}

export const RCODE_NAMES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of canonicalName(name)
    .split(".")
    .filter((l) => l.length > 0)) {
    const b = Buffer.from(label, "utf8");
    if (b.length > 63) throw new Error(`DNS label ${JSON.stringify(label)} in ${name} is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * A query for one name and type, EDNS0 with a 4096-byte buffer; recursion not desired (we ask authorities) unless
 * `recursion` (a resolver, which refuses a non-recursive question from a client).
 */
export function encodeQuery(id: number, name: string, type: string, recursion = false): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(recursion ? 0x0100 : 0x0000, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 10);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(typeCode(type), 0);
  question.writeUInt16BE(1, 2);
  const opt = Buffer.from([0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, encodeName(name), question, opt]);
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error("DNS message is truncated or malformed");
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let jumped = false;
    for (let hops = 0; hops < 128; hops++) {
      if (pos >= this.buf.length) throw new Error("DNS name runs past the end of the message");
      const len = this.buf[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new Error("DNS name pointer runs past the end of the message");
        if (!jumped) this.pos = pos + 2;
        jumped = true;
        pos = ((len & 0x3f) << 8) | this.buf[pos + 1]!;
        continue;
      }
      if (len === 0) {
        if (!jumped) this.pos = pos + 1;
        return labels.length === 0 ? "." : canonicalName(labels.join("."));
      }
      labels.push(this.buf.subarray(pos + 1, pos + 1 + len).toString("utf8"));
      pos += 1 + len;
    }
    throw new Error("DNS name has a pointer loop");
  }
}

function decodeRdata(r: Reader, type: string, end: number): string {
  const hex = (n: number) => r.bytes(n).toString("hex");
  switch (type) {
    case "A":
      return [...r.bytes(4)].join(".");
    case "AAAA": {
      const b = r.bytes(16);
      const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
      return canonicalIPv6(groups.join(":"));
    }
    case "NS":
    case "CNAME":
    case "PTR":
    case "DNAME":
      return r.name();
    case "MX":
      return `${r.u16()} ${r.name()}`;
    case "SRV":
      return `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`;
    case "SOA":
      return [r.name(), r.name(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()].join(" ");
    case "TXT":
    case "SPF": {
      const strings: string[] = [];
      while (r.pos < end) strings.push(r.bytes(r.u8()).toString("latin1"));
      return txtContent(strings);
    }
    case "CAA": {
      const flags = r.u8();
      const tag = r.bytes(r.u8()).toString("latin1").toLowerCase();
      return `${flags} ${tag} ${quoteTxtString(r.bytes(end - r.pos).toString("latin1"))}`;
    }
    case "SSHFP":
      return `${r.u8()} ${r.u8()} ${hex(end - r.pos)}`;
    case "TLSA":
    case "SMIMEA":
      return `${r.u8()} ${r.u8()} ${r.u8()} ${hex(end - r.pos)}`;
    case "DS":
    case "CDS":
      return `${r.u16()} ${r.u8()} ${r.u8()} ${hex(end - r.pos)}`;
    default: {
      const n = end - r.pos;
      return `\\# ${n}${n > 0 ? ` ${hex(n)}` : ""}`;
    }
  }
}

/** Decode a response message. Throws on a malformed message. */
/**
 * Rdata given in RFC 3597 generic form (`\# 6 0568656c6c6f`) in the normalized content the zone-file parser
 * gives the usual form (`"hello"`); types outside DECODED_TYPES stay `\# len hex`. Throws when the bytes do not
 * make one record of the type.
 */
export function decodeGenericRdata(type: string, rdata: Buffer): string {
  const r = new Reader(rdata);
  const content = decodeRdata(r, type, rdata.length);
  if (r.pos !== rdata.length) throw new Error(`${rdata.length - r.pos} byte(s) left over after the ${type} data`);
  return content;
}

export function decodeResponse(buf: Buffer): DnsResponse {
  const r = new Reader(buf);
  const id = r.u16();
  const flags = r.u16();
  const qd = r.u16();
  const an = r.u16();
  const ns = r.u16();
  r.u16();
  for (let i = 0; i < qd; i++) {
    r.name();
    r.u32();
  }
  const section = (count: number): ZoneRecord[] => {
    const out: ZoneRecord[] = [];
    for (let i = 0; i < count; i++) {
      const name = r.name();
      const type = typeName(r.u16());
      r.u16(); // class
      const ttl = r.u32();
      const len = r.u16();
      const end = r.pos + len;
      r.need(len);
      const content = decodeRdata(new Reader(buf.subarray(0, end), r.pos), type, end);
      r.pos = end;
      out.push({ name, type, content, ttl });
    }
    return out;
  };
  const answers = section(an);
  const authority = section(ns);
  return { id, rcode: flags & 0x0f, authoritative: (flags & 0x0400) !== 0, truncated: (flags & 0x0200) !== 0, answers, authority };
}
