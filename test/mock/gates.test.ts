// The whole program (index.ts) under mocks, as `pulumi preview` runs it, for every stage of both example stacks:
// the outputs name what blocks the next stage. (The real CLI cannot run index.ts here: the Cloudflare, azuread and
// command plugins cannot be built; test/e2e/gates.test.ts runs the same gates on the sandbox stack with the CLI.)
// Under mocks the stack has no last outputs and the world's gates are passed over (runProgram.ts): so the next
// stage's blockers are those of a stack that has deployed nothing yet, which is what its first preview shows.
import assert from "node:assert/strict";
import { STAGES } from "../../plan/types";
import { stackConfig, STACKS } from "../unit/plan/stackFiles";
import { configFor, runProgram } from "./runProgram";

describe("program under mocks: nextStageBlockers of every stage of both example stacks", function () {
  this.timeout(60_000);
  for (const stack of STACKS) {
    const mailboxes = (stackConfig(stack)["mailshift:mailboxes"] as { address: string }[]).map((m) => m.address);
    for (const stage of STAGES) {
      it(`${stack}/${stage}`, async () => {
        const { exports } = await runProgram(configFor(stack, stage));
        const blockers = exports.nextStageBlockers as string[];
        const state = exports.gateState as { stage: string; overrides: { gate: string }[] };
        assert.equal(state.stage, stage);
        if (stage === "prepare") assert.deepEqual(blockers, ["nothing blocks copy: pulumi config set mailshift:stage copy && pulumi up"]);
        if (stage === "copy") {
          // the first preview: no pass deployed, the TTL about to be published, the delegation not checked
          for (const m of mailboxes)
            assert.ok(
              blockers.some((b) => b.startsWith(`cutover [migrations-verified]: ${m}: no copy deployed yet`)),
              blockers.join("\n"),
            );
          assert.ok(
            blockers.some((b) => /^cutover \[ttl-propagated\]: the lowered TTL was published at .*, \d+ s ago/.test(b)),
            blockers.join("\n"),
          );
          assert.ok(
            blockers.some((b) => b.startsWith("cutover [delegation]:")),
            blockers.join("\n"),
          );
          assert.ok(
            blockers.some((b) => b.startsWith("cutover [preflight]: no preflight has run")),
            blockers.join("\n"),
          );
        }
        if (stage === "cutover") {
          assert.ok(
            blockers.some((b) => /^finalize \[time-since-cutover\]: cutover was deployed at .*: wait 5 days more/.test(b)),
            blockers.join("\n"),
          );
          for (const m of mailboxes)
            assert.ok(
              blockers.some((b) => b.startsWith(`finalize [final-pass-verified]: ${m}:`)),
              blockers.join("\n"),
            );
        }
        if (stage === "finalize") assert.deepEqual(blockers, []);
      });
    }
  }
});
