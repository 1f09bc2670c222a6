// The whole migration plan from the configuration: routing, quotas, stage check, DNS records, SPF check and the
// migrations the MailboxMigration component declares. Pure; index.ts only wires its result into components.
import { copySettings, type CopySettings } from "./copySettings";
import type { ZoneRecord } from "../dns/records";
import { enableSigningAt, planDkim, type DkimPlan } from "./dkim";
import { decideDmarc } from "./dmarc";
import { importedConflicts } from "./imported";
import { planVerification, type VerificationPlan } from "./verification";
import { diffRecords, planDnsRecords, type PlannedRecord, type RecordChange } from "./dns";
import { routeMailboxes, type MailboxPlan } from "./routing";
import { checkSpf, type SpfReport } from "./spfCheck";
import { checkStageChange, stageIndex, syncGeneration } from "./stage";
import { STAGES, type MailshiftConfig, type Stage } from "./types";
import { waveWarnings } from "./waves";
import { planZoneRecords, type ZoneRecordsPlan } from "./zoneRecords";

export interface PlannedMigration {
  /** accountKey of the mailbox: the destination account resource it depends on. */
  accountKey: string;
  source: string;
  sourceUser: string;
  destination: string;
  route: MailboxPlan["route"];
  /** Moves on at cutover and finalize so that each runs a delta pass. */
  syncGeneration: number;
  /** Folder renames and excludes, message size limit and connections (plan/copySettings.ts). */
  copy: CopySettings;
}

export interface MigrationPlan {
  config: MailshiftConfig;
  stage: Stage;
  mailboxes: MailboxPlan[];
  records: PlannedRecord[];
  /** Compared with the previous stage's records (all adds on the first deployment). */
  dnsChanges: RecordChange[];
  /** From copy on; empty in prepare. */
  migrations: PlannedMigration[];
  addressChanges: { from: string; to: string }[];
  spf: SpfReport[];
  warnings: string[];
  /** With mailshift:cloudflare.importZoneFile: the zone file's records merged with mailshift's (the DNS move). */
  zone?: ZoneRecordsPlan;
  /** The resource keys of the DNS records declared at each stage (plan/protection.ts reads them). */
  recordKeysByStage: Record<Stage, string[]>;
  /** Who signs each name's mail, and whether mailshift enables Exchange's signing at this stage (plan/dkim.ts). */
  dkim: DkimPlan & { enableExchangeSigning: boolean };
  /** Where the MS= record goes for verification (absent without an exchange route). */
  verification?: VerificationPlan;
}

/**
 * `otherRecords`: the zone's records today (mailshift:zoneFile, read from `zoneFile`), for SPF counting and
 * collision warnings, and with cloudflare.importZoneFile the records imported into the zone. `importReport`: the
 * zone file's lines not read as written (skipped, dropped, changed), in the import report (zone.reported) when the
 * zone is imported, else among the warnings.
 */
export function buildPlan(
  config: MailshiftConfig,
  otherRecords: readonly ZoneRecord[] = [],
  zoneFile = "mailshift:zoneFile",
  importReport: readonly string[] = [],
): MigrationPlan {
  const warnings: string[] = [];
  // previousStage is a cross-check now: the stage-order gate reads the deployed stage from the stack's outputs
  const stageCheck = config.previousStage ? checkStageChange(config.previousStage, config.stage, config.force) : {};
  if (stageCheck.forcedOver) warnings.push(stageCheck.forcedOver);
  const mailboxes = routeMailboxes(config);
  const routes = { exchange: mailboxes.some((m) => m.route === "exchange"), imap: mailboxes.some((m) => m.route === "imap") };
  if (!routes.exchange) warnings.push("no mailbox goes to exchange: the apex MX stays on the old host");
  const input = { ...config, routes };
  const dkim = planDkim(input);
  warnings.push(...decideDmarc(config, dkim).warnings);
  const verification = planVerification(config, routes.exchange);
  const records = planDnsRecords(input, config.stage);
  const before = config.previousStage ? planDnsRecords(input, config.previousStage) : [];
  const spf = checkSpf(records, otherRecords);
  warnings.push(...spf.warnings);
  warnings.push(...waveWarnings(config.waves, config.mailboxes));
  // Imported into the zone, collisions are decided by the stage (plan/zoneRecords.ts); otherwise they are warned about.
  const zoneAt = (stage: Stage, planned: PlannedRecord[]) =>
    planZoneRecords({ domain: config.domain, imported: otherRecords, planned, stage, lowTtl: config.ttl.lowered, zoneFile, importReport });
  const zone = config.cloudflareZone.importZoneFile ? zoneAt(config.stage, records) : undefined;
  // the resource keys MailDns declares at each stage: what plan/protection.ts decides protect from
  const recordKeysByStage = Object.fromEntries(
    STAGES.map((s) => {
      const planned = s === config.stage ? records : planDnsRecords(input, s);
      const declared = zone
        ? (s === config.stage ? zone : zoneAt(s, planned)).records.map((r) => r.resourceKey)
        : planned.map((r) => r.key);
      return [s, declared];
    }),
  ) as Record<Stage, string[]>;
  // Exchange signs only once both CNAMEs resolve: an imported selector record of the old host holds them back
  // until cutover (plan/stageMerge.ts), and signing waits with them
  const declaredHere = zone ? zone.records.filter((r) => r.source === "generated").map((r) => r.plannedKey) : records.map((r) => r.key);
  const cnamesDeclared = ["dkim-selector1", "dkim-selector2"].every((k) => declaredHere.includes(k));
  if (!zone) warnings.push(...importReport);
  if (!zone) warnings.push(...importedConflicts(records, otherRecords, config.cloudflareZoneId || "ZONE_ID").map((c) => c.reason));
  const generation = syncGeneration(config.stage);
  const migrations: PlannedMigration[] =
    stageIndex(config.stage) >= stageIndex("copy")
      ? mailboxes.map((m) => ({
          accountKey: m.accountKey,
          source: m.source,
          sourceUser: m.sourceUser,
          destination: m.destination,
          route: m.route,
          syncGeneration: generation,
          copy: copySettings(config, config.mailboxes[m.index]!, m.route),
        }))
      : [];
  return {
    config,
    stage: config.stage,
    mailboxes,
    records,
    dnsChanges: diffRecords(before, records),
    migrations,
    addressChanges: mailboxes.filter((m) => m.addressChanges).map((m) => ({ from: m.source, to: m.destination })),
    spf: spf.reports,
    warnings,
    ...(zone ? { zone } : {}),
    recordKeysByStage,
    dkim: { ...dkim, enableExchangeSigning: enableSigningAt(dkim, config.stage) && cnamesDeclared },
    ...(verification ? { verification } : {}),
  };
}

/** The next stage, for the output that tells people what to run next. */
export function nextStage(stage: Stage): Stage | undefined {
  return STAGES[stageIndex(stage) + 1];
}
