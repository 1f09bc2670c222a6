// renderReport: ReportData to one self-contained HTML page (inline CSS and SVG, no script, nothing fetched).
// Pure: the same data and `now` give the same page, so the CLI and the Pulumi program can both call it.
import { NOT_MOVED, WHAT_MOVES } from "../notices/notMoved";
import { describeWindow } from "../notices/when";
import { describeCutoverWindow } from "../plan/cutoverWindow";
import { STAGES, type TimeWindow } from "../plan/types";
import { progressChart } from "./chart";
import { esc } from "./escape";
import { bytes, count, percent, span, when } from "./format";
import { DEFAULT_NEGATIVE_TTL, propagation } from "./propagation";
import { CHECKLISTS, STAGE_TEXT, stageNumber } from "./stageText";
import type { DnsChange, ReportData, ReportMailbox } from "./types";

export interface RenderOptions {
  /** The zone's negative-caching TTL (SOA minimum), for added records. */
  negativeTtl?: number;
  title?: string;
}

const CSS = `
:root{--ink:#1d2433;--mute:#5b6474;--line:#d8dde6;--ok:#2e7d4f;--warn:#b7791f;--todo:#d5dae2;--accent:#1f5fa8}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);margin:0;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:28px;margin:0 0 4px}h2{font-size:21px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:17px;margin:18px 0 6px}
.sub{color:var(--mute);margin:0}
.steps{display:flex;gap:6px;list-style:none;padding:0;margin:18px 0}
.steps li{flex:1;padding:8px 10px;border-radius:6px;background:#eef1f5;color:var(--mute);font-size:14px}
.steps li.past{background:#e3f1e8;color:var(--ok)}
.steps li.current{background:var(--accent);color:#fff;font-weight:600}
.now{font-size:18px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:15px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mute);font-size:13px;text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:var(--ok);font-weight:600}.warn{color:var(--warn);font-weight:600}
.chart .lbl,.chart .pct{font-size:13px;fill:var(--ink)}.chart .leg{font-size:12px;fill:var(--mute)}
.chart .done{fill:var(--ok)}.chart .skip{fill:var(--warn)}.chart .todo{fill:var(--todo)}
.box{border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:12px 0;break-inside:avoid}
.callout{background:#fff8e6;border-color:#f0d48a}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;overflow-wrap:anywhere}
ul.check{list-style:none;padding-left:0}ul.check li{padding:3px 0 3px 28px;position:relative}
ul.check li::before{content:"";position:absolute;left:4px;top:7px;width:14px;height:14px;border:2px solid var(--mute);border-radius:3px}
details summary{cursor:pointer;color:var(--accent)}
footer{margin-top:40px;color:var(--mute);font-size:13px}
@media print{
  body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
  h2{break-after:avoid}.box,tr,.chart{break-inside:avoid}
  .steps li.current{background:#fff;color:#000;border:2px solid #000}
  details summary{display:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}`;

const ROUTE_NAME: Record<string, string> = { exchange: "Exchange Online (Microsoft 365)", imap: "the new mail server" };

function stageSection(d: ReportData): string {
  const t = STAGE_TEXT[d.stage];
  const idx = STAGES.indexOf(d.stage);
  const steps = STAGES.map(
    (s, i) =>
      `<li class="${i < idx ? "past" : i === idx ? "current" : ""}"${i === idx ? ' aria-current="step"' : ""}>${i + 1}. ${esc(STAGE_TEXT[s].title)}</li>`,
  ).join("");
  return `<section id="stage"><h2>Where we are</h2>
<ol class="steps">${steps}</ol>
<p class="now" data-testid="stage-now"><strong>Stage ${stageNumber(d.stage)} of ${STAGES.length}: ${esc(t.title)}.</strong> ${esc(t.now)}</p>
<p data-testid="stage-next">${esc(t.next)}</p>
<p><strong>What you need to do:</strong> ${esc(t.users)}</p></section>`;
}

