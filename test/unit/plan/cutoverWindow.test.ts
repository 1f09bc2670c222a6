// The cutover window: from the MX change to every late message verified on its new home, as the page shows it.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { cutoverWindow, describeCutoverWindow } from "../../../plan/cutoverWindow";
import type { MigrationFact } from "../../../plan/gates";
import { fromStackOutputs, renderReport } from "../../../report";
import { OUTPUTS_FILE, readJson } from "../report/fixtures";

const AT = "2026-12-10T20:00:00.000Z";
const pass = (source: string, generation: number, lastPassAt: string, over: Partial<MigrationFact> = {}): MigrationFact => ({
  source,
  generation,
  verified: true,
  missing: 0,
  lastPassAt,
  ...over,
});

describe("plan/cutoverWindow: how long mail was in flux", () => {
  it("none before cutover is deployed", () => {
    assert.equal(cutoverWindow(undefined, [pass("a@x.org", 1, AT)]), undefined);
  });

  it("closes at the last mailbox's final pass, verified with nothing missing", () => {
    const w = cutoverWindow(AT, [pass("a@x.org", 3, "2026-12-15T20:02:00.000Z"), pass("b@x.org", 3, "2026-12-15T20:03:30.000Z")])!;
    assert.deepEqual(w, { openedAt: AT, closedAt: "2026-12-15T20:03:30.000Z", seconds: 5 * 86400 + 210, waitingFor: [] });
    assert.match(
      describeCutoverWindow(w),
      /^The cutover window lasted 5 days: from the MX change at 2026-12-10T20:00:00.000Z to every late/,
    );
  });

  it("stays open while a mailbox has only its cutover pass, a final pass that is not verified, or mail missing", () => {
    const w = cutoverWindow(AT, [
      pass("a@x.org", 2, "2026-12-10T20:01:00.000Z"),
      pass("b@x.org", 3, "2026-12-15T20:01:00.000Z", { verified: false }),
      pass("c@x.org", 3, "2026-12-15T20:01:00.000Z", { missing: 1 }),
      pass("d@x.org", 3, "2026-12-15T20:01:00.000Z"),
    ])!;
    assert.equal(w.closedAt, undefined);
    assert.deepEqual(w.waitingFor, ["a@x.org", "b@x.org", "c@x.org"]);
    assert.equal(
      describeCutoverWindow(w),
      `The cutover window is open since the MX change at ${AT}; waiting for the final verified pass of a@x.org, b@x.org, c@x.org.`,
    );
  });

  it("is on the page when the data has it, and absent otherwise", () => {
    const data = fromStackOutputs({ ...(readJson(OUTPUTS_FILE) as object), stage: "finalize" }, "o.json");
    const now = new Date("2026-12-16T00:00:00Z");
    assert.doesNotMatch(renderReport(data, now), /data-testid="cutover-window"/);
    const w = cutoverWindow(AT, [pass("a@x.org", 3, "2026-12-10T20:00:42.000Z")])!;
    const html = renderReport({ ...data, cutoverWindow: w }, now);
    assert.match(html, /<p data-testid="cutover-window" data-state="closed">The cutover window lasted 42 s: /);
  });
});
