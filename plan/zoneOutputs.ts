// What the DNS move tells people: the registrar step, the exact dns-check command, and the SPF proof of every SPF
// record mailshift publishes, evaluated against the planned zone (names outside it through a lookup the caller
// gives: the system resolver in the program, a fixed table in tests).
import { inZone, type ZoneRecord } from "../dns/records";
import { recordsLookup, type SpfLookup } from "../dns/spfEval";
import { proveSpf, renderSpfProof, type SpfExpectation, type SpfHost } from "../dns/spfProof";
import { EXCHANGE_SPF_INCLUDE } from "./dns";
import type { MigrationPlan } from "./plan";
import type { MailshiftConfig, ZoneSource } from "./types";
import { plannedToZone, spfNames } from "./zoneRecords";

/** What to do at the registrar (or that nothing is to be done there). */
export function zoneSteps(zone: ZoneSource, domain: string): string {
  if (zone.kind === "create")
    return `mailshift creates the Cloudflare zone ${domain}; zoneNameServers lists the nameservers Cloudflare assigned. Once \`mailshift dns-check\` (dnsCheckCommand) reports no differences, set exactly those nameservers for ${domain} at the registrar, and keep the old DNS host serving until the old NS TTL has passed.`;
  return `the Cloudflare zone ${domain} already exists (${zone.kind === "id" ? `zone id ${zone.zoneId}` : "looked up by name"}); if the registrar does not list its nameservers (zoneNameServers, or the dashboard's DNS page) yet, set them there once \`mailshift dns-check\` reports no differences.`;
}

const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The exact command that compares the old servers with the plan before the nameservers change: the generated
 * records come from this stack's dnsCheckMail output, the zone from mailshift:zoneFile.
 */
export function dnsCheckCommandFor(zoneFile: string | undefined, config: Pick<MailshiftConfig, "stage" | "ttl">): string {
  const zone = zoneFile ? q(zoneFile) : "ZONE_FILE";
  return `pulumi stack output dnsCheckMail --json > mail-records.json && mailshift dns-check --zone ${zone} --old OLD_NAMESERVER --stage ${config.stage} --mail mail-records.json --low-ttl ${config.ttl.lowered}`;
}

/** Hosts the SPF proof evaluates: documented addresses, so the proof reads the same everywhere. */
export const EXCHANGE_ONLINE_HOST: SpfHost = { label: "Exchange Online", ip: "40.107.0.1" };
export const STRANGER_HOST: SpfHost = { label: "a stranger (TEST-NET-3)", ip: "203.0.113.254" };

/**
 * What each published SPF record must do: at the apex, Exchange Online passes when mailshift authorizes it; at
 * the subdomain, the new IMAP host (its MX target's addresses, `newHostIps`) passes; a stranger never passes.
 */
export function spfExpectations(
  published: readonly ZoneRecord[],
  config: Pick<MailshiftConfig, "domain" | "subdomain">,
  newHostIps: readonly string[],
): SpfExpectation[] {
  // mailshift's SPF records are the apex's and the subdomain's; others in the zone (_spf includes) are their parts
  return spfNames(published)
    .filter((name) => name === config.domain || name === config.subdomain)
    .map((name) => {
      const txt = published
        .filter((r) => r.name === name && r.type === "TXT")
        .map((r) => r.content)
        .join(" ");
      const allow: SpfHost[] = [];
      if (name === config.domain && txt.includes(EXCHANGE_SPF_INCLUDE)) allow.push(EXCHANGE_ONLINE_HOST);
      if (name === config.subdomain) allow.push(...newHostIps.map((ip) => ({ label: "new IMAP host", ip })));
      return { domain: name, allow, deny: [STRANGER_HOST] };
    });
}

/** Names in the zone are answered by the planned records; others by `outside`. */
export function plannedZoneLookup(published: readonly ZoneRecord[], zone: string, outside: SpfLookup): SpfLookup {
  const planned = recordsLookup(published);
  return (name, type) => (inZone(name, zone) ? planned(name, type) : outside(name, type));
}

/** The published zone of a plan: merged with the zone file when it is imported, else mailshift's records alone. */
export function publishedZone(plan: Pick<MigrationPlan, "zone" | "records">): ZoneRecord[] {
  return plan.zone ? plan.zone.published : plan.records.map(plannedToZone);
}

/** The proof, one line per host and SPF record (renderSpfProof); ~all records count softfail as denied. */
export async function proveZoneSpf(plan: Pick<MigrationPlan, "zone" | "records" | "config">, outside: SpfLookup): Promise<string[]> {
  const published = publishedZone(plan);
  const lookup = plannedZoneLookup(published, plan.config.domain, outside);
  let newHostIps: string[] = [];
  if (plan.config.newHost) {
    try {
      newHostIps = (await lookup(plan.config.newHost.mx, "A")).records.map((r) => r.content);
    } catch {
      newHostIps = [];
    }
  }
  const proof = await proveSpf(spfExpectations(published, plan.config, newHostIps), lookup, { softfailDenies: true });
  return renderSpfProof(proof)
    .split("\n")
    .filter((l) => l !== "");
}
