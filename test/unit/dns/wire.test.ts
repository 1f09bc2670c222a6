import assert from "node:assert/strict";
import { decodeResponse, encodeQuery, typeCode } from "../../../dns/wire";
import { parseNameServer } from "../../../dns/query";
import { parseDnsCheckArgs, readMailRecords } from "../../../cli/dnsCheck";

// A response built by hand, with name compression, the way servers send it.
function response(): Buffer {
  const parts: number[] = [];
  const u16 = (v: number) => parts.push(v >> 8, v & 255);
  const u32 = (v: number) => {
    u16(v >>> 16);
    u16(v & 0xffff);
  };
  u16(0x1234);
  u16(0x8400);
  u16(1);
  u16(3);
  u16(0);
  u16(0);
  const qname = parts.length; // offset 12
  for (const l of ["Example", "COM"]) {
    parts.push(l.length, ...Buffer.from(l));
  }
  parts.push(0);
  u16(15);
  u16(1);
  const rr = (type: number, ttl: number, rdata: number[]) => {
    parts.push(0xc0, qname);
    u16(type);
    u16(1);
    u32(ttl);
    u16(rdata.length);
    parts.push(...rdata);
  };
  rr(15, 3600, [0, 10, 4, ...Buffer.from("mail"), 0xc0, qname]);
  rr(16, 300, [7, ...Buffer.from("v=spf1 "), 4, ...Buffer.from("-all"), 3, 0x22, 0x5c, 0xe9]);
  rr(28, 60, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]);
  return Buffer.from(parts);
}

describe("dns/wire and the dns-check command line", () => {
  it("decodes answers with compressed names into the zone parser's normalized content", () => {
    const res = decodeResponse(response());
    assert.equal(res.id, 0x1234);
    assert.equal(res.authoritative, true);
    assert.deepEqual(res.answers, [
      { name: "example.com", type: "MX", content: "10 mail.example.com", ttl: 3600 },
      { name: "example.com", type: "TXT", content: '"v=spf1 " "-all" "\\"\\\\\\233"', ttl: 300 },
      { name: "example.com", type: "AAAA", content: "2001:db8::10", ttl: 60 },
    ]);
  });

  it("encodes a query with EDNS0 and refuses truncated messages", () => {
    const q = encodeQuery(7, "Example.com.", "TXT");
    assert.equal(q.readUInt16BE(0), 7);
    assert.equal(q.readUInt16BE(10), 1, "one OPT record");
    assert.equal(q.readUInt16BE(2), 0, "recursion not desired: authorities are asked");
    assert.equal(encodeQuery(7, "example.com", "TXT", true).readUInt16BE(2), 0x0100, "RD set for a resolver");
    assert.deepEqual([...q.subarray(12, 25)], [7, ...Buffer.from("example"), 3, ...Buffer.from("com"), 0]);
    assert.equal(typeCode("type65534"), 65534);
    assert.throws(() => typeCode("NOPE"), /unknown DNS record type "NOPE"/);
    assert.throws(() => decodeResponse(response().subarray(0, 40)), /truncated or malformed|past the end/);
  });

  it("parses dns-check arguments and name servers", () => {
    const a = parseDnsCheckArgs([
      "dns-check",
      "--zone",
      "z.zone",
      "--old",
      "127.0.0.1:5353",
      "--new=[::1]:53",
      "--stage",
      "cutover",
      "--json",
    ]);
    assert.deepEqual(a, {
      zone: "z.zone",
      old: { host: "127.0.0.1", port: 5353 },
      new: { host: "::1", port: 53 },
      stage: "cutover",
      mail: undefined,
      lowTtl: undefined,
      timeoutMs: undefined,
      json: true,
    });
    assert.deepEqual(parseNameServer("ns1.example.net"), { host: "ns1.example.net", port: 53 });
    assert.throws(() => parseDnsCheckArgs(["--zone", "z"]), /needs --zone FILE and --old/);
    assert.throws(
      () => parseDnsCheckArgs(["--zone", "z", "--old", "x", "--stage", "launch"]),
      /--stage must be one of prepare, copy, cutover, finalize/,
    );
    assert.throws(() => parseDnsCheckArgs(["--zone", "z", "--old", "x:99999"]), /--old: name server "x:99999" is not HOST\[:PORT\]/);
    assert.throws(() => parseDnsCheckArgs(["--zone", "z", "--old", "x", "--bogus"]), /unknown option "--bogus"/);
  });

  it("reads generated mail records and names the bad field", () => {
    assert.deepEqual(
      readMailRecords("mail.json", '[{"name":"example.com","type":"mx","content":"0 x.example.net","ttl":300,"role":"mx"}]'),
      [{ name: "example.com", type: "MX", content: "0 x.example.net", ttl: 300, role: "mx" }],
    );
    assert.throws(
      () => readMailRecords("mail.json", '[{"name":"example.com","type":"MX","content":"0 x","ttl":"300","role":"mx"}]'),
      /mail\.json: record \[0\]\.ttl must be a number/,
    );
  });
});
