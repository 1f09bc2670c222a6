// Notices and the stakeholder page for a sandbox stack (sandbox/program.ts declares them only when configured):
// the backup channel people are told to use, the maintenance windows, where the page is written and, given a
// relay, a backup address for the first person. A separate step from Sandbox.start, so that a rehearsal or a
// test turns them on with one call; noticesFound reads back what each person has in their INBOXes.
import { ImapFlow } from "imapflow";
import { NOTICE_HEADER } from "../notices/mime";
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

/** The notices (their X-Mailshift-Notice stage) in one INBOX of a loopback sandbox server, in arrival order. */
async function noticesIn(url: string, password: string): Promise<string[]> {
  const u = new URL(url);
  const c = new ImapFlow({
    host: u.hostname,
    port: Number(u.port),
    secure: false,
    auth: { user: decodeURIComponent(u.username), pass: password },
    logger: false,
    disableAutoIdle: true,
  });
  c.on("error", () => undefined); // failures surface through the awaited commands
  await c.connect();
  try {
    const lock = await c.getMailboxLock("INBOX", { readOnly: true });
    try {
      const uids = (await c.search({ header: { [NOTICE_HEADER.toLowerCase()]: "" } }, { uid: true })) || [];
      const out: string[] = [];
      if (uids.length > 0)
        for await (const m of c.fetch(uids, { headers: [NOTICE_HEADER] }, { uid: true }))
          out.push(/:\s*(\S+)/.exec(m.headers?.toString("utf8") ?? "")?.[1] ?? "?");
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await c.logout();
  }
}

/** Per person, the notices in their INBOX on the old host and in their new mailbox: what the rehearsal can show. */
export async function noticesFound(s: Sandbox): Promise<Record<string, { old: string[]; new: string[] }>> {
  const out: Record<string, { old: string[]; new: string[] }> = {};
  for (const m of s.mailboxes)
    out[m.address] = {
      old: await noticesIn(s.old.url(m.sourceUser), m.sourcePassword),
      new: await noticesIn(s.fresh.url(m.destination), m.destinationPassword),
    };
  return out;
}
