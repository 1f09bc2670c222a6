// The page says only what is true: what mailshift does not move, whom to call when email does not work, and
// when the next DNS change happens.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { parseConfig } from "../../../plan/config";
import { buildPlan } from "../../../plan/plan";
import { noticePlanFromPlan } from "../../../notices/fromPlan";
import { STAGES } from "../../../plan/types";
import { fromStackOutputs, renderReport } from "../../../report";
import { rawMailshift } from "../plan/stackFiles";
import { OUTPUTS_FILE, readJson } from "./fixtures";

const NOW = new Date("2026-11-28T12:50:00Z");
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
const production = JSON.parse(JSON.stringify(noticePlanFromPlan(buildPlan(parseConfig(rawMailshift("production"))))));
const outputs = (stage: string, notices: unknown = production) => ({ ...(readJson(OUTPUTS_FILE) as object), stage, notices });

describe("report: what does not move, the backup channel, the next maintenance window", () => {
  it("no longer claims that contacts move, and lists what does not with what to do", () => {
    const page = text(renderReport(fromStackOutputs(outputs("cutover"), "o.json"), NOW));
    assert.doesNotMatch(page, /contacts move/i);
    assert.match(page, /What does not move/);
    for (const w of ["Calendars", "Contacts", "Filters and rules", "Automatic replies", "Signatures"]) assert.ok(page.includes(w), w);
    assert.match(page, /mailshift copies mail and folders \(with their read and flagged marks and dates\), nothing else/);
  });

  it("shows the backup channel from mailshift:notices.contact", () => {
    const html = renderReport(fromStackOutputs(outputs("copy"), "o.json"), NOW);
    assert.match(
      text(html),
      /Contact Example IT help desk : Phone: \+49 30 5550 1234 Web: https:\/\/status\.example\.net\/mail Email \(outside the domain that moves\): helpdesk@example-support\.net/,
    );
    assert.ok(html.includes('href="tel:+493055501234"'));
  });

  it("shows the maintenance window of the next DNS change: cutover's before it, finalize's after it, none at the end", () => {
    const at = (stage: string) =>
      /data-testid="next-window">([^\n]*)<\/p>/.exec(renderReport(fromStackOutputs(outputs(stage), "o.json"), NOW))?.[1];
    assert.match(at("prepare")!, /switching over\): <strong>Saturday 12 December 2026, 20:00 to 23:00 \(UTC\+01:00\)/);
    assert.match(at("copy")!, /Saturday 12 December 2026/);
    assert.match(at("cutover")!, /finishing\): <strong>Saturday 19 December 2026, 09:00 to 12:00 \(UTC\+01:00\)/);
    assert.equal(at("finalize"), undefined);
  });

  it("says plainly when no backup channel or window is configured", () => {
    for (const stage of STAGES.slice(0, 3)) {
      const html = renderReport(fromStackOutputs(outputs(stage, null), "o.json"), NOW);
      assert.ok(html.includes('data-testid="no-contact"'), stage);
      assert.match(html, /The date of the next DNS change is not set yet/);
    }
  });

  it("escapes the contact's name, and reads nothing but the named fields of the notices output", () => {
    const evil = { ...production, contact: { name: "<script>x</script> & Co", phone: "+1 555 0100", token: "SECRET-x" } };
    const html = renderReport(fromStackOutputs(outputs("copy", evil), "o.json"), NOW);
    assert.ok(!html.includes("<script>x"));
    assert.ok(html.includes("&lt;script&gt;x&lt;/script&gt; &amp; Co"));
    assert.ok(!html.includes("SECRET-x"));
  });
});
