// The mailshift Pulumi program of a domain stack (index.ts loads it): read the stack configuration, build the
// validated plan (plan/, pure), and declare what it says (components/, wiring only). Outputs are for people: who
// changes address, what DNS this stage changes, and the plan per mailbox. With mailshift:waves the copies are the
// wave stacks' (components/wave.ts): this stack declares the domain's shared part and exports `waveInputs`.
import * as pulumi from "@pulumi/pulumi";
import { Exchange, ExchangeDomain } from "../components/exchange";
import { imapHostOf } from "../components/imapHost";
import { stackSecrets } from "../components/stackSecrets";
import { planPart, waveInputs as waveInputsOf } from "../plan/waves";
import { MailDns } from "../components/dns";
import { MailZone } from "../components/zone";
import { systemSpfLookup } from "../dns/systemLookup";
import { dnsCheckCommandFor, proveZoneSpf, zoneSteps } from "../plan/zoneOutputs";
import { Migrations, plannedMigrationsOutput } from "../components/migrations";
import { hostsAccess, hostsReach } from "../components/migrationHost";
import { readConfigFile } from "../components/configFile";
import { parseZoneFile, renderZoneFileIssue } from "../dns/zonefile";
import { parseAuditLines, parseConfig, rawConfigFrom } from "../plan/config";
import { buildPlan, nextStage } from "../plan/plan";
import { planProtection } from "../plan/protection";
import { checkSecrets } from "../plan/secrets";
import { formatBytes } from "../plan/quota";
import { noticePlanFromPlan } from "../notices/fromPlan";
import { noticesDue as dueNotices } from "../notices/due";
import { planned } from "../components/planned";
import { Notices } from "../components/notices";
import { stakeholderReport } from "../components/report";
import { relayFromConfig } from "../notices/relay";
import { openGates, preflightTargets } from "../world/gates";
import { verificationStep as verificationStepText } from "../plan/verification";
import { dkimStatus } from "../plan/dkim";

const all = pulumi.runtime.allConfig();
const raw = rawConfigFrom(all);
const auditFile = typeof raw.auditFile === "string" ? raw.auditFile : undefined;
const zoneFile = typeof raw.zoneFile === "string" ? raw.zoneFile : undefined;
const { config, plan, audits } = planned(() => {
  const audits = auditFile ? parseAuditLines(readConfigFile("auditFile", auditFile).toString("utf8"), auditFile) : {};
  const config = parseConfig(raw, audits);
  // The zone as it is today, when exported: SPF is counted through its records and collisions are warned about.
  const parsedZone = zoneFile ? parseZoneFile(readConfigFile("zoneFile", zoneFile), { file: zoneFile, origin: config.domain }) : undefined;
  const zone = parsedZone?.records ?? [];
  return {
    config,
    audits,
    plan: buildPlan(
      config,
      zone,
      undefined,
      parsedZone?.issues.map((i) => renderZoneFileIssue(zoneFile!, i)),
    ),
  };
});

// Secrets: presence is checked by the plan, values only ever travel as pulumi secrets.
const secrets = stackSecrets(all);
const { secret, passwordOf } = secrets;
// What this stack copies: every mailbox, or with waves none (each wave stack copies its own: plan/waves.ts).
const part = planPart(plan);
const waved = config.waves !== undefined;
planned(() =>
  waved
    ? checkSecrets(
        config,
        plan.mailboxes.filter((m) => m.route === "exchange"),
        secrets.presence(plan.mailboxes),
        { addsDomain: true, copies: false },
      )
    : checkSecrets(config, plan.mailboxes, secrets.presence(plan.mailboxes)),
);

// ---- GATES (world/gates.ts): the world read and the move to this stage decided; every resource below waits for it
const gates = openGates(plan, preflightTargets(part, secrets.plainPassword, undefined, hostsAccess(config, secrets)));
// ---- end GATES

const exchangeUsers = plan.mailboxes.filter((m) => m.route === "exchange");
const graph =
  config.exchange && exchangeUsers.length > 0 ? { exchange: config.exchange, graphClientSecret: secret("graphClientSecret")! } : undefined;

