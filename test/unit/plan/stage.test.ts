import assert from "node:assert/strict";
import { checkStageChange, syncGeneration } from "../../../plan/stage";
import { STAGES } from "../../../plan/types";

describe("plan/stage: stage changes", () => {
  for (const from of [undefined, ...STAGES]) {
    for (const to of STAGES) {
      const i = from === undefined ? -1 : STAGES.indexOf(from);
      const j = STAGES.indexOf(to);
      const allowed = Math.abs(j - i) <= 1;
      it(`${from ?? "(first deployment)"} -> ${to} is ${allowed ? "allowed" : "refused unless forced"}`, () => {
        if (allowed) {
          assert.deepEqual(checkStageChange(from, to, false), {});
          return;
        }
        assert.throws(
          () => checkStageChange(from, to, false),
          (err: Error) => {
            assert.match(err.message, /^mailshift:stage: .* skips /);
            assert.match(err.message, /pulumi config set mailshift:stage \w+|mailshift:force true/);
            return true;
          },
        );
        assert.match(checkStageChange(from, to, true).forcedOver ?? "", /allowed by mailshift:force/);
      });
    }
  }

  it("names the skipped stages and the one to deploy first", () => {
    assert.throws(() => checkStageChange("prepare", "finalize", false), {
      message:
        "mailshift:stage: changing from prepare to finalize skips copy, cutover. Deploy copy first (`pulumi config set mailshift:stage copy`), or set mailshift:force true if you mean it",
    });
  });

  it("moves the sync generation on at copy, cutover and finalize", () => {
    assert.deepEqual(STAGES.map(syncGeneration), [0, 1, 2, 3]);
  });
});
