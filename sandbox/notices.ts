// Notices and the stakeholder page for a sandbox stack (sandbox/program.ts declares them only when configured):
// the backup channel people are told to use, the maintenance windows, where the page is written and, given a
// relay, a backup address for the first person. A separate step from Sandbox.start, so that a rehearsal or a
// test turns them on with one call.
import type { Sandbox } from "./session";

export interface SandboxNotices {
  /** Where `pulumi up` writes the stakeholder page (mailshift:report.file). */
  reportFile: string;
  /** smtp://127.0.0.1:PORT of a loopback relay, and the first person's backup address (outside the domain). */
  smtp?: { url: string; backupAddress: string };
  /** Now, for the windows: cutover in 7 days, finalize in 14, at 20:00 UTC+1. */
  now?: Date;
}

function windowIn(days: number, now: Date): { start: string; end: string } {
  const day = new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
  return { start: `${day}T20:00+01:00`, end: `${day}T23:00+01:00` };
}

/** `pulumi config set-all` of mailshift:notices and mailshift:report (and a backup address) on the stack. */
export function enableNotices(s: Sandbox, o: SandboxNotices): void {
  const now = o.now ?? new Date();
  const cutover = windowIn(7, now);
  const finalize = windowIn(14, now);
  const values: Record<string, string> = {
    "mailshift:notices.from.name": "Sandbox IT",
    "mailshift:notices.from.address": "it@example.com",
    "mailshift:notices.contact.name": "Sandbox IT help desk",
    "mailshift:notices.contact.phone": "+1 555 0100",
    "mailshift:notices.contact.url": "https://status.example.net/mail",
    "mailshift:notices.windows.cutover.start": cutover.start,
    "mailshift:notices.windows.cutover.end": cutover.end,
    "mailshift:notices.windows.finalize.start": finalize.start,
    "mailshift:notices.windows.finalize.end": finalize.end,
    "mailshift:report.file": o.reportFile,
    ...(o.smtp ? { "mailshift:notices.smtp": o.smtp.url, "mailshift:mailboxes[0].backupAddress": o.smtp.backupAddress } : {}),
  };
  s.pulumi(["config", "set-all", "--path", ...Object.entries(values).flatMap(([k, v]) => ["--plaintext", `${k}=${v}`])]);
}