const exchangeDomain = graph ? new ExchangeDomain("exchange", { ...graph, domain: config.domain }) : undefined;
// The MX target comes from the verification, which itself waits for the MS= record: resolved after Exchange exists.
const [exchangeMx, resolveExchangeMx] = pulumi.deferredOutput<string>();
// So do the DKIM CNAME targets (Exchange creates the keys only for a verified domain).
const [dkimSelector1, resolveDkimSelector1] = pulumi.deferredOutput<string>();
const [dkimSelector2, resolveDkimSelector2] = pulumi.deferredOutput<string>();
// ---------------------------------------------------------------------------------------------------------
// THE DNS MOVE (components/zone.ts, plan/zoneRecords.ts): the zone given by id, looked up or created; with
// cloudflare.importZoneFile every zone-file record beside the mail records, the stage deciding where they meet.
// ---------------------------------------------------------------------------------------------------------
/** production's zone and mail records are protected (plan/protection.ts); accounts are always retained. */
export const protection = planProtection(plan.recordKeysByStage, plan.stage, pulumi.getStack(), config.protect);
const mailZone = new MailZone("zone", config.cloudflareZone, protection.on);
const dns = new MailDns("dns", {
  zoneId: mailZone.zoneId,
  records: plan.records,
  ...(plan.zone ? { declared: plan.zone.records } : {}),
  tenant: exchangeDomain ? { verificationTxt: exchangeDomain.verificationTxt, exchangeMx, dkimSelector1, dkimSelector2 } : {},
  protect: protection.records,
});
export const zoneId = mailZone.zoneId;
export const zoneNameServers = mailZone.nameServers;
export const registrarStep = zoneSteps(config.cloudflareZone, config.domain);
export const dnsDecisions = plan.zone?.decisions ?? [];
export const dnsNotImported = plan.zone?.reported ?? [];
export const dnsAdjusted = plan.zone?.adjusted ?? [];
export const dnsCheckMail = dns.mailRecords;
export const dnsCheckCommand = dnsCheckCommandFor(zoneFile, config);
export const spfProof = proveZoneSpf(plan, systemSpfLookup);
// --------------------------------------------------------------------------------------- end THE DNS MOVE
const exchange =
  graph && exchangeDomain
    ? new Exchange("exchange", {
        ...graph,
        domain: config.domain,
        users: exchangeUsers.map((m) => ({ key: m.accountKey, address: m.destination, displayName: m.displayName })),
        password: (a) => passwordOf(a, "destination"),
        verificationRecord: dns.records["apex-ms-verification"]!,
        verificationTxt: exchangeDomain.verificationTxt,
        verificationAt: { publishAt: plan.verification?.where ?? "zone", ttl: config.ttl.lowered },
        dkim: {
          read: plan.dkim.apex.signer === "exchange" && plan.dkim.apex.cnames === "admin-api",
          enable: plan.dkim.enableExchangeSigning,
          cnameRecords: [dns.records["dkim-selector1"], dns.records["dkim-selector2"]].filter((r) => r !== undefined),
        },
        forwards: plan.addressChanges,
      })
    : undefined;
resolveExchangeMx(exchange ? exchange.exchangeMx : pulumi.output(""));
resolveDkimSelector1(exchange?.dkimKeys ? exchange.dkimKeys.selector1CNAME : pulumi.output(""));
resolveDkimSelector2(exchange?.dkimKeys ? exchange.dkimKeys.selector2CNAME : pulumi.output(""));
/** Where to publish the MS= record for verification, and what to do by hand (plan/verification.ts). */
export const verificationStep =
  plan.verification && exchangeDomain
    ? // known at the first preview when the stack gives the MS= value, else once the domain is in the tenant
      pulumi
        .output(config.exchange?.verificationTxt ?? exchangeDomain.verificationTxt)
        .apply((v) => verificationStepText(plan.verification!, v ?? "", config.ttl.lowered))
    : undefined;
/** Exchange's DKIM: where the CNAME targets come from and whether signing is on (plan/dkim.ts). */
export const dkimSigning = dkimStatus(plan.dkim, config, plan.stage);

const imapHost = imapHostOf("imaphost", config.newHost, part.mailboxes, secrets);

/** The destination account resource of each mailbox, by accountKey: what its migration depends on. */
const accountResources: Record<string, pulumi.CustomResource> = { ...(exchange?.users ?? {}), ...(imapHost?.accounts ?? {}) };
/** Destination accounts (route-address) and their resource ids. */
export const accounts = pulumi.all(Object.fromEntries(Object.entries(accountResources).map(([k, r]) => [k, r.id])));

// ---------------------------------------------------------------------------------------------------------
// MIGRATIONS (components/migrations.ts): one MailboxMigration per entry of plan.migrations (none in prepare),
// each depending on its destination account; syncGeneration from the plan (copy 1, cutover 2, finalize 3).
// ---------------------------------------------------------------------------------------------------------
// How the migrations, and the notices that log in as they do, reach the hosts: TLS, the CA's PEM, the administrator.
const hostReach = hostsReach(config, secrets);
const migrations =
  part.migrations.length > 0
    ? new Migrations("migration", {
        migrations: part.migrations,
        ...hostReach,
        ...(exchange?.imapApp ? { exchangeApp: exchange.imapApp } : {}),
        password: passwordOf,
        accounts: accountResources,
      })
    : undefined;
// Their counts (copied, already present, skipped, still missing) are the resources' outputs: `pulumi stack export`
// or the Pulumi console shows them per mailbox; the sandbox rehearsal prints them as its summary.
void migrations;
export const plannedMigrations = plannedMigrationsOutput(part.migrations);

