// Mailbox routing: every mailbox goes to exactly one destination. Exchange keeps the address on the apex
// (one name, one MX); the IMAP host gets the same local part on the subdomain, so those users' addresses change.
import { cfgPath, PlanError, PlanErrors } from "./errors";
import { sizeQuota, QuotaError } from "./quota";
import type { MailboxConfig, MailshiftConfig, Route } from "./types";

export interface MailboxPlan {
  /** Position in mailshift:mailboxes, for error paths. */
  index: number;
  source: string;
  sourceUser: string;
  route: Route;
  destination: string;
  addressChanges: boolean;
  displayName: string;
  /** imap only: bytes, or undefined for the host's default. */
  quotaBytes?: number;
  quotaBasis?: string;
  auditedBytes?: number;
  /** Stable resource name part for this mailbox's account: route + destination. */
  accountKey: string;
}

export function destinationAddress(m: Pick<MailboxConfig, "address" | "route">, subdomain: string | undefined): string {
  if (m.route === "exchange") return m.address;
  const local = m.address.slice(0, m.address.lastIndexOf("@"));
  return `${local}@${subdomain}`;
}

/** Routes every mailbox; throws PlanErrors naming each offending mailboxes[i] path. */
export function routeMailboxes(
  config: Pick<MailshiftConfig, "mailboxes" | "subdomain" | "exchange" | "newHost" | "audit" | "quotaHeadroom">,
): MailboxPlan[] {
  const errors: PlanError[] = [];
  const firstIndex = new Map<string, number>();
  config.mailboxes.forEach((m, i) => {
    const prev = firstIndex.get(m.address);
    if (prev === undefined) {
      firstIndex.set(m.address, i);
      return;
    }
    const other = config.mailboxes[prev]!;
    errors.push(
      new PlanError(
        cfgPath("mailboxes", i, "address"),
        other.route === m.route
          ? `${m.address} is listed twice (also mailboxes[${prev}])`
          : `${m.address} is on two routes: ${other.route} (mailboxes[${prev}]) and ${m.route}`,
        "Keep one entry per address, with the one route it goes to",
      ),
    );
  });
  const imapIdx = config.mailboxes.findIndex((m) => m.route === "imap");
  const exIdx = config.mailboxes.findIndex((m) => m.route === "exchange");
  if (imapIdx >= 0 && !config.subdomain)
    errors.push(
      new PlanError(
        cfgPath("subdomain"),
        `is missing but mailboxes[${imapIdx}] (${config.mailboxes[imapIdx]!.address}) goes to imap`,
        "Set a subdomain for the IMAP-hosted users, e.g. `pulumi config set mailshift:subdomain mail2.example.com`",
      ),
    );
  if (imapIdx >= 0 && !config.newHost)
    errors.push(
      new PlanError(
        cfgPath("newHost"),
        `is missing but mailboxes[${imapIdx}] goes to imap`,
        "Describe the new IMAP host (kind cpanel or dovecot)",
      ),
    );
  if (exIdx >= 0 && !config.exchange)
    errors.push(
      new PlanError(
        cfgPath("exchange"),
        `is missing but mailboxes[${exIdx}] goes to exchange`,
        "Describe the Exchange tenant (tenantId, tenantDomain, licenseGroupId, ...)",
      ),
    );

  const out: MailboxPlan[] = [];
  config.mailboxes.forEach((m, i) => {
    if (firstIndex.get(m.address) !== i) return;
    const destination = destinationAddress(m, config.subdomain);
    const audited = config.audit[m.sourceUser] ?? config.audit[m.address];
    const plan: MailboxPlan = {
      index: i,
      source: m.address,
      sourceUser: m.sourceUser,
      route: m.route,
      destination,
      addressChanges: destination !== m.address,
      displayName: m.displayName,
      accountKey: `${m.route}-${destination}`,
      ...(audited !== undefined ? { auditedBytes: audited } : {}),
    };
    if (m.route === "imap") {
      try {
        const q = sizeQuota(m.quota, audited, config.quotaHeadroom, config.newHost?.defaultQuotaBytes);
        if (q.bytes !== undefined) plan.quotaBytes = q.bytes;
        plan.quotaBasis = q.basis;
      } catch (err) {
        if (!(err instanceof QuotaError)) throw err;
        errors.push(new PlanError(cfgPath("mailboxes", i, "quota"), `${m.address}: ${err.message}`, ""));
      }
    }
    out.push(plan);
  });
  if (errors.length > 0) throw new PlanErrors(errors);
  return out;
}
