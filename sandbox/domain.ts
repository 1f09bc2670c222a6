// The sandbox's domain program (sandbox/program.ts loads it). Same plan (plan/: parseConfig, buildPlan) and the same Migrations
// component (one MailboxMigration per mailbox, after its account) as index.ts; what differs is only what
// cannot run on this machine:
//  - DNS (Cloudflare): its provider plugin cannot be built or downloaded here. The same records MailDns declares
//    (plan/zoneRecords.ts, from the same plan) are declared as LocalZoneRecord resources (localZoneRecord.ts), with
//    the same resource names, into a zone a loopback NSD serves (`mailshift-sandbox:zone`); they are also the stack
//    output `dnsRecords`.
//  - Exchange (azuread, Graph, Exchange PowerShell): nothing is declared; every sandbox mailbox goes to imap.
//  - the accounts on the new Dovecot host: the same account script as ImapHost's remote.Command, run locally by
//    a small dynamic resource (localAccount.ts) because @pulumi/command's plugin cannot be built here.
// With mailshift:waves it declares the records and exports `waveInputs`; the wave stacks copy (components/wave.ts).
import * as pulumi from "@pulumi/pulumi";
import { Migrations, migrationStatus as migrationStatus_ } from "../components/migrations";
import { planned } from "../components/planned";
import { hostsAccess, hostsReach } from "../components/migrationHost";
import { readConfigFile } from "../components/configFile";
import { configValue, parseAuditLines, parseConfig, rawConfigFrom } from "../plan/config";
import { buildPlan } from "../plan/plan";
import { mailRecordsOnly } from "../plan/zoneRecords";
import { proveZoneSpf } from "../plan/zoneOutputs";
import type { NameServer } from "../dns/query";
import { serverLookup } from "../dns/spfEval";
import { systemSpfLookup } from "../dns/systemLookup";
import { stackSecrets } from "../components/stackSecrets";
import { planPart, waveInputs as waveInputsOf } from "../plan/waves";
import { localAccounts, sandboxAddress, sandboxHost } from "./stack";
import { Notices } from "../components/notices";
import { stakeholderReport } from "../components/report";
import { noticesDue as dueNotices } from "../notices/due";
import { noticePlanFromPlan } from "../notices/fromPlan";
import { relayFromConfig } from "../notices/relay";
import { LocalZoneRecord } from "./localZoneRecord";
import type { LocalZone } from "./localZoneRecordOps";
import { openGates, preflightTargets } from "../world/gates";

const all = pulumi.runtime.allConfig();
const raw = rawConfigFrom(all);
// mailshift:auditFile as index.ts reads it (audit-many writes it), for quota auto and the checks against the audit
const auditFile = typeof raw.auditFile === "string" ? raw.auditFile : undefined;
const { config, plan, audits } = planned(() => {
  const audits = auditFile ? parseAuditLines(readConfigFile("auditFile", auditFile).toString("utf8"), auditFile) : {};
  const config = parseConfig(raw, audits);
  return { config, plan: buildPlan(config), audits };
});
const host = sandboxHost(plan);
// what this stack copies: every mailbox, or with waves none (plan/waves.ts)
const part = planPart(plan);

const secrets = stackSecrets(all);
const { passwordOf } = secrets;
const address = sandboxAddress(all);

// ---- GATES (world/gates.ts): the world read and the move to this stage decided; every resource below waits for it
const gates = openGates(plan, preflightTargets(part, secrets.plainPassword, address, hostsAccess(config, secrets)));
// ---- end GATES

const accounts = localAccounts(part, host, secrets);
// TLS, the CA file's PEM and the administrator from the stack (components/migrationHost.ts), as index.ts does; for
// the migrations and the notices, which log in as they do
const { oldHost: oldHostReach, newHost: newHostReach } = hostsReach(config, secrets, address);
// no migration before stage copy (as in index.ts)
const migrations =
  part.migrations.length > 0
    ? new Migrations("migration", {
        migrations: part.migrations,
        oldHost: oldHostReach,
        newHost: newHostReach,
        password: passwordOf,
        accounts,
      })
    : undefined;

