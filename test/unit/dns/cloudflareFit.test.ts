import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { fitForCloudflare } from "../../../dns/cloudflareFit";
import { parseZoneFile } from "../../../dns/zonefile";
import { fromCloudflareShape, recordKey, toCloudflareShape, type ZoneRecord } from "../../../dns/records";

const ZONES = join(__dirname, "..", "..", "..", "..", "test", "fixtures", "zones");

describe("dns/cloudflareFit", () => {
  it("reports apex SOA/NS, the apex CNAME and HINFO from a Cloudflare export, each with a reason", () => {
    const { origin, records } = parseZoneFile(readFileSync(join(ZONES, "cloudflare-export.zone"), "utf8"), {
      file: "cloudflare-export.zone",
    });
    const fit = fitForCloudflare(origin, records);
    const reported = fit.reported.map((r) => `${r.record.type} ${r.record.name}: ${r.reason}`);
    assert.equal(reported.length, 5);
    assert.match(reported[0]!, /^SOA example\.net: Cloudflare manages the zone's SOA itself/);
    assert.match(reported[1]!, /^NS example\.net: Cloudflare assigns the zone's own nameservers/);
    assert.match(reported[3]!, /^CNAME example\.net: a CNAME at the apex/);
    assert.match(reported[4]!, /^HINFO old\.example\.net: Cloudflare cannot hold HINFO/);
    assert.deepEqual(
      fit.importable.map((r) => r.type),
      ["A", "A", "CNAME", "MX", "TXT", "TXT", "TXT"],
    );
  });

  it("reports a CNAME beside other records, SPF-type records, duplicates and names outside the zone; adjusts TTLs", () => {
    const r = (name: string, type: string, content: string, ttl = 300): ZoneRecord => ({ name, type, content, ttl });
    const fit = fitForCloudflare("example.com", [
      r("www.example.com", "CNAME", "example.com"),
      r("www.example.com", "TXT", '"x"'),
      r("example.com", "SPF", '"v=spf1 -all"'),
      r("a.example.com", "A", "192.0.2.1"),
      r("a.example.com", "A", "192.0.2.1"),
      r("other.example.org", "A", "192.0.2.2"),
      r("short.example.com", "A", "192.0.2.3", 30),
      r("sub.example.com", "NS", "ns.elsewhere.example"),
    ]);
    assert.deepEqual(
      fit.reported.map((x) => `${x.record.type} ${x.reason.split(";")[0]}`),
      [
        "CNAME a CNAME cannot share www.example.com with other records",
        "SPF the SPF record type is obsolete (RFC 7208) and Cloudflare does not hold it",
        "A the same record appears earlier in the zone file",
        "A it is outside the zone example.com",
      ],
    );
    assert.deepEqual(
      fit.adjusted.map((a) => [a.original.ttl, a.record.ttl]),
      [[30, 60]],
    );
    assert.deepEqual(
      fit.importable.map((x) => x.name),
      ["www.example.com", "a.example.com", "sub.example.com"],
    );
  });

  it("never drops a record: importable + adjusted + reported hold every input exactly once (property)", () => {
    const rec = fc.record({
      name: fc.constantFrom("example.com", "www.example.com", "mail.example.com", "x.example.org"),
      type: fc.constantFrom("A", "CNAME", "MX", "SOA", "NS", "HINFO", "TXT", "SPF", "DNSKEY"),
      content: fc.constantFrom("192.0.2.1", "example.com", '"v=spf1 -all"'),
      ttl: fc.constantFrom(1, 5, 300, 100000),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 30 }), (records) => {
        const fit = fitForCloudflare("example.com", records);
        const out = [...fit.importable, ...fit.adjusted.map((a) => a.original), ...fit.reported.map((x) => x.record)];
        assert.equal(out.length, records.length);
        assert.deepEqual(out.map(recordKey).sort(), records.map(recordKey).sort());
        for (const x of fit.reported) assert.ok(x.reason.length > 10);
      }),
    );
  });

  it("converts MX and SRV to Cloudflare's priority-apart shape and back", () => {
    const mx: ZoneRecord = { name: "example.com", type: "MX", content: "10 mail.example.com", ttl: 300 };
    assert.deepEqual(toCloudflareShape(mx), { name: "example.com", type: "MX", content: "mail.example.com", ttl: 300, priority: 10 });
    assert.deepEqual(fromCloudflareShape({ name: "Example.com.", type: "MX", content: "Mail.Example.com.", ttl: 300, priority: 10 }), mx);
    const srv: ZoneRecord = { name: "_sip._tls.example.com", type: "SRV", content: "100 1 443 sipdir.online.lync.com", ttl: 3600 };
    assert.deepEqual(fromCloudflareShape(toCloudflareShape(srv)), srv);
    const txt: ZoneRecord = { name: "example.com", type: "TXT", content: '"v=spf1 -all"', ttl: 1 };
    assert.deepEqual(fromCloudflareShape(toCloudflareShape(txt)), txt);
  });
});
