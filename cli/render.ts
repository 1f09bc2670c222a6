// Text summaries for a terminal. The JSON form is the summary object itself.
import type { AuditReport, SyncSummary, VerifyReport } from "../engine";
import { bytes, count, duration } from "../report/format";

/** Text columns (the first `textColumns`) are left-aligned, numbers right-aligned. */
function table(rows: string[][], textColumns = 1): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function renderSync(s: SyncSummary): string {
  const rows = [["folder", "-> destination", "on source", "present", "copied", "bytes", "flags set", "skipped"]];
  for (const f of s.folders) {
    rows.push([
      f.folder,
      `-> ${f.destination}`,
      count(f.onSource),
      count(f.alreadyPresent),
      count(f.copied),
      bytes(f.bytesCopied),
      count(f.flagsUpdated),
      count(f.skipped.length),
    ]);
  }
  const t = s.totals;
  rows.push([
    "total",
    "",
    count(t.onSource),
    count(t.alreadyPresent),
    count(t.copied),
    bytes(t.bytesCopied),
    count(t.flagsUpdated),
    count(t.skipped),
  ]);
  const out = [`${s.source} -> ${s.destination}`, table(rows, 2)];
  const skipped = s.folders.flatMap((f) => f.skipped);
  if (skipped.length) {
    out.push("", "skipped (not copied):");
    for (const k of skipped) out.push(`  ${k.folder} uid ${k.uid} ${k.messageId || "(no Message-ID)"} ${bytes(k.size)}: ${k.reason}`);
  }
  for (const f of s.folders) {
    const kw = Object.entries(f.unsupportedFlags);
    if (kw.length) out.push(`note: ${f.destination} cannot store the keywords ${kw.map(([k, n]) => `${k} (${n} messages)`).join(", ")}`);
    for (const n of f.notes) out.push(`note: ${f.folder}: ${n}`);
  }
  for (const e of s.excluded) out.push(`excluded: ${e.folder}: ${e.reason}`);
  if (s.unchangedFolders) out.push(`${count(s.unchangedFolders)} folders unchanged on both sides since the last run: not listed again`);
  out.push(
    "",
    s.verified
      ? `verified: every source message is on the destination (${count(t.onSource)} messages, ${duration(s.durationMs)}${s.retries ? `, ${s.retries} retries` : ""})`
      : `NOT verified: ${count(s.missing)} source messages are not on the destination${skipped.length ? " (see skipped above)" : ""}`,
  );
  return out.join("\n");
}

export function renderAudit(a: AuditReport): string {
  const rows = [["folder", "messages", "size", "largest"]];
  for (const f of a.folders) rows.push([f.folder, count(f.messages), bytes(f.bytes), bytes(f.largest)]);
  rows.push(["total", count(a.totals.messages), bytes(a.totals.bytes), bytes(a.totals.largest)]);
  return [
    `${a.mailbox}`,
    table(rows),
    "",
    `the new mailbox's quota must hold at least ${bytes(a.totals.bytes)} (${a.totals.bytes} bytes)`,
  ].join("\n");
}

function verdict(v: VerifyReport): string {
  if (v.missing) return `NOT verified: ${count(v.missing)} source messages are missing on the destination`;
  if (!v.rewritten) return "verified: every source message is on the destination";
  // The server changed them when it stored them, not the copy: there, and said so.
  return `verified: every source message is on the destination, ${count(v.rewritten)} of them stored altered by the destination server (listed above)`;
}

export function renderVerify(v: VerifyReport): string {
  const rows = [["folder", "-> destination", "on source", "found", "missing", "flags differ", "rewritten"]];
  for (const f of v.folders)
    rows.push([
      f.folder,
      `-> ${f.destination}`,
      count(f.onSource),
      count(f.found),
      count(f.missing.length),
      count(f.flagMismatches),
      count(f.rewritten),
    ]);
  const out = [
    `${v.source} -> ${v.destination} (${v.deep ? "every message's bytes compared" : "message identities compared"})`,
    table(rows, 2),
  ];
  for (const f of v.folders)
    for (const m of f.missing)
      out.push(`missing: ${m.folder} uid ${m.uid} ${m.messageId || "(no Message-ID)"} ${bytes(m.size)} ${m.internalDate}`);
  for (const f of v.folders)
    for (const m of f.altered)
      out.push(`altered by the destination: ${f.folder} uid ${m.uid} ${m.messageId || "(no Message-ID)"}: ${m.how}`);
  out.push("", verdict(v));
  return out.join("\n");
}