function mailboxRow(m: ReportMailbox): string {
  const p = m.progress;
  const route = esc(ROUTE_NAME[m.route] ?? m.route);
  if (!p)
    return `<tr data-mailbox="${esc(m.source)}"><td>${esc(m.source)}<br><small>to ${esc(m.destination)}, ${route}</small></td><td class="n" colspan="4">not copied yet</td><td>\u2014</td></tr>`;
  const status = p.verified
    ? `<span class="ok" data-field="verified">verified</span>`
    : p.lastError
      ? `<span class="warn" data-field="verified">stopped, will resume</span>`
      : `<span class="warn" data-field="verified">not verified yet</span>`;
  return `<tr data-mailbox="${esc(m.source)}"><td>${esc(m.source)}<br><small>to ${esc(m.destination)}, ${route}</small></td>
<td class="n"><span data-field="onDestination">${count(p.onDestination)}</span> of <span data-field="onSource">${count(p.onSource)}</span><br><small>${percent(p.onDestination, p.onSource)}%</small></td>
<td class="n" data-field="copied">${count(p.copied)}</td>
<td class="n" data-field="bytesCopied" data-bytes="${p.bytesCopied}">${bytes(p.bytesCopied)}</td>
<td class="n" data-field="skipped">${count(p.skipped)}</td>
<td>${status}${p.lastPassAt ? `<br><small>last copy ${esc(when(p.lastPassAt))}</small>` : ""}</td></tr>`;
}

function mailboxDetails(m: ReportMailbox): string {
  const p = m.progress;
  if (!p) return "";
  const folders = p.folders
    .map(
      (f) =>
        `<tr><td>${esc(f.folder)}</td><td class="n">${count(f.onDestination)} of ${count(f.onSource)}</td><td class="n">${count(f.copied)}</td><td class="n">${bytes(f.bytesCopied)}</td><td class="n">${count(f.skipped)}</td></tr>`,
    )
    .join("");
  const skipped = p.skippedMessages
    .map((s) => `<tr><td>${esc(s.folder)}</td><td class="n">${bytes(s.size)}</td><td data-field="reason">${esc(s.reason)}</td></tr>`)
    .join("");
  return `<div class="box" data-details="${esc(m.source)}"><h3>${esc(m.source)}</h3>
${p.lastError ? `<p class="warn">The last copy stopped on ${esc(when(p.lastError.at))}: ${esc(p.lastError.message)} The next run continues where it stopped.</p>` : ""}
<details open><summary>Folders</summary><table><thead><tr><th>Folder</th><th class="n">On the new mailbox</th><th class="n">Copied last time</th><th class="n">Size copied</th><th class="n">Not copied</th></tr></thead><tbody>${folders}</tbody></table></details>
${
  p.skipped > 0
    ? `<h3>Not copied, and why</h3><table><thead><tr><th>Folder</th><th class="n">Size</th><th>Reason</th></tr></thead><tbody>${skipped}</tbody></table>${p.skippedOmitted > 0 ? `<p>And ${count(p.skippedOmitted)} more; <code>mailshift verify</code> lists them all.</p>` : ""}`
    : ""
}</div>`;
}

function mailboxSection(d: ReportData): string {
  if (d.mailboxes.length === 0) return `<section id="mailboxes"><h2>Mailboxes</h2><p>No mailbox is planned.</p></section>`;
  const withProgress = d.mailboxes.filter((m) => m.progress);
  const intro =
    withProgress.length === 0
      ? `<p>No mail has been copied yet${d.stage === "prepare" ? ": copying starts in the next stage" : ""}.</p>`
      : `<p>${count(withProgress.filter((m) => m.progress!.verified).length)} of ${count(d.mailboxes.length)} mailboxes are verified: every message on the old server was found on the new one.</p>`;
  return `<section id="mailboxes"><h2>Mailboxes</h2>${intro}${progressChart(d.mailboxes)}
<table data-testid="mailbox-table"><thead><tr><th>Mailbox</th><th class="n">Messages on the new mailbox</th><th class="n">Copied last time</th><th class="n">Size copied</th><th class="n">Not copied</th><th>Status</th></tr></thead>
<tbody>${d.mailboxes.map(mailboxRow).join("")}</tbody></table>${d.mailboxes.map(mailboxDetails).join("")}</section>`;
}

function explain(c: DnsChange): string {
  const on = c.name;
  if (c.type === "MX") return `where mail for ${on} is delivered`;
  if (c.type === "TXT" && /v=spf1/i.test(`${c.to?.value ?? ""}${c.from?.value ?? ""}`)) return `which servers may send mail as ${on} (SPF)`;
  if (c.type === "TXT" && on.startsWith("_dmarc.")) return "what receivers do with mail that fails the checks (DMARC)";
  if (c.type === "TXT" && /MS=|verificationTxt/.test(`${c.to?.value ?? ""}`)) return "proves to Microsoft that we own the domain";
  if ((c.type === "CNAME" || c.type === "TXT") && on.includes("._domainkey.")) return "signing key for outgoing mail (DKIM)";
  if (c.type === "CNAME" && on.startsWith("autodiscover.")) return "lets Outlook find the new mailbox by itself";
  return "";
}

