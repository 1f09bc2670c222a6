// Where the MS= verification record must be published for Microsoft to see it. Pure. Microsoft asks whichever
// servers the registrar names for the domain: a zone mailshift creates is not delegated until cutover's move, so in
// the seed's order the record goes to the old DNS host first (by hand, as an output says), and mailshift's own copy
// in the new zone takes over once the nameservers change. Verification checks the record live either way
// (providers/graph/tenantDomain.ts, through the system resolver), so it passes whichever server answers.
import type { MailshiftConfig } from "./types";

export interface VerificationPlan {
  /** old-host: published by hand at the DNS host the registrar names today; zone: mailshift's own record is it. */
  where: "old-host" | "zone";
  name: string;
}

export function planVerification(
  c: Pick<MailshiftConfig, "domain" | "cloudflareZone">,
  exchangeRoute: boolean,
): VerificationPlan | undefined {
  if (!exchangeRoute) return undefined;
  return { where: c.cloudflareZone.kind === "create" ? "old-host" : "zone", name: c.domain };
}

/** The record as a zone-file line, for a person to publish. */
export function verificationRecordLine(name: string, value: string, ttl: number): string {
  return `${name}. ${ttl} IN TXT "${value}"`;
}

/** What the operator does for verification at this point (`value` from the tenant, empty while unknown). */
export function verificationStep(v: VerificationPlan, value: string, ttl: number): string {
  const record = value
    ? verificationRecordLine(v.name, value, ttl)
    : `${v.name}. ${ttl} IN TXT "MS=ms..." (the value appears here once the domain is added to the tenant)`;
  if (v.where === "zone")
    return `nothing to do by hand: mailshift publishes ${record} in the Cloudflare zone, and Exchange verifies ${v.name} once it resolves`;
  return (
    `publish ${record} at the old DNS host now (the Cloudflare zone is not delegated yet, so Microsoft reads the old one); ` +
    `pulumi up verifies ${v.name} as soon as the record resolves, and mailshift's copy in the new zone keeps it after the nameservers change`
  );
}
