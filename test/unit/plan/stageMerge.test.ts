import assert from "node:assert/strict";
import fc from "fast-check";
import { mergeForStage, type GeneratedRecord } from "../../../plan/stageMerge";
import { STAGES, type Stage } from "../../../plan/types";
import { recordKey, type ZoneRecord } from "../../../dns/records";

const r = (name: string, type: string, content: string, ttl = 3600): ZoneRecord => ({ name, type, content, ttl });
const g = (role: string, name: string, type: string, content: string, ttl = 300): GeneratedRecord => ({ role, name, type, content, ttl });

const imported: ZoneRecord[] = [
  r("example.com", "MX", "10 mail.example.com"),
  r("example.com", "MX", "20 backup.example.net"),
  r("example.com", "TXT", '"v=spf1 mx -all"'),
  r("example.com", "TXT", '"google-site-verification=abc"'),
  r("autodiscover.example.com", "A", "192.0.2.10"),
  r("_dmarc.example.com", "TXT", '"v=DMARC1; p=none"'),
  r("www.example.com", "A", "192.0.2.80"),
];
const generated: GeneratedRecord[] = [
  g("mx", "example.com", "MX", "0 example-com.mail.protection.outlook.com"),
  g("spf", "example.com", "TXT", '"v=spf1 include:spf.protection.outlook.com include:_spf.mail2.example.com -all"'),
  g("autodiscover", "autodiscover.example.com", "CNAME", "autodiscover.outlook.com"),
  g("verification", "example.com", "TXT", '"MS=ms12345678"'),
  g("dmarc", "_dmarc.example.com", "TXT", '"v=DMARC1; p=quarantine"'),
  g("mx", "mail2.example.com", "MX", "10 imap.newhost.example.net"),
  g("verification", "example.com", "TXT", '"google-site-verification=abc"'),
];
const published = (stage: Stage, lowTtl?: number) =>
  mergeForStage(imported, generated, stage, { lowTtl }).records.map((x) => `${x.name} ${x.type} ${x.content} ${x.ttl}`);

