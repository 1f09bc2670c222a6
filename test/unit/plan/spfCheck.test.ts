import assert from "node:assert/strict";
import fc from "fast-check";
import { parseConfig } from "../../../plan/config";
import { planDnsRecords } from "../../../plan/dns";
import { checkSpf } from "../../../plan/spfCheck";
import { quoteTxt } from "../../../plan/txt";
import { rawMailshift } from "./stackFiles";

const base = { ...parseConfig(rawMailshift("production")), routes: { exchange: true, imap: true } };
const withOldSpf = (spf: string) => ({ ...base, oldHost: { ...base.oldHost, spf } });

describe("plan/spfCheck: SPF of the generated records", () => {
  it("counts the lookups of each generated SPF and warns about includes outside the zone", () => {
    const { reports, warnings } = checkSpf(planDnsRecords(base, "copy"));
    const apex = reports.find((r) => r.name === "example.com")!;
    assert.equal(apex.lookups, 2);
    assert.deepEqual(apex.unresolved, ["_spf.oldhost.net", "spf.protection.outlook.com"]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /^SPF at example\.com: _spf\.oldhost\.net is outside the records mailshift knows/);
  });

  it("counts recursively through records of the zone it knows", () => {
    const others = [
      { name: "_spf.example.com", type: "TXT", content: quoteTxt("v=spf1 include:a.example.com include:b.example.com a mx ~all") },
      { name: "a.example.com", type: "TXT", content: "v=spf1 a mx ptr ~all" },
    ];
    const { reports } = checkSpf(planDnsRecords(withOldSpf("include:_spf.example.com"), "prepare"), others);
    // include:_spf (1) + its 4 + a.example.com's 3 + include:spf.protection.outlook.com (1)
    assert.equal(reports.find((r) => r.name === "example.com")!.lookups, 9);
  });

  it("refuses more than 10 lookups, naming the config key and the terms", () => {
    const spf = Array.from({ length: 10 }, (_, i) => `include:s${i}.senders.net`).join(" ");
    assert.throws(() => checkSpf(planDnsRecords(withOldSpf(spf), "prepare")), {
      message:
        /^mailshift:oldHost\.spf: SPF at example\.com needs 11 DNS lookups, more than the 10 receivers allow \(example\.com: include:s0\.senders\.net, .*\)\. Replace includes/,
    });
    // finalize drops the old host's terms: the same configuration is fine there
    assert.equal(checkSpf(planDnsRecords(withOldSpf(spf), "finalize")).reports[0]!.lookups, 1);
  });

  it("refuses a second SPF record at a name mailshift manages only when mailshift would add one there", () => {
    const other = [{ name: "mail2.example.com", type: "TXT", content: '"v=spf1 mx -all"' }];
    // an existing SPF at a managed name is the record being replaced, not a second one
    assert.equal(checkSpf(planDnsRecords(base, "prepare"), other).reports.length, 2);
    const twice = [
      ...planDnsRecords(base, "prepare"),
      { ...planDnsRecords(base, "prepare").find((r) => r.key === "sub-spf")!, key: "dup" },
    ];
    assert.throws(() => checkSpf(twice), { message: /^mailshift:newHost\.spf: mail2\.example\.com would get 2 SPF records/ });
  });

  it("the lookup count is monotone: adding a lookup term to the old host's SPF never lowers it", () => {
    const term = fc.oneof(
      fc.constantFrom("a", "mx", "ptr", "ip4:192.0.2.1", "ip6:2001:db8::1"),
      fc.stringMatching(/^[a-z]{1,8}$/).map((d) => `include:${d}.example.net`),
    );
    fc.assert(
      fc.property(fc.array(term, { maxLength: 6 }), term, (terms, extra) => {
        const count = (t: string[]) => checkSpf(planDnsRecords(withOldSpf(t.join(" ")), "copy")).reports[0]!.lookups;
        assert.ok(count([...terms, extra]) >= count(terms));
      }),
    );
  });
});
