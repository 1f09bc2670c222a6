// The progress chart: one horizontal bar per mailbox, drawn as inline SVG (no script, no external file), so it
// shows offline and prints. Green: on the new mailbox; amber: not copied (see reasons); grey: still to copy.
import { esc } from "./escape";
import { count, percent } from "./format";
import type { ReportMailbox } from "./types";

const WIDTH = 760;
const LABEL = 250;
const BAR = WIDTH - LABEL - 70;
const ROW = 30;

export function progressChart(mailboxes: readonly ReportMailbox[]): string {
  const rows = mailboxes.filter((m) => m.progress);
  if (rows.length === 0) return "";
  const height = rows.length * ROW + 30;
  const parts: string[] = [];
  rows.forEach((m, i) => {
    const p = m.progress!;
    const y = i * ROW + 6;
    const whole = Math.max(p.onSource, 1);
    const done = Math.min(p.onDestination, whole);
    const skipped = Math.min(p.skipped, whole - done);
    const wDone = (done / whole) * BAR;
    const wSkip = (skipped / whole) * BAR;
    const pct = percent(p.onDestination, p.onSource);
    parts.push(
      `<g data-mailbox="${esc(m.source)}">` +
        `<title>${esc(m.source)}: ${esc(count(p.onDestination))} of ${esc(count(p.onSource))} messages on the new mailbox</title>` +
        `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end" class="lbl">${esc(m.source)}</text>` +
        `<rect x="${LABEL}" y="${y}" width="${BAR}" height="20" class="todo"/>` +
        `<rect x="${LABEL}" y="${y}" width="${wDone.toFixed(1)}" height="20" class="done"/>` +
        (wSkip > 0 ? `<rect x="${(LABEL + wDone).toFixed(1)}" y="${y}" width="${wSkip.toFixed(1)}" height="20" class="skip"/>` : "") +
        `<text x="${LABEL + BAR + 8}" y="${y + 15}" class="pct">${esc(pct)}%</text>` +
        `</g>`,
    );
  });
  const ly = rows.length * ROW + 14;
  const legend =
    `<rect x="${LABEL}" y="${ly}" width="12" height="12" class="done"/><text x="${LABEL + 16}" y="${ly + 10}" class="leg">on the new mailbox</text>` +
    `<rect x="${LABEL + 150}" y="${ly}" width="12" height="12" class="skip"/><text x="${LABEL + 166}" y="${ly + 10}" class="leg">not copied (reasons below)</text>` +
    `<rect x="${LABEL + 340}" y="${ly}" width="12" height="12" class="todo"/><text x="${LABEL + 356}" y="${ly + 10}" class="leg">still to copy</text>`;
  return `<svg class="chart" role="img" aria-label="Messages on the new mailbox, per mailbox" viewBox="0 0 ${WIDTH} ${height}" width="100%">${parts.join("")}${legend}</svg>`;
}