/** Values only the tenant knows at deployment, said in words. */
function display(v: string): string {
  return v
    .replace("(exchangeMx from the tenant)", "(Microsoft 365's mail server for the domain)")
    .replace("(verificationTxt from the tenant)", "(Microsoft 365's MS= verification code)")
    .replace(/\(dkimSelector[12] from the tenant\)/, "(the DKIM key name Exchange gives the domain)");
}

function ttlText(ttl: number | undefined): string {
  return ttl === undefined ? "" : ` <small>(kept by resolvers for ${esc(span(ttl))})</small>`;
}

function dnsSection(d: ReportData, now: Date, negativeTtl: number): string {
  if (d.dnsChanges.length === 0)
    return `<section id="dns"><h2>DNS changes in this stage</h2><p data-testid="propagation">This stage changes no DNS records.</p></section>`;
  const p = propagation(d.dnsChanges, d.deployedAt, now, negativeTtl);
  const ready = p.readyAt
    ? p.done
      ? `They have reached every resolver since ${esc(when(p.readyAt))}.`
      : `They will have reached every resolver by <strong data-testid="ready-at">${esc(when(p.readyAt))}</strong> (${esc(span(p.seconds))} after they were made on ${esc(when(d.deployedAt!))}).`
    : `They will have reached every resolver within <strong>${esc(span(p.seconds))}</strong> after <code>pulumi up</code> makes them.`;
  const verb = { add: "Add", change: "Change", remove: "Remove" } as const;
  const rows = d.dnsChanges
    .map(
      (c) =>
        `<tr><td>${verb[c.action]}</td><td><code>${esc(c.type)} ${esc(c.name)}</code><br><small>${esc(explain(c))}</small></td><td>${c.from ? `<code>${esc(display(c.from.value))}</code>${ttlText(c.from.ttl)}` : "\u2014"}</td><td>${c.to ? `<code>${esc(display(c.to.value))}</code>${ttlText(c.to.ttl)}` : "\u2014"}</td></tr>`,
    )
    .join("");
  return `<section id="dns"><h2>DNS changes in this stage</h2>
<p data-testid="propagation" data-seconds="${p.seconds}">${count(d.dnsChanges.length)} DNS record${d.dnsChanges.length === 1 ? "" : "s"} change in this stage. ${ready}</p>
<table><thead><tr><th>What</th><th>Record</th><th>Before</th><th>After</th></tr></thead><tbody>${rows}</tbody></table>
${
  d.stage === "prepare"
    ? `<p class="box callout" data-testid="prepare-ttl">Where a record added here replaces one the zone already had (the MX and SPF records of the old host), resolvers keep the old record for <em>its</em> TTL, which this report cannot see: wait that long (often an hour, sometimes a day) after this stage before cutover, so that the lowered TTLs are in effect everywhere.</p>`
    : ""
}
<p><small>Resolvers keep an old answer for its TTL; a new name someone asked for before it existed is remembered as missing for the zone's negative-caching time (${esc(span(negativeTtl))} assumed).</small></p></section>`;
}

function addressSection(d: ReportData): string {
  if (d.addressChanges.length === 0)
    return `<section id="addresses"><h2>Address changes</h2><p>Nobody's email address changes.</p></section>`;
  const forwarded = d.mailboxes.some((m) => m.route === "exchange");
  const rows = d.addressChanges
    .map((c) => `<tr data-address="${esc(c.from)}"><td>${esc(c.from)}</td><td><strong>${esc(c.to)}</strong></td></tr>`)
    .join("");
  return `<section id="addresses"><h2>Address changes</h2>
<p>These people get a new email address. Their mail and folders are copied to the new mailbox; calendars, contacts and the rest are not (see <a href="#not-moved">what does not move</a>).</p>
<table><thead><tr><th>Old address</th><th>New address</th></tr></thead><tbody>${rows}</tbody></table>
<div class="box callout"><h3>If your address changes, please</h3><ul>
<li>From cutover on, give your new address to the people and services you correspond with.</li>
<li>Update your email signature, business cards and website contact details.</li>
<li>Update accounts that use your old address to log in or to send you notices (banks, suppliers, subscriptions).</li>
<li>Set up your mail app with the new mailbox when IT sends you its settings.</li>
${forwarded ? "<li>Mail sent to your old address keeps reaching you: it is forwarded to the new one.</li>" : ""}
</ul></div></section>`;
}

