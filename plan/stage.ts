// Stage logic: prepare -> copy -> cutover -> finalize. The previous stage is what the stack last deployed, given
// as mailshift:previousStage (the `stage` stack output says what to set). A change that skips a stage is refused
// unless mailshift:force is true; going back one stage (a rollback, e.g. cutover -> copy) is allowed.
import { cfgPath, PlanError } from "./errors";
import { STAGES, type Stage } from "./types";

export function stageIndex(s: Stage): number {
  return STAGES.indexOf(s);
}

export interface StageCheck {
  /** Set when the change was allowed only because of force. */
  forcedOver?: string;
}

export function checkStageChange(previous: Stage | undefined, next: Stage, force: boolean): StageCheck {
  const from = previous === undefined ? -1 : stageIndex(previous);
  const to = stageIndex(next);
  const skipped = to > from + 1 ? STAGES.slice(from + 1, to) : to < from - 1 ? STAGES.slice(to + 1, from) : [];
  if (skipped.length === 0) return {};
  const what =
    previous === undefined
      ? `the first deployment is stage ${next}, which skips ${skipped.join(", ")}`
      : `changing from ${previous} to ${next} skips ${skipped.join(", ")}`;
  if (force) return { forcedOver: `${what} (allowed by mailshift:force)` };
  const step = to > from ? STAGES[from + 1]! : STAGES[from - 1]!;
  throw new PlanError(
    cfgPath("stage"),
    what,
    `Deploy ${step} first (\`pulumi config set mailshift:stage ${step}\`), or set mailshift:force true if you mean it`,
  );
}

/** The delta-pass generation of a stage's migrations: copy 1, cutover 2, finalize 3; prepare copies nothing. */
export function syncGeneration(stage: Stage): number {
  return stageIndex(stage);
}
