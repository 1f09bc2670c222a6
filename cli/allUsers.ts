// `audit-many --all-users`: every user of the old host, without a list of mailboxes typed by hand.
//  - A Dovecot (or Cyrus) host with an administrator: IMAP has no command that lists a server's users, so the list
//    comes from the host itself, `doveadm user '*' > users.txt` (one login per line); each is then audited over
//    IMAP as the administrator on the user's behalf, exactly as `audit --from-admin` would.
//  - A cPanel host: UAPI Email::list_pops_with_disk answers for every account at once with its disk usage in
//    bytes, so no IMAP login is needed at all (the figure includes the server's index files: a little above
//    what IMAP counts, on the safe side for a quota).
import { uapi, type CpanelEndpoint } from "../components/imapHost/cpanelUapi";
import { UsageError } from "../engine";

/** Logins as `doveadm user '*'` prints them: one per line; blank lines and # comments are skipped, repeats kept once. */
export function parseUserList(text: string, file: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (/\s/.test(line))
      throw new UsageError(
        `--users ${file}:${i + 1}: "${line}" is not one login; the file has one user per line, as \`doveadm user '*'\` prints them`,
      );
    if (!out.includes(line)) out.push(line);
  });
  if (out.length === 0)
    throw new UsageError(`--users ${file}: no user in it; write it with \`doveadm user '*' > ${file}\` on the old host`);
  return out;
}

export interface DiskUsage {
  /** The IMAP login: the full address on cPanel. */
  login: string;
  bytes: number;
}

/**
 * The mail accounts of Email::list_pops_with_disk's `data`: `email` (the address, the IMAP login) and `_diskused`
 * (bytes; cPanel sends it as a number or a numeric string). The cPanel account's own system mailbox has no "@"
 * and is left out: it is not one of the domain's addresses.
 */
export function diskUsageFrom(data: unknown): DiskUsage[] {
  if (!Array.isArray(data)) throw new Error("Email::list_pops_with_disk answered without a list of accounts");
  const out: DiskUsage[] = [];
  for (const a of data as Record<string, unknown>[]) {
    const login = typeof a.email === "string" ? a.email : typeof a.login === "string" ? a.login : "";
    if (!login.includes("@")) continue;
    const bytes = Number(a._diskused);
    if (!Number.isFinite(bytes) || bytes < 0)
      throw new Error(`Email::list_pops_with_disk gave no byte count (_diskused) for ${login}: ${JSON.stringify(a._diskused)}`);
    out.push({ login: login.toLowerCase(), bytes: Math.ceil(bytes) });
  }
  return out;
}

/** Every account of the cPanel host with its disk usage, in one UAPI call. */
export async function cpanelDiskUsage(ep: CpanelEndpoint): Promise<DiskUsage[]> {
  const body = await uapi(ep, "Email", "list_pops_with_disk", {}, "every mail account", {
    url: "--cpanel",
    token: "a cPanel API token for --cpanel-user, in MAILSHIFT_CPANEL_TOKEN",
  });
  return diskUsageFrom(body.data);
}

/**
 * One line of the audit file from a cPanel figure: the fields the stack reads (parseAuditLines: `mailbox` as
 * user@host:port, `totals.bytes`), and where the number came from.
 */
export function diskAuditLine(u: DiskUsage, imapHost: string, imapPort: number): string {
  return `${JSON.stringify({ mailbox: `${u.login}@${imapHost}:${imapPort}`, source: "cpanel Email::list_pops_with_disk", totals: { bytes: u.bytes } })}\n`;
}