// Outputs for people.
export const stage = plan.stage;
export const nextStep = (() => {
  const next = nextStage(plan.stage);
  return next
    ? `when nextStageBlockers says nothing blocks ${next}: pulumi config set mailshift:stage ${next} && pulumi up`
    : "finalize is the last stage: read the verification report";
})();
/** What the next run's gates read (gateState), what blocks the next stage, this run's preflight (world/gates.ts). */
export const { gateState, nextStageBlockers, preflight } = gates.record({
  migrations: migrations?.migrations ?? {},
  ...(zoneNameServers ? { zoneNameServers } : {}),
  after: Object.values(dns.records).map((r) => r.id),
});
export const addressChanges = plan.addressChanges.map((c) => `${c.from} -> ${c.to}`);
export const dnsChanges = plan.dnsChanges.map(
  (c) => `${c.action} ${c.type} ${c.name}${c.from ? ` from ${c.from}` : ""}${c.to ? ` to ${c.to}` : ""}`,
);
export const mailboxes = plan.mailboxes.map((m) => ({
  source: m.source,
  route: m.route,
  destination: m.destination,
  ...(m.route === "imap"
    ? { quota: m.quotaBytes === undefined ? "host default" : formatBytes(m.quotaBytes), quotaBasis: m.quotaBasis }
    : {}),
  ...(m.auditedBytes !== undefined ? { audited: formatBytes(m.auditedBytes) } : {}),
  status: waved
    ? `copied by the stack of wave ${config.mailboxes[m.index]!.wave} (${config.waves![config.mailboxes[m.index]!.wave!]})`
    : plan.migrations.some((x) => x.source === m.source)
      ? `copy generation ${plan.migrations.find((x) => x.source === m.source)!.syncGeneration}`
      : "account only (no copy before stage copy)",
}));
export const spfLookups = plan.spf.map(
  (s) => `${s.name}: ${s.lookups} lookups counted${s.unresolved.length ? ` (+ not counted: ${s.unresolved.join(", ")})` : ""}`,
);
export const warnings = plan.warnings;
/** Who is told what (notices/): `mailshift notices --stack-outputs` composes and sends from this; no secret in it. */
export const notices = noticePlanFromPlan(plan);

// ---------------------------------------------------------------------------------------------------------
// NOTICES AND THE REPORT (components/notices.ts, components/report.ts): each person's notice of this stage as a
// NoticeDelivery, delivered once by `pulumi up` after their migration's pass and this stage's DNS changes; the
// IT team's page (mailshift:report.file) rewritten from the migrations' own outputs.
// ---------------------------------------------------------------------------------------------------------
const noticeRelay = planned(() => relayFromConfig(config.notices?.smtp, secrets.plain("smtpPassword")));
const migrationOf = (source: string) => migrations?.migrations[part.migrations.find((m) => m.source === source)?.accountKey ?? ""];
const noticeDeliveries =
  notices && migrations
    ? new Notices("notice", {
        plan: notices,
        stage: plan.stage,
        migrations: part.migrations,
        ...hostReach,
        ...(exchange?.imapApp ? { exchangeApp: exchange.imapApp } : {}),
        password: passwordOf,
        ...(noticeRelay ? { relay: noticeRelay } : {}),
        after: (source) => [dns, ...(migrationOf(source) ? [migrationOf(source)!] : [])],
      })
    : undefined;
for (const w of noticeDeliveries?.unsent ?? []) pulumi.log.warn(w);
export const noticesDue = notices && !waved ? dueNotices(notices, plan.stage, noticeRelay !== undefined) : [];
const report = stakeholderReport(
  "report",
  {
    plan,
    migrations: Object.fromEntries(part.migrations.map((m) => [m.source, migrations!.migrations[m.accountKey]!])),
    cutoverAt: gateState.apply((g) => g.cutoverAt),
    file: config.report?.file ?? `report.${pulumi.getStack()}.html`,
    ...(config.report?.negativeTtl !== undefined ? { negativeTtl: config.report.negativeTtl } : {}),
    notes: [
      ...(waved ? ["The copies run in the wave stacks (mailshift:waves): each wave's outputs show its mailboxes' counts."] : []),
      ...(noticeDeliveries?.unsent ?? []),
    ],
  },
  { dependsOn: [dns] },
);
/** The stakeholder page `pulumi up` wrote, and when. */
export const reportFile = report.file;
// ------------------------------------------------------------------------------ end NOTICES AND THE REPORT
export const imapAppClientId = exchange?.imapApp?.clientId;
/** With waves: what every wave stack rebuilds this plan from (no secret in it), and the IMAP app they copy with. */
export const waveInputs = waved ? waveInputsOf(raw, audits, plan.stage) : undefined;
export const imapApp = waved && exchange?.imapApp ? exchange.imapApp : undefined;