describe("plan/stageMerge", () => {
  it("before cutover keeps the old MX, SPF and autodiscover, with TTLs lowered, and holds the new ones", () => {
    for (const stage of ["prepare", "copy"] as const) {
      const { decisions } = mergeForStage(imported, generated, stage, { lowTtl: 300 });
      const recs = published(stage, 300);
      assert.ok(recs.includes("example.com MX 10 mail.example.com 300"));
      assert.ok(recs.includes("example.com MX 20 backup.example.net 300"));
      assert.ok(recs.includes('example.com TXT "v=spf1 mx -all" 300'));
      assert.ok(recs.includes("autodiscover.example.com A 192.0.2.10 300"));
      assert.ok(!recs.some((x) => x.includes("outlook")));
      assert.ok(!recs.some((x) => x.startsWith("mail2.example.com")));
      assert.ok(recs.includes("www.example.com A 192.0.2.80 3600"), "untouched records keep their TTL");
      // verification is published from prepare on; the new DMARC waits because it would displace the old one
      assert.ok(recs.includes('example.com TXT "MS=ms12345678" 300'));
      assert.ok(recs.includes('_dmarc.example.com TXT "v=DMARC1; p=none" 300'));
      assert.ok(!recs.some((x) => x.includes("p=quarantine")));
      const byRole = Object.fromEntries(decisions.map((d) => [`${d.role} ${d.name}`, d]));
      assert.equal(byRole["mx example.com"]!.outcome, "imported-kept");
      assert.match(
        byRole["mx example.com"]!.reason,
        new RegExp(`^${stage}: the old mx records stay until cutover, with TTL lowered to 300s`),
      );
      assert.equal(byRole["mx mail2.example.com"]!.outcome, "generated-held");
      assert.equal(byRole["autodiscover autodiscover.example.com"]!.outcome, "imported-kept");
      assert.equal(byRole["dmarc _dmarc.example.com"]!.outcome, "imported-kept");
      assert.match(byRole["dmarc _dmarc.example.com"]!.reason, /the old dmarc records stay until cutover/);
    }
  });

  it("from cutover the generated MX, SPF and autodiscover win and every displaced record is listed", () => {
    for (const stage of ["cutover", "finalize"] as const) {
      const { decisions } = mergeForStage(imported, generated, stage, { lowTtl: 300 });
      const recs = published(stage, 300);
      assert.ok(recs.includes("example.com MX 0 example-com.mail.protection.outlook.com 300"));
      assert.ok(!recs.some((x) => x.includes("mail.example.com 3")));
      assert.equal(recs.filter((x) => x.includes("v=spf1")).length, 1, "one SPF record at the apex");
      assert.ok(recs.includes("autodiscover.example.com CNAME autodiscover.outlook.com 300"));
      assert.ok(!recs.some((x) => x.startsWith("autodiscover.example.com A")), "a CNAME displaces the old A");
      assert.ok(recs.includes("mail2.example.com MX 10 imap.newhost.example.net 300"));
      const mx = decisions.find((d) => d.role === "mx" && d.name === "example.com")!;
      assert.equal(mx.outcome, "generated-replaces-imported");
      assert.deepEqual(
        mx.withheld.map((w) => w.content),
        ["10 mail.example.com", "20 backup.example.net"],
      );
      assert.match(
        mx.reason,
        /from cutover the new mx records are published, replacing MX 10 mail\.example\.com, MX 20 backup\.example\.net/,
      );
    }
  });

  it("publishes a record the zone already has once", () => {
    const { decisions } = mergeForStage(imported, generated, "prepare");
    const same = decisions.find((d) => d.outcome === "already-present")!;
    assert.equal(same.published[0]!.content, '"google-site-verification=abc"');
    assert.equal(published("prepare").filter((x) => x.includes("google-site-verification")).length, 1);
  });

  it("every generated record is decided and no imported record vanishes without a decision (property)", () => {
    const name = fc.constantFrom("example.com", "autodiscover.example.com", "mail2.example.com");
    const imp = fc.record({
      name,
      type: fc.constantFrom("MX", "TXT", "A", "CNAME"),
      content: fc.constantFrom("10 a.example.net", '"v=spf1 -all"', '"hello"', "192.0.2.1", "x.example.net"),
      ttl: fc.constantFrom(60, 3600),
    });
    const gen = fc.record({
      role: fc.constantFrom("mx", "spf", "autodiscover", "verification", "dkim"),
      name,
      type: fc.constantFrom("MX", "TXT", "CNAME"),
      content: fc.constantFrom("0 b.example.net", '"v=spf1 mx -all"', '"MS=1"', "y.example.net"),
      ttl: fc.constantFrom(300),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(imp, { selector: recordKey, maxLength: 8 }),
        fc.uniqueArray(gen, { selector: recordKey, maxLength: 6 }),
        fc.constantFrom(...STAGES),
        (i, gs, stage) => {
          const { records, decisions } = mergeForStage(i, gs, stage);
          const out = new Set(records.map(recordKey));
          for (const x of gs) {
            const d = decisions.filter(
              (dd) => dd.published.some((p) => recordKey(p) === recordKey(x)) || dd.withheld.some((w) => recordKey(w) === recordKey(x)),
            );
            assert.ok(d.length > 0, `no decision for generated ${recordKey(x)}`);
          }
          for (const x of i) {
            if (out.has(recordKey(x))) continue;
            assert.ok(
              decisions.some((dd) => dd.withheld.some((w) => recordKey(w) === recordKey(x))),
              `imported ${recordKey(x)} vanished without a decision`,
            );
          }
        },
      ),
    );
  });

  it("refuses an unknown stage", () => {
    assert.throws(() => mergeForStage([], [], "launch" as Stage), /unknown stage "launch": use one of prepare, copy, cutover, finalize/);
  });
});
