import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { STAGES } from "../../../plan/types";
import { fromStackOutputs, mergeStateExport, mergeSyncSummary, renderReport, type ReportData } from "../../../report";
import { STAGE_TEXT } from "../../../report/stageText";
import { OUTPUTS_FILE, readJson, STATE_FILE } from "./fixtures";

const NOW = new Date("2026-11-28T12:50:00Z");
const stateRaw = readJson(STATE_FILE) as { deployment: { resources: { outputs: Record<string, unknown> }[] } };
const data = (): ReportData => mergeStateExport(fromStackOutputs(readJson(OUTPUTS_FILE), OUTPUTS_FILE), stateRaw, STATE_FILE);

/** The text of the table row of a mailbox (tags removed, entities decoded back). */
function rowText(html: string, source: string): string {
  const m = new RegExp(`<tr data-mailbox="${source.replace(/\./g, "\\.")}">([\\s\\S]*?)</tr>`).exec(html);
  assert.ok(m, `no row for ${source}`);
  return m[1]!.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

describe("report: renderReport", () => {
  it("shows each mailbox's counts as the migration outputs give them", () => {
    const html = renderReport(data(), NOW);
    for (const r of stateRaw.deployment.resources.slice(1)) {
      const o = r.outputs as { destination: { user: string }; totals: Record<string, number>; verified: boolean };
      const source = o.destination.user === "alice@example.com" ? "alice@example.com" : "bob@example.com";
      const row = rowText(html, source);
      const t = o.totals;
      assert.match(row, new RegExp(`${t.onDestination!.toLocaleString("en-US")} of ${t.onSource!.toLocaleString("en-US")}`));
      assert.match(html, new RegExp(`data-field="copied">${t.copied!.toLocaleString("en-US")}<`));
      assert.match(html, new RegExp(`data-bytes="${t.bytesCopied}"`));
      assert.match(row, o.verified ? /verified/ : /not verified yet/);
    }
    // bob: 2,341 of 2,347 with 6 not copied
    assert.match(rowText(html, "bob@example.com"), /2,341 of 2,347 99\.7% .* 6 not verified yet/);
  });

  it("escapes folder names and reasons from servers: no markup of theirs survives", () => {
    const html = renderReport(data(), NOW);
    assert.ok(!html.includes("<script"), "a <script> tag reached the page");
    assert.ok(!html.includes("<img"), "an <img> tag reached the page");
    assert.ok(html.includes("&lt;script&gt;alert(&#39;folder&#39;)&lt;/script&gt;"));
    assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt; refused"));
    assert.ok(html.includes("Projects &amp; &quot;Plans&quot;"));
  });

  it("never copies a secret from the inputs into the page", () => {
    const html = renderReport(data(), NOW);
    for (const s of ["SECRET-alice-pw", "SECRET-bob-pw", "SECRET-graph-do-not-print", "__provider", "serialized"])
      assert.ok(!html.includes(s), `${s} is in the page`);
  });

  it("lists every skipped message with its reason", () => {
    const html = renderReport(data(), NOW);
    assert.equal((html.match(/data-field="reason"/g) ?? []).length, 6);
    assert.ok(html.includes("larger than the destination&#39;s 35 MB message size limit"));
  });

  it("says per stage what happens now and next, and marks the current step", () => {
    for (const stage of STAGES) {
      const html = renderReport({ ...data(), stage }, NOW);
      const i = STAGES.indexOf(stage) + 1;
      assert.ok(html.includes(`Stage ${i} of 4: ${STAGE_TEXT[stage].title}.`), stage);
      assert.match(html, new RegExp(`aria-current="step">${i}\\. ${STAGE_TEXT[stage].title}<`));
      assert.equal((html.match(/aria-current/g) ?? []).length, 1);
    }
    assert.match(renderReport({ ...data(), stage: "copy" }, NOW), /Next: cutover/);
    assert.match(renderReport({ ...data(), stage: "finalize" }, NOW), /This is the last stage/);
  });

  it("tells when the DNS changes will have propagated, from the old TTLs and the deployment time", () => {
    const d = { ...data(), deployedAt: "2026-11-28T12:30:00.000Z" };
    // three changes: two with an old TTL of 300 s, one added (negative TTL 1800 s): ready at 13:00
    assert.match(renderReport(d, NOW), /by <strong data-testid="ready-at">Sat, 28 Nov 2026 13:00 UTC<\/strong> \(30 minutes after/);
    assert.match(renderReport(d, new Date("2026-11-28T13:01:00Z")), /reached every resolver since Sat, 28 Nov 2026 13:00 UTC/);
    // a short negative TTL leaves the old 300 s TTL as the longest: 12:35
    assert.match(renderReport(d, new Date("2026-11-28T12:31:00Z"), { negativeTtl: 60 }), /ready-at">Sat, 28 Nov 2026 12:35 UTC</);
    const unknown: ReportData = { ...d };
    delete unknown.deployedAt;
    assert.match(renderReport(unknown, NOW), /within <strong>30 minutes<\/strong> after <code>pulumi up<\/code>/);
    assert.match(renderReport({ ...d, dnsChanges: [] }, NOW), /This stage changes no DNS records/);
    // in prepare, records that replace the zone's own keep the old TTL, which the outputs do not give: said so
    assert.match(renderReport({ ...d, stage: "prepare" }, NOW), /data-testid="prepare-ttl"/);
    assert.doesNotMatch(renderReport(d, NOW), /data-testid="prepare-ttl"/);
  });

  it("names the users whose address changes, with what to do", () => {
    const html = renderReport(data(), NOW);
    assert.match(html, /<td>bob@example\.com<\/td><td><strong>bob@mail2\.example\.com<\/strong>/);
    assert.match(html, /forwarded to the new one/);
    assert.match(renderReport({ ...data(), addressChanges: [] }, NOW), /Nobody.s email address changes/);
  });

  it("has the cutover and finalize checklists, marking those already passed", () => {
    const html = renderReport(data(), NOW);
    assert.match(html, /data-checklist="cutover"><h3>Before cutover <small>\(done\)<\/small>/);
    assert.match(html, /data-checklist="finalize"><h3>Before finalize<\/h3>/);
  });

  it("is self-contained: no script, no external reference, print styles", () => {
    const html = renderReport(data(), NOW);
    assert.ok(
      !/<script|<link|src=|url\(|@import|https?:\/\//i.test(html.replace(/&lt;[\s\S]*?&gt;/g, "")),
      "page refers to something outside",
    );
    assert.match(html, /@media print/);
    assert.match(html, /<svg class="chart"/);
  });

  it("a mailshift sync summary stands for the mailbox it copied to", () => {
    const summary = {
      source: "carol@imap.oldhost.net:993",
      destination: "bob@mail2.example.com@mail.newhost.net:993",
      folders: [
        {
          folder: "INBOX",
          destination: "INBOX",
          onSource: 10,
          alreadyPresent: 4,
          copied: 5,
          bytesCopied: 5000,
          flagsUpdated: 0,
          skipped: [{ folder: "INBOX", uid: 1, messageId: "x", size: 9, reason: "too big" }],
        },
      ],
      verified: false,
      finishedAt: "2026-11-28T12:00:00Z",
    };
    const d = mergeSyncSummary(data(), summary, "s.json");
    const bob = d.mailboxes.find((m) => m.source === "bob@example.com")!;
    assert.deepEqual([bob.progress!.onSource, bob.progress!.onDestination, bob.progress!.copied, bob.progress!.skipped], [10, 9, 5, 1]);
    assert.match(rowText(renderReport(d, NOW), "bob@example.com"), /9 of 10 90% 5 4\.9 KB 1/);
  });
});
