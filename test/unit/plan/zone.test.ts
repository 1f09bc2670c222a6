// The DNS move's pure parts: the zone source in the config, the zone-file records merged with mailshift's per stage
// (stable resource names, nothing dropped silently), the dns-check command and the SPF proof against the plan.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { readMailRecords } from "../../../cli/dnsCheck";
import { fitForCloudflare } from "../../../dns/cloudflareFit";
import { recordKey, type ZoneRecord } from "../../../dns/records";
import type { SpfLookup } from "../../../dns/spfEval";
import { mergeForStage } from "../../../plan/stageMerge";
import { parseZoneFile, renderZoneFileIssue } from "../../../dns/zonefile";
import { parseConfig } from "../../../plan/config";
import { buildPlan } from "../../../plan/plan";
import { STAGES, type Stage } from "../../../plan/types";
import { dnsCheckCommandFor, proveZoneSpf } from "../../../plan/zoneOutputs";
import { checkMailRecords, importedKey, planZoneRecords } from "../../../plan/zoneRecords";
import { repoRoot } from "../../../harness/repoRoot";
import { rawMailshift } from "./stackFiles";

const HAND = path.join(repoRoot(), "test", "fixtures", "zones", "bind-hand-written.zone");
const ACCOUNT = "abcdefabcdefabcdefabcdefabcdef01";
const zoneText = fs.readFileSync(HAND, "utf8");
const imported = parseZoneFile(zoneText, { file: HAND, origin: "example.com" }).records;

/** The production stack (example.com) with the given cloudflare settings and stage. */
function raw(cloudflare: unknown, stage: Stage = "prepare", over: Record<string, unknown> = {}): Record<string, unknown> {
  const r: Record<string, unknown> = { ...rawMailshift("production"), cloudflare, stage, zoneFile: HAND, force: true, ...over };
  delete r.previousStage;
  return r;
}
/** Tenant values in the config, so every record's content is known without the tenant. */
const known = (stage: Stage) => {
  const base = rawMailshift("production");
  const exchange = {
    ...(base.exchange as Record<string, unknown>),
    mx: "example-com.mail.protection.outlook.com",
    verificationTxt: "MS=ms12345678",
    dkim: {
      selector1CNAME: "selector1-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft",
      selector2CNAME: "selector2-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft",
      enabled: true,
    },
  };
  return parseConfig(raw({ zone: "create", accountId: ACCOUNT }, stage, { exchange }));
};

describe("plan/config: mailshift:cloudflare, where the zone comes from", () => {
  it("keeps zoneId as before: the zone by id, nothing imported", () => {
    const c = parseConfig(raw({ zoneId: "fedcba9876543210fedcba9876543210" }));
    assert.deepEqual(c.cloudflareZone, { kind: "id", zoneId: "fedcba9876543210fedcba9876543210", importZoneFile: false });
    assert.equal(c.cloudflareZoneId, "fedcba9876543210fedcba9876543210");
  });

  it("looks the zone up by the domain name with zone: existing and no zoneId", () => {
    assert.deepEqual(parseConfig(raw({ zone: "existing" })).cloudflareZone, { kind: "lookup", name: "example.com", importZoneFile: false });
    assert.deepEqual(parseConfig(raw({ zone: "existing", importZoneFile: true })).cloudflareZone, {
      kind: "lookup",
      name: "example.com",
      importZoneFile: true,
    });
  });

  it("creates the zone with zone: create and the account id, importing the zone file by default", () => {
    const c = parseConfig(raw({ zone: "create", accountId: ACCOUNT }));
    assert.deepEqual(c.cloudflareZone, { kind: "create", name: "example.com", accountId: ACCOUNT, importZoneFile: true });
    assert.equal(c.cloudflareZoneId, "");
  });

  const rejects = (cf: unknown, message: RegExp, over: Record<string, unknown> = {}) =>
    assert.throws(() => parseConfig(raw(cf, "prepare", over)), message);
  it("names the config path of each mistake", () => {
    rejects(
      {},
      /mailshift:cloudflare\.zoneId: is missing\. Copy the zone id .* or set mailshift:cloudflare\.zone to existing .* or create/,
    );
    rejects({ zone: "create" }, /mailshift:cloudflare\.accountId: is missing/);
    rejects({ zone: "create", accountId: "nope" }, /mailshift:cloudflare\.accountId: "nope" is not a Cloudflare account id/);
    rejects(
      { zone: "create", accountId: ACCOUNT, zoneId: "fedcba9876543210fedcba9876543210" },
      /mailshift:cloudflare\.zoneId: is set but cloudflare\.zone is create/,
    );
    rejects({ zone: "borrow" }, /mailshift:cloudflare\.zone: unknown mode "borrow"\. Use existing .* or create/);
    rejects({ zone: "existing", accountId: ACCOUNT }, /mailshift:cloudflare\.accountId: is only used when cloudflare\.zone is create/);
    rejects({ zoneId: "fedcba9876543210fedcba9876543210", zoneID: "x" }, /mailshift:cloudflare\.zoneID: is not a cloudflare setting/);
    rejects({ zone: "create", accountId: ACCOUNT }, /mailshift:cloudflare\.importZoneFile: is on but mailshift:zoneFile is not set/, {
      zoneFile: undefined,
    });
  });
});

