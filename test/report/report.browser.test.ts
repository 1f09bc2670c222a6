// The report as a stakeholder sees it: `mailshift report` writes the page from the fixtures, headless Chromium
// opens it, the numbers in the DOM match the outputs it was built from, nothing is fetched, and a screenshot is
// kept for a person to look at.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "mocha";
import { pathToFileURL } from "node:url";
import { runReport } from "../../cli/report";
import { launchChromium, type Browser } from "./browser";

const FIXTURES = path.resolve(__dirname, "../../../test/fixtures/report");
const OUTPUTS = path.join(FIXTURES, "outputs.cutover.json");
const STATE = path.join(FIXTURES, "state.cutover.json");

interface Totals {
  onSource: number;
  onDestination: number;
  copied: number;
  skipped: number;
  bytesCopied: number;
}
const state = JSON.parse(fs.readFileSync(STATE, "utf8")) as {
  deployment: { resources: { outputs: { destination?: { user: string }; totals?: Totals; verified?: boolean; skipped?: unknown[] } }[] };
};
const outputs = JSON.parse(fs.readFileSync(OUTPUTS, "utf8")) as {
  mailboxes: { source: string; destination: string }[];
  addressChanges: string[];
};

describe("report in headless Chromium", function () {
  this.timeout(60_000);
  let browser: Browser;
  let dir: string;
  let file: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-report-"));
    file = path.join(dir, "report.html");
    const code = await runReport(["--stack-outputs", OUTPUTS, "--state", STATE, "--out", file], new Date("2026-11-28T12:50:00Z"));
    assert.equal(code, 0);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("renders, shows the outputs' numbers, fetches nothing, and saves a screenshot", async () => {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: "load" });

    assert.equal(await page.title(), "Mail migration report");
    assert.match((await page.textContent('[data-testid="stage-now"]')) ?? "", /Stage 3 of 4: Switching over/);

    // every mailbox row's numbers against the migration outputs it was built from
    for (const m of outputs.mailboxes) {
      const o = state.deployment.resources.map((r) => r.outputs).find((x) => x.destination?.user === m.destination)!;
      const row = page.locator(`tr[data-mailbox="${m.source}"]`);
      const n = async (field: string) => Number(((await row.locator(`[data-field="${field}"]`).textContent()) ?? "").replace(/,/g, ""));
      assert.equal(await n("onSource"), o.totals!.onSource, `${m.source} onSource`);
      assert.equal(await n("onDestination"), o.totals!.onDestination, `${m.source} onDestination`);
      assert.equal(await n("copied"), o.totals!.copied, `${m.source} copied`);
      assert.equal(await n("skipped"), o.totals!.skipped, `${m.source} skipped`);
      assert.equal(Number(await row.locator('[data-field="bytesCopied"]').getAttribute("data-bytes")), o.totals!.bytesCopied);
      assert.equal((await row.locator('[data-field="verified"]').textContent())?.trim(), o.verified ? "verified" : "not verified yet");
      // the chart has a bar for it, as wide as its share on the new mailbox
      const bars = page.locator(`svg.chart g[data-mailbox="${m.source}"] rect.done`);
      const full = Number(await page.locator(`svg.chart g[data-mailbox="${m.source}"] rect.todo`).getAttribute("width"));
      const w = Number(await bars.getAttribute("width"));
      assert.ok(Math.abs(w / full - o.totals!.onDestination / o.totals!.onSource) < 0.002, `${m.source} bar ${w}/${full}`);
    }
    const reasons = await page.locator('[data-field="reason"]').allTextContents();
    const skipped = state.deployment.resources.flatMap((r) => (r.outputs.skipped ?? []) as { reason: string }[]);
    assert.deepEqual(
      reasons,
      skipped.map((s) => s.reason),
    );

    // the folder named <script>...</script> is text, not a script
    assert.equal(await page.locator("script").count(), 0);
    assert.equal(await page.locator("img").count(), 0);
    assert.ok((await page.locator("td", { hasText: "<script>alert('folder')</script>" }).count()) > 0);
    assert.deepEqual(dialogs, []);

    assert.equal(await page.locator("tr[data-address]").count(), outputs.addressChanges.length);
    assert.match((await page.textContent('[data-testid="ready-at"]')) ?? "", /13:00 UTC/);

    // nothing but the page itself was requested
    assert.deepEqual(requests, [url]);

    const shot = path.join(os.tmpdir(), `mailshift-report-${process.pid}.png`);
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10_000);
    process.stdout.write(`      screenshot: ${shot}\n`);
    // the print layout, for a person to check as well
    await page.emulateMedia({ media: "print" });
    const printed = path.join(os.tmpdir(), `mailshift-report-${process.pid}-print.png`);
    await page.screenshot({ path: printed, fullPage: true });
    process.stdout.write(`      print view: ${printed}\n`);
  });
});
