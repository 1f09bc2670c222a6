// The NoticePlan from the migration plan: pure, exported by index.ts as the `notices` stack output, so that
// `pulumi preview` shows who will be told what, and `mailshift notices` composes from the same data.
import type { MigrationPlan } from "../plan/plan";
import type { NewHostConfig } from "../plan/types";
import type { NoticePlan, Security, ServerSettings } from "./types";

/** Implicit TLS on the ports registered for it (RFC 8314); STARTTLS on the others. */
export function securityOf(port: number): Security {
  return port === 993 || port === 465 ? "SSL/TLS" : "STARTTLS";
}

export function newHostSettings(h: NewHostConfig): { imap: ServerSettings; smtp: ServerSettings } {
  const smtpPort = h.smtpPort ?? 587;
  return {
    imap: { host: h.imapHost, port: h.imapPort, security: securityOf(h.imapPort) },
    smtp: { host: h.smtpHost ?? h.imapHost, port: smtpPort, security: securityOf(smtpPort) },
  };
}

/** Undefined when the stack has no mailshift:notices (nobody can be told whom to call). */
export function noticePlanFromPlan(plan: MigrationPlan): NoticePlan | undefined {
  const { config } = plan;
  const n = config.notices;
  if (!n) return undefined;
  const byAddress = new Map(config.mailboxes.map((m) => [m.address, m]));
  return {
    domain: config.domain,
    from: n.from ?? { name: n.contact.name, address: `postmaster@${config.domain}` },
    contact: n.contact,
    windows: n.windows,
    oldAddressForwarded: plan.mailboxes.some((m) => m.route === "exchange"),
    ...(config.newHost && plan.mailboxes.some((m) => m.route === "imap") ? { newHost: newHostSettings(config.newHost) } : {}),
    people: plan.mailboxes.map((m) => {
      const backupAddress = byAddress.get(m.source)?.backupAddress;
      return {
        source: m.source,
        sourceUser: m.sourceUser,
        displayName: m.displayName,
        route: m.route,
        destination: m.destination,
        addressChanges: m.addressChanges,
        ...(backupAddress ? { backupAddress } : {}),
      };
    }),
  };
}