describe("plan/zoneRecords: the zone file merged with mailshift's records", () => {
  const plan = (stage: Stage) => buildPlan(known(stage), imported, HAND);

  it("accounts for every zone-file record at every stage: declared, reported with a reason, or replaced by a stated decision", () => {
    for (const stage of STAGES) {
      const z = plan(stage).zone!;
      for (const r of imported) {
        const declared = z.records.some(
          (d) =>
            d.source === "imported" &&
            d.name === r.name &&
            d.type === r.type &&
            (d.type === "MX" || d.type === "SRV" ? `${d.priority} ${String(d.content)}` : d.content) === r.content,
        );
        const reported = z.reported.some((x) => x.startsWith(`${r.name} ${r.type} ${r.content}: not imported: `));
        const replaced = z.decisions.some(
          (x) =>
            x.startsWith(`${r.name} `) && /generated-replaces-imported|already-present/.test(x) && x.includes(r.content.split(" ").at(-1)!),
        );
        assert.equal(
          [declared, reported, replaced].filter(Boolean).length,
          1,
          `${stage}: ${r.name} ${r.type} ${r.content} (declared ${declared}, reported ${reported}, replaced ${replaced})`,
        );
      }
    }
  });

  it("prepare keeps the old MX and SPF under the generated records' resource names, cutover puts the generated ones there", () => {
    const prepare = plan("prepare").zone!.records;
    const cutover = plan("cutover").zone!.records;
    const at = (rs: typeof prepare, key: string) => rs.find((r) => r.resourceKey === key);
    assert.deepEqual(
      [at(prepare, "apex-mx-0")?.source, at(prepare, "apex-mx-0")?.content, at(prepare, "apex-mx-0")?.ttl],
      ["imported", "mail.example.com", 300],
    );
    assert.deepEqual(
      [at(cutover, "apex-mx-0")?.source, at(cutover, "apex-mx-0")?.content],
      ["generated", "example-com.mail.protection.outlook.com"],
    );
    assert.equal(at(cutover, "apex-mx-1"), undefined);
    assert.match(String(at(prepare, "apex-spf")?.content), /include:_spf\.example\.com/);
    assert.match(String(at(cutover, "apex-spf")?.content), /include:spf\.protection\.outlook\.com/);
  });

  it("gives every declared record a distinct resource key, and keeps the keys of untouched records at every stage (property)", () => {
    const keysAt = (s: Stage) => plan(s).zone!.records.map((r) => r.resourceKey);
    for (const s of STAGES) assert.equal(new Set(keysAt(s)).size, keysAt(s).length, s);
    fc.assert(
      fc.property(fc.constantFrom(...STAGES), fc.constantFrom(...STAGES), (a, b) => {
        const untouched = (s: Stage) =>
          new Set(
            plan(s)
              .zone!.records.filter((r) => r.resourceKey.startsWith("zone-") && r.name !== "autodiscover.example.com")
              .map((r) => r.resourceKey),
          );
        assert.deepEqual(untouched(a), untouched(b));
      }),
      { numRuns: 12 },
    );
  });

  it("names imported records by type, name and content digest: same record, same key; another content, another key", () => {
    const r: ZoneRecord = { name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 };
    assert.equal(importedKey(r), importedKey({ ...r, ttl: 3600 }));
    assert.notEqual(importedKey(r), importedKey({ ...r, content: "192.0.2.2" }));
    assert.match(importedKey(r), /^zone-a-www\.example\.com-[0-9a-f]{8}$/);
  });

  it("publishes what `mailshift dns-check --mail` plans from the same zone file and dnsCheckMail (program and CLI agree)", () => {
    for (const stage of STAGES) {
      const p = plan(stage);
      const mail = checkMailRecords(p.records).map((m) => ({
        ...m,
        content: m.type === "MX" ? `${m.priority} ${String(m.content)}` : String(m.content),
      }));
      const fromCli = readMailRecords("mail.json", JSON.stringify(mail));
      const fit = fitForCloudflare("example.com", imported);
      const cli = mergeForStage([...fit.importable, ...fit.adjusted.map((a) => a.record)], fromCli, stage, {
        lowTtl: p.config.ttl.lowered,
      }).records;
      const show = (rs: readonly ZoneRecord[]) => rs.map((r) => `${recordKey(r)}\t${r.ttl}`).sort();
      assert.deepEqual(show(p.zone!.published), show(cli), stage);
    }
  });

  it("planZoneRecords alone reports the zone's SOA and NS and adjusts an out-of-range TTL", () => {
    const z = planZoneRecords({
      domain: "example.com",
      imported: [...imported, { name: "tiny.example.com", type: "A", content: "192.0.2.9", ttl: 5 }],
      planned: [],
      stage: "prepare",
      lowTtl: 300,
      zoneFile: "z",
    });
    assert.ok(z.reported.some((r) => r.startsWith("example.com SOA ") && r.includes("Cloudflare manages the zone's SOA itself")));
    assert.deepEqual(z.adjusted, ["tiny.example.com A 192.0.2.9: TTL 5 is outside Cloudflare's 60-86400 seconds; created with 60"]);
    assert.equal(z.records.find((r) => r.name === "tiny.example.com")?.ttl, 60);
  });
});

