import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { parseConfig } from "../../../plan/config";
import { noticePlanFromPlan } from "../../../notices/fromPlan";
import { buildPlan } from "../../../plan/plan";
import { STAGES, type Stage } from "../../../plan/types";
import { fromStackOutputs, renderReport } from "../../../report";
import { reportDataFromPlan } from "../../../report/fromPlan";
import { rawMailshift } from "../plan/stackFiles";

// What index.ts exports as stack outputs, from the same plan (its stage, addressChanges, dnsChanges, mailboxes, notices).
function outputsOf(plan: ReturnType<typeof buildPlan>): Record<string, unknown> {
  return {
    stage: plan.stage,
    addressChanges: plan.addressChanges.map((c) => `${c.from} -> ${c.to}`),
    dnsChanges: plan.dnsChanges.map((c) => `${c.action} ${c.type} ${c.name}${c.from ? ` from ${c.from}` : ""}${c.to ? ` to ${c.to}` : ""}`),
    mailboxes: plan.mailboxes.map((m) => ({ source: m.source, route: m.route, destination: m.destination })),
    warnings: plan.warnings,
    notices: JSON.parse(JSON.stringify(noticePlanFromPlan(plan) ?? null)),
  };
}

describe("report: from the plan (the Pulumi program's road)", () => {
  it("gives the same page as the stack outputs of the same plan, at every stage of the staging stack", () => {
    const now = new Date("2026-11-28T12:00:00Z");
    for (const stage of STAGES) {
      const i = STAGES.indexOf(stage);
      const raw = { ...rawMailshift("staging"), stage, ...(i > 0 ? { previousStage: STAGES[i - 1] as Stage } : {}) };
      const plan = buildPlan(parseConfig(raw));
      const a = reportDataFromPlan(plan);
      const b = fromStackOutputs(outputsOf(plan), "outputs.json");
      assert.deepEqual(a, b, stage);
      assert.equal(renderReport(a, now), renderReport(b, now));
      assert.equal(a.notes.length, 0, `${stage}: ${a.notes.join("; ")}`);
      assert.ok(
        a.dnsChanges.every((c) => (c.from?.ttl ?? c.to?.ttl) !== undefined),
        stage,
      );
    }
  });
});