// The Cloudflare records, as index.ts's MailDns declares them (the zone-file import's records when there is one),
// each named dns-<key> as there. The sandbox has no tenant, so no record can wait for a tenant value.
const zoneText = all["mailshift-sandbox:zone"];
const zone = zoneText ? (configValue(zoneText) as LocalZone) : undefined;
const zoneRecords: LocalZoneRecord[] = [];
if (zone) {
  for (const r of plan.zone?.records ?? mailRecordsOnly(plan.records)) {
    if (typeof r.content !== "string")
      throw new pulumi.RunError(
        `dns-${r.resourceKey}: ${r.name} ${r.type} needs ${r.content.ref} from the tenant; the sandbox has no Exchange`,
      );
    const record = new LocalZoneRecord(`dns-${r.resourceKey}`, {
      zone,
      key: r.resourceKey,
      name: r.name,
      type: r.type,
      content: r.content,
      ...(r.priority !== undefined ? { priority: r.priority } : {}),
      ttl: r.ttl,
    });
    zoneRecords.push(record);
  }
}

// index.ts's SPF proof of the planned records; names outside the zone (the old host's include, the new host's
// address) resolved through the sandbox's resolver (`mailshift-sandbox:resolver`) instead of the system's.
const resolverText = all["mailshift-sandbox:resolver"];
const resolver = resolverText ? (configValue(resolverText) as NameServer) : undefined;
export const spfProof = proveZoneSpf(plan, resolver ? serverLookup(resolver, { recursion: true }) : systemSpfLookup);

export const stage = plan.stage;
/** The records mailshift manages at this stage (in Cloudflare for real; in the loopback zone here). */
export const dnsRecords = plan.records.map(
  (r) =>
    `${r.type} ${r.name} ${typeof r.content === "string" ? r.content : `<${r.content.ref} from the tenant>`}${r.priority !== undefined ? ` priority ${r.priority}` : ""} ttl ${r.ttl}`,
);
export const dnsChanges = plan.dnsChanges.map(
  (c) => `${c.action} ${c.type} ${c.name}${c.from ? ` from ${c.from}` : ""}${c.to ? ` to ${c.to}` : ""}`,
);
export const addressChanges = plan.addressChanges.map((c) => `${c.from} -> ${c.to}`);
export const warnings = plan.warnings;
/** Per source address: the last pass's counts and what is still missing. */
export const migrationStatus = migrationStatus_(part.migrations, migrations?.migrations ?? {});

/** What the next run's gates read (gateState), what blocks the next stage, this run's preflight (world/gates.ts). */
export const { gateState, nextStageBlockers, preflight } = gates.record({
  migrations: migrations?.migrations ?? {},
  after: zoneRecords.map((r) => r.id),
});

// ---------------------------------------------------------------------------------------------------------
// NOTICES AND THE REPORT, as in index.ts (components/notices.ts, components/report.ts). Notices only with
// mailshift:notices; the page only with mailshift:report (so a sandbox stack without them declares neither),
// saying where the sandbox's DNS is served.
// ---------------------------------------------------------------------------------------------------------
const noticePlan = planned(() => noticePlanFromPlan(part));
const noticeRelay = planned(() => relayFromConfig(config.notices?.smtp, secrets.plain("smtpPassword")));
const noticeDeliveries = noticePlan
  ? new Notices("notice", {
      plan: noticePlan,
      stage: plan.stage,
      migrations: part.migrations,
      oldHost: oldHostReach,
      newHost: newHostReach,
      password: passwordOf,
      ...(noticeRelay ? { relay: noticeRelay } : {}),
      after: (source) => {
        const m = part.migrations.find((x) => x.source === source);
        return m && migrations ? [migrations.migrations[m.accountKey]!] : [];
      },
    })
  : undefined;
for (const w of noticeDeliveries?.unsent ?? []) pulumi.log.warn(w);
export const noticesDue = noticePlan ? dueNotices(noticePlan, plan.stage, noticeRelay !== undefined) : [];
export const reportFile = config.report
  ? stakeholderReport("report", {
      plan,
      migrations: Object.fromEntries(part.migrations.map((m) => [m.source, migrations!.migrations[m.accountKey]!])),
      cutoverAt: gateState.apply((g) => g.cutoverAt),
      file: config.report.file ?? `report.${pulumi.getStack()}.html`,
      ...(config.report.negativeTtl !== undefined ? { negativeTtl: config.report.negativeTtl } : {}),
      notes: [
        "In the sandbox the records are served on loopback by NSD standing in for Cloudflare; no mailbox goes to Exchange here, so the apex MX stays on the old host.",
        ...(noticeDeliveries?.unsent ?? []),
      ],
    }).file
  : undefined;
// ------------------------------------------------------------------------------ end NOTICES AND THE REPORT
/** With waves: what every wave stack rebuilds this plan from (no secret in it). */
export const waveInputs = config.waves ? waveInputsOf(raw, audits, plan.stage) : undefined;