describe("plan: the zone file's import report reaches the plan", () => {
  const text = `${zoneText.replace(/\n*$/, "\n")}gps.example.com. 300 IN GPOS -32.6882 116.8652 10.0\nstray.example.org. 300 IN A 192.0.2.9\n`;
  const parsed = parseZoneFile(text, { file: "old.zone", origin: "example.com" });
  const report = parsed.issues.map((i) => renderZoneFileIssue("old.zone", i));

  it("lists the skipped and out-of-zone lines first in zone.reported when the zone is imported", () => {
    assert.equal(report.length, 2);
    const p = buildPlan(known("prepare"), parsed.records, undefined, report);
    assert.deepEqual(p.zone!.reported.slice(0, 2), report);
    assert.match(p.zone!.reported[0]!, /^old\.zone line \d+: gps\.example\.com GPOS: not imported: /);
    assert.match(p.zone!.reported[1]!, /^old\.zone line \d+: stray\.example\.org A: not imported: it is outside the zone example\.com/);
    assert.ok(!p.zone!.records.some((r) => r.name === "stray.example.org" || r.type === "GPOS"));
  });

  it("puts them among the warnings when the zone file is only read (no import)", () => {
    const p = buildPlan(parseConfig(raw({ zoneId: "fedcba9876543210fedcba9876543210" })), parsed.records, undefined, report);
    assert.equal(p.zone, undefined);
    for (const line of report) assert.ok(p.warnings.includes(line), line);
  });
});

describe("plan/zoneOutputs: the dns-check command and the SPF proof", () => {
  it("writes the exact dns-check command for the stage, quoting a zone-file path with spaces", () => {
    const c = known("copy");
    assert.equal(
      dnsCheckCommandFor("zones/old zone.txt", c),
      "pulumi stack output dnsCheckMail --json > mail-records.json && mailshift dns-check --zone 'zones/old zone.txt' --old OLD_NAMESERVER --stage copy --mail mail-records.json --low-ttl 300",
    );
  });

  // The names outside the zone, as their owners publish them (a fixed table: the proof reads DNS through it).
  const outside: SpfLookup = async (name, type) => {
    const table: Record<string, string> = {
      "spf.protection.outlook.com": '"v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/14 ip4:104.47.0.0/17 -all"',
      "_spf.oldhost.net": '"v=spf1 ip4:198.51.100.0/24 -all"',
      "_spf.newhost.net": '"v=spf1 ip4:203.0.113.25 -all"',
    };
    if (type === "TXT" && table[name]) return { nxdomain: false, records: [{ name, type, content: table[name]!, ttl: 300 }] };
    if (type === "A" && name === "mail.newhost.net")
      return { nxdomain: false, records: [{ name, type, content: "203.0.113.25", ttl: 300 }] };
    return { nxdomain: !table[name], records: [] };
  };

  it("at cutover proves the apex SPF passes Exchange Online and not a stranger, evaluated through the planned zone", async () => {
    const p = buildPlan(known("cutover"), imported, HAND);
    const lines = await proveZoneSpf(p, outside);
    assert.ok(
      lines.some((l) => /^ok {3}example\.com: Exchange Online \(40\.107\.0\.1\) -> pass, want pass; 2 lookup\(s\)/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => /^ok {3}example\.com: a stranger \(TEST-NET-3\) \(203\.0\.113\.254\) -> softfail, want fail/.test(l)),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((l) => /^ok {3}mail2\.example\.com: new IMAP host \(203\.0\.113\.25\) -> pass, want pass/.test(l)),
      lines.join("\n"),
    );
  });

  it("at prepare evaluates the old apex SPF kept from the zone file: its _spf include is read from the planned zone", async () => {
    const p = buildPlan(known("prepare"), imported, HAND);
    const lines = await proveZoneSpf(p, outside);
    const apex = lines.filter((l) => l.includes(" example.com: "));
    assert.ok(
      apex.length > 0 && apex.every((l) => !l.includes("Exchange Online")),
      "the old SPF does not authorize Exchange: no Exchange line is expected of it",
    );
    // the stranger is outside _spf.example.com's 192.0.2.0/24: the include is evaluated from the planned records
    assert.ok(
      apex.some((l) => /a stranger .* -> (softfail|fail)/.test(l) && !l.includes("permerror")),
      lines.join("\n"),
    );
  });
});
