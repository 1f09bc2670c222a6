import assert from "node:assert/strict";
import { parseZoneFile } from "../../../dns/zonefile";
import { parseConfig } from "../../../plan/config";
import { planDnsRecords } from "../../../plan/dns";
import { importedConflicts } from "../../../plan/imported";
import { buildPlan } from "../../../plan/plan";
import { rawMailshift } from "./stackFiles";

const ZONE = `$ORIGIN example.com.
$TTL 3600
@            IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600
@            IN MX  10 mx1.oldhost.net.
@            IN MX  20 mx2.oldhost.net.
@            IN TXT "v=spf1 include:_spf.oldhost.net ip4:198.51.100.25 ~all"
@            IN TXT "google-site-verification=abc123"
autodiscover IN A   192.0.2.10
www          IN A   192.0.2.1
_spf         IN TXT "v=spf1 ip4:192.0.2.0/24 a:relay.example.com ~all"
`;

describe("plan/imported: the zone as it is today", () => {
  const config = parseConfig(rawMailshift("production"));
  const zone = parseZoneFile(ZONE, { file: "example.com.zone", origin: "example.com" }).records;
  const input = { ...config, routes: { exchange: true, imap: true } };

  it("finds the records that collide with mailshift's, per stage, and says to import or delete them", () => {
    const prepare = importedConflicts(planDnsRecords(input, "prepare"), zone, config.cloudflareZoneId);
    assert.deepEqual(
      prepare.map((c) => `${c.key} ${c.record.type}`),
      ["apex-mx-0 MX", "apex-mx-1 MX", "apex-spf TXT"],
    );
    assert.match(
      prepare[0]!.reason,
      /^example\.com MX .*mx1\.oldhost\.net.* meets mailshift's apex-mx-0 \(Cloudflare refuses an identical record\): import it with `pulumi import cloudflare:index\/dnsRecord:DnsRecord dns-apex-mx-0 fedcba9876543210fedcba9876543210\/RECORD_ID` or delete it/,
    );
    assert.match(prepare[2]!.reason, /a second SPF record at one name makes SPF fail/);
    const cutover = importedConflicts(planDnsRecords(input, "cutover"), zone, config.cloudflareZoneId);
    assert.ok(cutover.some((c) => c.key === "autodiscover" && /CNAME cannot share its name/.test(c.reason)));
    assert.ok(cutover.filter((c) => c.record.type === "MX").every((c) => /would stay beside/.test(c.reason)));
  });

  it("counts SPF through the zone's own records when the old host's SPF includes one of them", () => {
    const c = { ...config, oldHost: { ...config.oldHost, spf: "include:_spf.example.com" }, stage: "copy" as const };
    const plan = buildPlan(c, zone);
    const apex = plan.spf.find((s) => s.name === "example.com")!;
    // include:_spf.example.com (1) + its a:relay (1) + include:spf.protection.outlook.com (1)
    assert.equal(apex.lookups, 3);
    assert.deepEqual(apex.unresolved, ["spf.protection.outlook.com"]);
    assert.ok(plan.warnings.some((w) => /apex-spf/.test(w)));
  });
});
