import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it } from "mocha";
import { diffRecords, planDnsRecords, type DnsPlanInput } from "../../../plan/dns";
import { STAGES } from "../../../plan/types";
import { fromStackOutputs, propagation, ReportInputError } from "../../../report";
import { parseDnsChange } from "../../../report/dnsChange";
import { span } from "../../../report/format";

const CONFIG: DnsPlanInput = {
  domain: "example.com",
  subdomain: "mail2.example.com",
  oldHost: {
    imapHost: "imap.old.net",
    imapPort: 993,
    mx: [
      { host: "mx1.oldhost.net", priority: 10 },
      { host: "mx2.oldhost.net", priority: 20 },
    ],
    spf: "include:_spf.oldhost.net",
  },
  exchange: {
    tenantId: "t",
    tenantDomain: "example.onmicrosoft.com",
    licenseGroupId: "g",
    usageLocation: "US",
    imapAccess: "application",
    graphClientId: "c",
  },
  newHost: {
    kind: "cpanel",
    url: "https://h:2083",
    user: "u",
    mx: "mail.newhost.net",
    spf: "a:mail.newhost.net",
    imapHost: "mail.newhost.net",
    imapPort: 993,
  },
  ttl: { normal: 3600, lowered: 300 },
  cloudflareZone: { kind: "id", zoneId: "z", importZoneFile: false },
  dmarc: { policy: "quarantine" },
  routes: { exchange: true, imap: true },
};
// the same text index.ts exports as dnsChanges
const asOutput = (c: { action: string; type: string; name: string; from?: string; to?: string }) =>
  `${c.action} ${c.type} ${c.name}${c.from ? ` from ${c.from}` : ""}${c.to ? ` to ${c.to}` : ""}`;

describe("report: inputs", () => {
  it("reads back every DNS change line the plan exports, at every stage change, with its TTLs", () => {
    for (let i = 1; i < STAGES.length; i++) {
      const before = planDnsRecords(CONFIG, STAGES[i - 1]!);
      const after = planDnsRecords(CONFIG, STAGES[i]!);
      for (const c of diffRecords(before, after)) {
        const parsed = parseDnsChange(asOutput(c));
        assert.ok(parsed, asOutput(c));
        assert.equal(parsed.action, c.action);
        assert.equal(parsed.name, c.name);
        const old = before.find((r) => r.key === c.key);
        const neu = after.find((r) => r.key === c.key);
        assert.equal(parsed.from?.ttl, old && c.action !== "add" ? old.ttl : undefined);
        assert.equal(parsed.to?.ttl, neu && c.action !== "remove" ? neu.ttl : undefined);
      }
    }
    assert.deepEqual(parseDnsChange("change MX example.com from 10 a.net ttl 300 to 0 (exchangeMx from the tenant) ttl 3600"), {
      action: "change",
      type: "MX",
      name: "example.com",
      from: { value: "10 a.net", ttl: 300 },
      to: { value: "0 (exchangeMx from the tenant)", ttl: 3600 },
    });
    assert.equal(parseDnsChange("rename MX example.com"), undefined);
  });

  it("propagation: the longest old TTL of changes and removals, the negative TTL for additions", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            action: fc.constantFrom("add" as const, "change" as const, "remove" as const),
            ttl: fc.integer({ min: 0, max: 172800 }),
          }),
          { maxLength: 8 },
        ),
        fc.integer({ min: 0, max: 86400 }),
        (changes, neg) => {
          const cs = changes.map((c) => ({
            action: c.action,
            type: "MX",
            name: "example.com",
            ...(c.action !== "add" ? { from: { value: "x", ttl: c.ttl } } : {}),
            ...(c.action !== "remove" ? { to: { value: "y", ttl: 5 } } : {}),
          }));
          const expected = Math.max(0, ...changes.map((c) => (c.action === "add" ? neg : c.ttl)));
          const p = propagation(cs, "2026-01-01T00:00:00Z", new Date("2026-01-01T00:00:00Z"), neg);
          assert.equal(p.seconds, expected);
          assert.equal(p.readyAt, new Date(Date.parse("2026-01-01T00:00:00Z") + expected * 1000).toISOString());
          assert.equal(p.done, expected === 0);
        },
      ),
    );
  });

  it("speaks durations in words, rounded up to the minute", () => {
    assert.equal(span(300), "5 minutes");
    assert.equal(span(301), "6 minutes");
    assert.equal(span(3600), "1 hour");
    assert.equal(span(90061), "1 day 1 hour 2 minutes");
    assert.equal(span(30), "30 seconds");
  });

  it("refuses what is not a mailshift stack's outputs, naming the file", () => {
    assert.throws(
      () => fromStackOutputs([], "out.json"),
      (e: Error) => e instanceof ReportInputError && /^out\.json: expected the JSON object/.test(e.message),
    );
    assert.throws(
      () => fromStackOutputs({ stage: "launch" }, "out.json"),
      /out\.json: output "stage" is "launch"; expected one of prepare, copy, cutover, finalize/,
    );
  });

  it("keeps a DNS change line it cannot read as a note rather than dropping it", () => {
    const d = fromStackOutputs({ stage: "copy", dnsChanges: ["something odd"] }, "o.json");
    assert.deepEqual(d.notes, ["A DNS change could not be read: something odd"]);
  });
});
