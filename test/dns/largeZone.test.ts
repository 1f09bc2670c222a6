// A large zone moved as is (no mail records): a few thousand records on two NSD servers, a handful of planted
// differences found among them, and the types mailshift does not decode compared server to server.
import assert from "node:assert/strict";
import { AuthDns, ensureAuthDns } from "../../harness/authdns";
import { fitForCloudflare } from "../../dns/cloudflareFit";
import { checkEquivalence } from "../../dns/equivalence";
import type { ZoneRecord } from "../../dns/records";
import { mergeForStage } from "../../plan/stageMerge";
import { parseZoneFile, printZoneFile } from "../../dns/zonefile";

const HOSTS = 2000;

function bigZoneText(): string {
  const lines = [
    "; generated: a shop with many hosts, the kind of zone that is moved by export",
    "$ORIGIN big.example.",
    "$TTL 1h",
    "@ IN SOA ns1 hostmaster ( 2024010101 2h 30m 2w 5m )",
    "  IN NS ns1",
    "  IN NS ns2",
    "ns1 A 192.0.2.1",
    "ns2 A 192.0.2.2",
    "@ MX 10 mx1",
    '@ TXT "v=spf1 mx -all"',
    'gw HINFO "PC-Intel" "Debian"',
    "office LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
  ];
  for (let i = 0; i < HOSTS; i++) {
    const h = `h${i}`;
    lines.push(`${h}\tA\t10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    if (i % 3 === 0) lines.push(`\tAAAA\t2001:db8::${i.toString(16)}`);
    if (i % 4 === 0) lines.push(`\t300\tTXT\t"host ${i}" "owner \\"team-${i % 7}\\""`);
    if (i % 10 === 0) lines.push(`www${i} CNAME ${h}`);
    if (i % 25 === 0) lines.push(`_svc._tcp.${h} 2h SRV 10 5 ${1000 + i} ${h}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("dns-check on a large zone (NSD)", function () {
  this.timeout(300_000);
  const started: AuthDns[] = [];
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it("parses, serves and compares a few thousand records; finds exactly the planted differences", async () => {
    ensureAuthDns();
    const text = bigZoneText();
    let t = Date.now();
    const zone = parseZoneFile(text, { file: "big.zone" });
    const parseMs = Date.now() - t;
    assert.ok(zone.records.length > 3000, `${zone.records.length} records`);
    const fit = fitForCloudflare(zone.origin, zone.records);
    assert.deepEqual(
      fit.reported.map((r) => `${r.record.type} ${r.record.name}`),
      ["SOA big.example", "NS big.example", "NS big.example", "HINFO gw.big.example"],
    );
    const plan = mergeForStage(fit.importable, [], "prepare");

    const planted = plan.records
      .filter((r) => r.name !== "h700.big.example" || r.type !== "A")
      .map((r) => (r.name === "h1200.big.example" && r.type === "TXT" ? { ...r, content: '"host 1200" "owner \\"team-9\\""' } : r))
      .map((r) => (r.name === "www30.big.example" ? { ...r, ttl: 60 } : r));
    const own: ZoneRecord[] = [
      { name: "big.example", type: "SOA", content: "ada.ns.cloudflare.com dns.cloudflare.com 1 10000 2400 604800 1800", ttl: 3600 },
      { name: "big.example", type: "NS", content: "ada.ns.cloudflare.com", ttl: 86400 },
    ];
    t = Date.now();
    const [old, fresh] = await Promise.all([
      AuthDns.start({ name: "big-old", zones: [{ origin: "big.example", text }] }),
      AuthDns.start({
        name: "big-new",
        zones: [{ origin: "big.example", text: printZoneFile("big.example", [...own, ...planted], { relative: true, defaultTtl: 3600 }) }],
      }),
    ]);
    started.push(old, fresh);
    const startMs = Date.now() - t;

    t = Date.now();
    const report = await checkEquivalence({
      zone: "big.example",
      imported: zone.records,
      planned: plan.records,
      decisions: plan.decisions,
      fit,
      old: old.server,
      new: fresh.server,
    });
    const checkMs = Date.now() - t;
    const keys = (xs: { name: string; type: string }[]) => xs.map((x) => `${x.name} ${x.type}`);
    assert.deepEqual(keys(report.differences), ["h1200.big.example TXT", "h700.big.example A", "www30.big.example CNAME"]);
    assert.deepEqual(keys(report.expected), ["big.example NS", "big.example SOA", "gw.big.example HINFO"]);
    assert.match(report.expected[2]!.detail, /not imported: Cloudflare cannot hold HINFO records/);
    assert.deepEqual(report.notCompared, [], "LOC is compared server to server");
    assert.equal(report.ok, false);
    assert.equal(report.questions, report.equal + 6);
    console.log(
      `      (${zone.records.length} records: parse ${parseMs} ms, two NSD servers up in ${startMs} ms, ${report.questions} name/type pairs compared in ${checkMs} ms)`,
    );
  });
});
