// Preflight decisions: from what probing each mailbox's source and destination found (world/probe.ts), what is
// a problem and how the table reads. Pure. A problem names the mailbox, the side, the server and what to do.

export type Side = "source" | "destination";

/** What one probe of one server for one mailbox found. `undefined` in a step: the probe did not get that far. */
export interface ProbeResult {
  /** The mailbox as mailshift:mailboxes names it (its source address). */
  mailbox: string;
  side: Side;
  /** "user@host:port", no secret. */
  label: string;
  host: string;
  port: number;
  /** "implicit" or "starttls". */
  tls: string;
  /** Where the password comes from, for the fix: `mailshift:passwords["a@b"].source`, `MAILSHIFT_FROM_PASSWORD`. */
  credential: string;
  /** Not probed, and why (an account `pulumi up` has not created yet). */
  notProbed?: string;
  /** TCP connect: undefined when it worked, else the error code or text. */
  portError?: string;
  /** TLS handshake and certificate check against `host`: undefined when valid. */
  tlsError?: string;
  /** No TLS offered, and a plaintext login allowed (a host on this machine, or `insecure`), as the copy allows it. */
  plaintext?: boolean;
  /** The names the certificate is for, when it was seen. */
  certificateNames?: string[];
  loginError?: string;
  capabilities?: string[];
  /** SELECT INBOX after login: undefined when it worked (the mailbox has IMAP enabled). */
  inboxError?: string;
  /** From GETQUOTAROOT INBOX, in bytes; undefined limit: no quota reported. */
  quota?: { usedBytes: number; limitBytes?: number };
  /** The audited size of the source mailbox (mailshift:audit, mailshift:auditFile), for the destination's quota. */
  auditedBytes?: number;
}

export interface PreflightRow {
  mailbox: string;
  side: string;
  server: string;
  port: string;
  tls: string;
  login: string;
  imap: string;
  quota: string;
}

export interface PreflightReport {
  rows: PreflightRow[];
  /** One sentence per problem; empty: preflight passed. */
  problems: string[];
  /** Things to know that block nothing (no quota reported, no audit to compare with, not probed yet). */
  notes: string[];
}

/** IMAP capabilities the copy relies on: without one of these the server is not an IMAP4 server. */
export const REQUIRED_ANY = ["IMAP4REV1", "IMAP4REV2"];

const gib = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

/** The problems and the table from every probe result, in the order given. */
export function judgePreflight(results: readonly ProbeResult[]): PreflightReport {
  const rows: PreflightRow[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  for (const r of results) {
    const who = `${r.mailbox} ${r.side} ${r.label}`;
    const row: PreflightRow = { mailbox: r.mailbox, side: r.side, server: r.host, port: "-", tls: "-", login: "-", imap: "-", quota: "-" };
    rows.push(row);
    if (r.notProbed) {
      row.port = "not probed";
      notes.push(`${who}: not probed: ${r.notProbed}`);
      continue;
    }
    if (r.portError !== undefined) {
      row.port = "closed";
      problems.push(
        `${who}: port ${r.port} on ${r.host} is not reachable (${r.portError}); check the host name and port in the stack, that the server runs and that no firewall is in the way`,
      );
      continue;
    }
    row.port = "open";
    if (r.tlsError !== undefined) {
      row.tls = "invalid";
      problems.push(
        `${who}: the TLS certificate is not valid for ${r.host} (${r.tlsError}${r.certificateNames?.length ? `; it is for ${r.certificateNames.join(", ")}` : ""}); use the host name the certificate names, or install a certificate for ${r.host}`,
      );
      continue;
    }
    row.tls = r.plaintext ? "none (local)" : r.tls === "starttls" ? "STARTTLS ok" : "ok";
    if (r.loginError !== undefined) {
      row.login = "refused";
      problems.push(`${who}: login failed (${r.loginError}); check ${r.credential}`);
      continue;
    }
    row.login = "ok";
    const caps = (r.capabilities ?? []).map((c) => c.toUpperCase());
    if (!REQUIRED_ANY.some((c) => caps.includes(c))) {
      row.imap = "not IMAP4";
      problems.push(
        `${who}: the server does not announce IMAP4rev1 (capabilities: ${caps.join(" ") || "none"}); check that the port is the IMAP one`,
      );
      continue;
    }
    if (r.inboxError !== undefined) {
      row.imap = "disabled";
      problems.push(
        `${who}: logged in but INBOX cannot be opened (${r.inboxError}); IMAP may be disabled for this mailbox: enable it (Exchange: Set-CASMailbox -ImapEnabled $true)`,
      );
      continue;
    }
    row.imap = "ok";
    if (r.side !== "destination") continue;
    const limit = r.quota?.limitBytes;
    if (limit === undefined) {
      row.quota = "none reported";
      continue;
    }
    if (r.auditedBytes === undefined) {
      row.quota = `${gib(limit)} (no audit)`;
      notes.push(
        `${who}: no audited size to compare the quota ${gib(limit)} with; run \`mailshift audit-many\` and set mailshift:auditFile`,
      );
      continue;
    }
    const room = limit - (r.quota?.usedBytes ?? 0);
    // what is already there may be the copy itself: the audited size must fit in the whole quota
    if (limit < r.auditedBytes) {
      row.quota = `${gib(limit)} < ${gib(r.auditedBytes)}`;
      problems.push(
        `${who}: the quota ${gib(limit)} is smaller than the ${gib(r.auditedBytes)} audited on the source; raise it (mailboxes[].quota: auto sizes it from the audit)`,
      );
    } else row.quota = `${gib(limit)} >= ${gib(r.auditedBytes)} (${gib(Math.max(0, room))} free)`;
  }
  return { rows, problems, notes };
}

/** One table, a column per check, a row per mailbox and side. */
export function renderPreflight(report: PreflightReport): string {
  const head: PreflightRow = {
    mailbox: "mailbox",
    side: "side",
    server: "server",
    port: "port",
    tls: "TLS",
    login: "login",
    imap: "IMAP",
    quota: "quota",
  };
  const cols = Object.keys(head) as (keyof PreflightRow)[];
  const all = [head, ...report.rows];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...all.map((r) => r[c].length))])) as Record<keyof PreflightRow, number>;
  const line = (r: PreflightRow) =>
    cols
      .map((c) => r[c].padEnd(width[c]))
      .join("  ")
      .trimEnd();
  const out = [line(head), ...report.rows.map(line)];
  if (report.problems.length)
    out.push("", `${report.problems.length} problem${report.problems.length > 1 ? "s" : ""}:`, ...report.problems.map((p) => `  - ${p}`));
  else out.push("", "preflight passed");
  if (report.notes.length) out.push("", "notes:", ...report.notes.map((p) => `  - ${p}`));
  return out.join("\n");
}
