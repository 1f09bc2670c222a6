// Nothing irreversible by accident, under mocks: the resource options index.ts sends for each resource, read from
// the registration requests the engine would receive. Accounts holding mail are always retained; a production
// stack's zone and mail records are protected, except a record a stage move deletes (Pulumi would refuse it).
import assert from "node:assert/strict";
import { STAGES, type Stage } from "../../plan/types";
import { stackConfig } from "../unit/plan/stackFiles";
import { configFor, runProgram, type Declared } from "./runProgram";

const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const ACCOUNT_TYPES = [
  "azuread:index/user:User",
  "azuread:index/groupMember:GroupMember",
  "command:remote:Command",
  "pulumi-nodejs:dynamic/mailshift:CpanelMailAccount",
];
const CREATE_ZONE = { zone: "create", accountId: "abcdefabcdefabcdefabcdefabcdef01", importZoneFile: false };

const optionsOf = (d: Declared) => {
  assert.ok(d.options, `no options recorded for ${d.type} ${d.name}`);
  return d.options;
};
const protectedNames = (declared: Declared[]) =>
  declared
    .filter((d) => optionsOf(d).protect)
    .map((d) => d.name)
    .sort();
const accounts = (declared: Declared[]) =>
  declared.filter((d) => ACCOUNT_TYPES.includes(d.type) && /-(user|license)-|^imaphost-/.test(d.name));

describe("program under mocks: protect and retainOnDelete as the engine receives them", function () {
  this.timeout(120_000);

  it("production, every stage: mail records protected unless the next stages or a rollback delete them; accounts retained", async () => {
    const runs = {} as Record<Stage, { declared: Declared[]; exports: Record<string, unknown> }>;
    for (const stage of STAGES) runs[stage] = await runProgram(configFor("production", stage), "production");
    const recordNames = (s: Stage) => runs[s].declared.filter((d) => d.type === RECORD).map((d) => d.name);
    STAGES.forEach((stage, i) => {
      const { declared, exports } = runs[stage];
      const p = exports.protection as { on: boolean; records: string[]; unprotected: string[] };
      assert.equal(p.on, true);
      // only DNS records are protected here (the zone is given by id), exactly those the plan names
      assert.deepEqual(protectedNames(declared), p.records.map((k) => `dns-${k}`).sort());
      // a protected record is declared at every stage this one may move to: the move is never refused
      const reachable = [...STAGES.slice(i + 1), ...(i > 0 ? [STAGES[i - 1]!] : [])];
      for (const name of protectedNames(declared))
        for (const to of reachable) assert.ok(recordNames(to).includes(name), `${stage}: ${name} is protected but ${to} deletes it`);
      for (const d of [
        "dns-apex-mx-0",
        "dns-apex-spf",
        "dns-dkim-selector1",
        "dns-dkim-selector2",
        "dns-dmarc",
        "dns-sub-mx",
        "dns-sub-spf",
      ])
        assert.ok(protectedNames(declared).includes(d), `${stage}: ${d} is not protected`);
      // the MS= verification is not a mail record; the old host's second MX goes at cutover
      assert.ok(!protectedNames(declared).includes("dns-apex-ms-verification"));
      assert.ok(!protectedNames(declared).includes("dns-apex-mx-1"));
      assert.equal(protectedNames(declared).includes("dns-autodiscover"), stage === "finalize");
      // every account holding mail is retained when removed from the stack: 3 Entra users, their licenses, 3 cPanel accounts
      const acc = accounts(declared);
      assert.equal(acc.length, 9, acc.map((d) => d.name).join(", "));
      for (const d of acc) assert.equal(optionsOf(d).retainOnDelete, true, `${d.name} is not retained`);
    });
  });

  it("staging: nothing protected, Dovecot accounts and Entra users retained; mailshift:protect true protects it", async () => {
    const off = await runProgram(configFor("staging", "copy"), "staging");
    assert.deepEqual(protectedNames(off.declared), []);
    const acc = accounts(off.declared);
    assert.deepEqual(acc.filter((d) => d.type === "command:remote:Command").length, 2);
    for (const d of acc) assert.equal(optionsOf(d).retainOnDelete, true, `${d.name} is not retained`);
    const on = await runProgram(configFor("staging", "copy", { "mailshift:protect": true }), "staging");
    assert.ok(protectedNames(on.declared).includes("dns-apex-mx-0"));
    assert.equal((on.exports.protection as { reason: string }).reason, "mailshift:protect is true");
  });

  it("a created zone is protected in production, not in staging nor with mailshift:protect false", async () => {
    const zoneOf = (declared: Declared[]) => declared.find((d) => d.type === "cloudflare:index/zone:Zone")!;
    const prod = await runProgram(configFor("production", "prepare", { "mailshift:cloudflare": CREATE_ZONE }), "production");
    assert.equal(optionsOf(zoneOf(prod.declared)).protect, true);
    const lifted = await runProgram(
      configFor("production", "prepare", { "mailshift:cloudflare": CREATE_ZONE, "mailshift:protect": false }),
      "production",
    );
    assert.equal(optionsOf(zoneOf(lifted.declared)).protect, false);
    assert.deepEqual(protectedNames(lifted.declared), []);
    const staging = await runProgram(configFor("staging", "prepare", { "mailshift:cloudflare": CREATE_ZONE }), "staging");
    assert.equal(optionsOf(zoneOf(staging.declared)).protect, false);
    // the stack files name their own stacks: the example production stack protects, the staging one does not
    assert.equal(stackConfig("production")["mailshift:protect"], undefined);
  });
});