function notMovedSection(): string {
  const items = NOT_MOVED.map((n) => `<li><strong>${esc(n.what)}</strong>: ${esc(n.todo("Outlook or the new account"))}</li>`).join("\n");
  return `<section id="not-moved"><h2>What does not move</h2>
<p>mailshift copies ${esc(WHAT_MOVES)}, nothing else. The rest stays on the old server, and each person brings over what they need before it is retired:</p>
<ul data-testid="not-moved">
${items}
</ul></section>`;
}

/** The maintenance window of the next stage that changes where mail goes, from the current one. */
function nextWindow(d: ReportData): { stage: "cutover" | "finalize"; window: TimeWindow } | undefined {
  const next = d.stage === "prepare" || d.stage === "copy" ? "cutover" : d.stage === "cutover" ? "finalize" : undefined;
  const window = next ? d.windows?.[next] : undefined;
  return next && window ? { stage: next, window } : undefined;
}

function contactSection(d: ReportData): string {
  const w = nextWindow(d);
  const windowText = w
    ? `<p data-testid="next-window">Next maintenance window (${esc(STAGE_TEXT[w.stage].title.toLowerCase())}): <strong>${esc(describeWindow(w.window))}</strong>.</p>`
    : d.stage === "finalize"
      ? ""
      : `<p data-testid="next-window">The date of the next DNS change is not set yet (mailshift:notices.windows).</p>`;
  const c = d.contact;
  if (!c)
    return `<section id="help"><h2>When email does not work</h2>${windowText}<p class="box callout" data-testid="no-contact">No backup channel is set: give people a phone number or a web page that works when email does not (mailshift:notices.contact).</p></section>`;
  const ways = [
    c.phone ? `<li>Phone: <a href="tel:${esc(c.phone.replace(/[^+0-9]/g, ""))}">${esc(c.phone)}</a></li>` : "",
    c.url ? `<li>Web: <a href="${esc(c.url)}">${esc(c.url)}</a></li>` : "",
    c.email ? `<li>Email (outside the domain that moves): <a href="mailto:${esc(c.email)}">${esc(c.email)}</a></li>` : "",
  ].join("");
  return `<section id="help"><h2>When email does not work</h2>${windowText}
<p data-testid="contact">Contact <bdi>${esc(c.name)}</bdi>:</p><ul>${ways}</ul></section>`;
}

/** How long mail was in flux: from the MX change to every late message verified on its new home. */
function cutoverSection(d: ReportData): string {
  const w = d.cutoverWindow;
  if (!w) return "";
  return `<section id="cutover-window"><h2>Cutover window</h2><p data-testid="cutover-window" data-state="${w.closedAt ? "closed" : "open"}">${esc(describeCutoverWindow(w))}</p></section>`;
}

function checklistSection(d: ReportData): string {
  const idx = STAGES.indexOf(d.stage);
  const lists = CHECKLISTS.map((c) => {
    const passed = STAGES.indexOf(c.stage) <= idx;
    return `<div class="box" data-checklist="${c.stage}"><h3>${esc(c.title)}${passed ? " <small>(done)</small>" : ""}</h3><ul class="check">${c.items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul></div>`;
  }).join("");
  return `<section id="checklist"><h2>Checklists</h2>${lists}</section>`;
}

function notesSection(d: ReportData): string {
  const all = [...d.warnings, ...d.notes];
  if (all.length === 0) return "";
  return `<section id="notes"><h2>Notes for IT</h2><ul>${all.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></section>`;
}

export function renderReport(data: ReportData, now: Date, options: RenderOptions = {}): string {
  const title = options.title ?? "Mail migration report";
  const domains = [...new Set(data.mailboxes.map((m) => m.source.slice(m.source.lastIndexOf("@") + 1)))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="sub">${domains.length ? `${esc(domains.join(", "))} \u00b7 ` : ""}as of ${esc(when(now))}</p>
${stageSection(data)}
${contactSection(data)}
${cutoverSection(data)}
${mailboxSection(data)}
${dnsSection(data, now, options.negativeTtl ?? DEFAULT_NEGATIVE_TTL)}
${addressSection(data)}
${notMovedSection()}
${checklistSection(data)}
${notesSection(data)}
<footer>Made by mailshift from the stack's outputs on ${esc(when(now))}. Times are in UTC.</footer>
</main></body></html>
`;
}
