// plan/protection.ts: which mail records a production stack protects at each stage, checked against every stage
// move the stack allows (one forward, one back; forward skips with force): a protected record is never one a
// move deletes, since Pulumi would refuse the move.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseZoneFile } from "../../../dns/zonefile";
import { repoRoot } from "../../../harness/repoRoot";
import { parseConfig } from "../../../plan/config";
import { buildPlan, type MigrationPlan } from "../../../plan/plan";
import { planProtection, protectionOn, PROTECTED_ROLES } from "../../../plan/protection";
import { STAGES, type Stage } from "../../../plan/types";
import { roleOf } from "../../../plan/zoneRecords";
import { rawMailshift, STACKS, type StackName } from "./stackFiles";

const HAND = path.join(repoRoot(), "test", "fixtures", "zones", "bind-hand-written.zone");

function planFor(stack: StackName, stage: Stage, importZone: boolean): MigrationPlan {
  const raw: Record<string, unknown> = { ...rawMailshift(stack), stage, force: true };
  delete raw.previousStage;
  if (!importZone) return buildPlan(parseConfig(raw));
  // example.com's zone file imported into a created zone (the DNS move)
  const zone = parseZoneFile(fs.readFileSync(HAND, "utf8"), { file: HAND, origin: "example.com" }).records;
  const exchange = { ...(raw.exchange as object), mx: "example-com.mail.protection.outlook.com", verificationTxt: "MS=ms12345678" };
  return buildPlan(
    parseConfig({ ...raw, exchange, zoneFile: HAND, cloudflare: { zone: "create", accountId: "abcdefabcdefabcdefabcdefabcdef01" } }),
    zone,
    HAND,
  );
}

describe("plan/protection: production's mail records are protected, never in the way of a stage move", () => {
  it("is on for the stack named production, off for others, and mailshift:protect decides when set", () => {
    assert.equal(protectionOn("production", undefined).on, true);
    assert.equal(protectionOn("staging", undefined).on, false);
    assert.equal(protectionOn("production", false).on, false);
    assert.equal(protectionOn("staging", true).on, true);
    assert.equal(parseConfig({ ...rawMailshift("staging"), protect: "true" }).protect, true);
    assert.equal(parseConfig(rawMailshift("staging")).protect, undefined);
  });

  for (const importZone of [false, true]) {
    const stacks: readonly StackName[] = importZone ? ["production"] : STACKS;
    for (const stack of stacks) {
      it(`${stack}${importZone ? " with its zone file imported" : ""}: no protected record is deleted by the next stage, a forced skip forward or a rollback`, () => {
        const plans = Object.fromEntries(STAGES.map((s) => [s, planFor(stack, s, importZone)])) as Record<Stage, MigrationPlan>;
        let protectedSomething = 0;
        STAGES.forEach((stage, i) => {
          const plan = plans[stage];
          const p = planProtection(plan.recordKeysByStage, stage, "production", undefined);
          // every stage's own plan agrees with the keys this plan expects at that stage
          for (const s of STAGES) assert.deepEqual(plans[s].recordKeysByStage[s], plan.recordKeysByStage[s], `${stage}'s view of ${s}`);
          const reachable = [...STAGES.slice(i + 1), ...(i > 0 ? [STAGES[i - 1]!] : [])];
          for (const key of p.records) {
            assert.ok(PROTECTED_ROLES.includes(roleOf(key)), `${key} is not a mail record`);
            for (const to of reachable)
              assert.ok(plan.recordKeysByStage[to].includes(key), `${stage}: ${key} is protected but moving to ${to} deletes it`);
          }
          // every mail record is either protected or listed with the move that deletes it
          const mail = plan.recordKeysByStage[stage].filter((k) => PROTECTED_ROLES.includes(roleOf(k)));
          assert.deepEqual([...p.records, ...p.unprotected.map((u) => u.split(":")[0]!)].sort(), mail.sort());
          protectedSomething += p.records.length;
          // off: nothing protected
          assert.deepEqual(planProtection(plan.recordKeysByStage, stage, "staging", undefined).records, []);
        });
        assert.ok(protectedSomething > 0);
      });
    }
  }

  it("production without the import: the apex MX, SPF, DKIM, DMARC and the subdomain's records at every stage; autodiscover from finalize; the old host's second MX never", () => {
    const at = (stage: Stage) => planProtection(planFor("production", stage, false).recordKeysByStage, stage, "production", undefined);
    const always = ["apex-mx-0", "apex-spf", "dkim-selector1", "dkim-selector2", "dmarc", "sub-dkim", "sub-dmarc", "sub-mx", "sub-spf"];
    assert.deepEqual(at("prepare").records.sort(), [...always].sort());
    assert.deepEqual(at("copy").unprotected, ["apex-mx-1: stage cutover deletes it"]);
    assert.deepEqual(at("cutover").records.sort(), [...always].sort());
    assert.deepEqual(at("cutover").unprotected, ["autodiscover: rolling back to copy deletes it"]);
    assert.deepEqual(at("finalize").records.sort(), [...always, "autodiscover"].sort());
  });
});
