// The sandbox stack's Pulumi program. Same plan (plan/: parseConfig, buildPlan) and the same Migrations
// component (one MailboxMigration per mailbox, after its account) as index.ts; what differs is only what
// cannot run on this machine:
//  - DNS (Cloudflare): its provider plugin cannot be built or downloaded here. The same records MailDns declares
//    (plan/zoneRecords.ts, from the same plan) are declared as LocalZoneRecord resources (localZoneRecord.ts), with
//    the same resource names, into a zone a loopback NSD serves (`mailshift-sandbox:zone`); they are also the stack
//    output `dnsRecords`.
//  - Exchange (azuread, Graph, Exchange PowerShell): nothing is declared; every sandbox mailbox goes to imap.
//  - the accounts on the new Dovecot host: the same account script as ImapHost's remote.Command, run locally by
//    a small dynamic resource (localAccount.ts) because @pulumi/command's plugin cannot be built here.
import * as pulumi from "@pulumi/pulumi";
import { Migrations } from "../components/migrations";
import { planned } from "../components/planned";
import { migrationHost, preflightAccess } from "../components/migrationHost";
import { readConfigFile } from "../components/configFile";
import { CONFIG_NAMESPACE, configValue, parseAuditLines, parseConfig, rawConfigFrom } from "../plan/config";
import { buildPlan } from "../plan/plan";
import { mailRecordsOnly } from "../plan/zoneRecords";
import { proveZoneSpf } from "../plan/zoneOutputs";
import type { NameServer } from "../dns/query";
import { serverLookup } from "../dns/spfEval";
import { systemSpfLookup } from "../dns/systemLookup";
import { LocalDovecotAccount } from "./localAccount";
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
const { config, plan } = planned(() => {
  const config = parseConfig(raw, auditFile ? parseAuditLines(readConfigFile("auditFile", auditFile).toString("utf8"), auditFile) : {});
  return { config, plan: buildPlan(config) };
});
const host = config.newHost;
if (host?.kind !== "dovecot")
  throw new pulumi.RunError("mailshift:newHost: the sandbox stack needs kind dovecot (the loopback Dovecot scripts/sandbox.sh starts)");
if (plan.mailboxes.some((m) => m.route !== "imap"))
  throw new pulumi.RunError("mailshift:mailboxes: the sandbox has no Exchange; route every mailbox to imap");

const passwords = Object.fromEntries(
  Object.entries(
    (configValue(all[`${CONFIG_NAMESPACE}passwords`] ?? "{}") ?? {}) as Record<
      string,
      { source?: unknown; destination?: unknown } | undefined
    >,
  ).map(([k, v]) => [k.toLowerCase(), v]),
);
const passwordOf = (address: string, which: "source" | "destination"): pulumi.Output<string> | undefined => {
  const v = passwords[address]?.[which];
  return typeof v === "string" && v !== "" ? pulumi.secret(v) : undefined;
};

// plan/config.ts accepts only domain names for imapHost and nothing on this machine resolves a dotted name to
// 127.0.0.1, so the sandbox stack names its hosts (imap.old.sandbox.test) and maps them to loopback here, as
// /etc/hosts would: `mailshift-sandbox:hosts` is read by this program only.
const hostsFile = (configValue(all["mailshift-sandbox:hosts"] ?? "{}") ?? {}) as Record<string, string>;
const address = (s: { imapHost: string; imapPort: number }) => ({ imapHost: hostsFile[s.imapHost] ?? s.imapHost, imapPort: s.imapPort });

// ---- GATES (world/gates.ts): the world read and the move to this stage decided; every resource below waits for it
const gates = openGates(
  plan,
  preflightTargets(plan, (a, w) => (typeof passwords[a]?.[w] === "string" ? (passwords[a]![w] as string) : undefined), address, {
    oldHost: planned(() => preflightAccess(config.oldHost, "oldHost", readConfigFile, all[`${CONFIG_NAMESPACE}oldHostAdminPassword`])),
    newHost: planned(() => preflightAccess(host, "newHost", readConfigFile, all[`${CONFIG_NAMESPACE}newHostAdminPassword`])),
  }),
);
// ---- end GATES

const accounts: Record<string, pulumi.CustomResource> = {};
for (const m of plan.mailboxes) {
  const password = passwordOf(m.source, "destination");
  if (!password)
    throw new Error(
      `mailshift:passwords["${m.source}"].destination is not set: pulumi config set --secret --path 'mailshift:passwords["${m.source}"].destination'`,
    );
  accounts[m.accountKey] = new LocalDovecotAccount(`imaphost-${m.accountKey}`, {
    address: m.destination,
    password,
    ...(m.quotaBytes !== undefined ? { quotaBytes: m.quotaBytes } : {}),
    passwdFile: host.passwdFile,
    maildirRoot: host.maildirRoot,
    uid: host.uid,
    gid: host.gid,
  });
}

const adminPassword = (h: "oldHost" | "newHost") => {
  const v = all[`${CONFIG_NAMESPACE}${h}AdminPassword`];
  return v ? pulumi.secret(v) : undefined;
};
// TLS, the CA file's PEM and the administrator from the stack (components/migrationHost.ts), as index.ts does; for
// the migrations and the notices, which log in as they do
const oldHostReach = { ...migrationHost(config.oldHost, "oldHost", readConfigFile, adminPassword("oldHost")), ...address(config.oldHost) };
const newHostReach = { ...migrationHost(host, "newHost", readConfigFile, adminPassword("newHost")), ...address(host) };
// no migration before stage copy (as in index.ts)
const migrations =
  plan.migrations.length > 0
    ? new Migrations("migration", {
        migrations: plan.migrations,
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
export const migrationStatus = pulumi.all(
  Object.fromEntries(
    plan.migrations.map((m) => {
      const r = migrations!.migrations[m.accountKey]!;
      return [
        m.source,
        pulumi
          .all([r.destinationMailbox, r.syncGeneration, r.totals, r.drift])
          .apply(([to, generation, totals, drift]) => ({ to, generation, totals, missing: drift?.missing })),
      ];
    }),
  ),
);

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
const noticePlan = planned(() => noticePlanFromPlan(plan));
const noticeRelay = planned(() => relayFromConfig(config.notices?.smtp, all[`${CONFIG_NAMESPACE}smtpPassword`]));
const noticeDeliveries = noticePlan
  ? new Notices("notice", {
      plan: noticePlan,
      stage: plan.stage,
      migrations: plan.migrations,
      oldHost: oldHostReach,
      newHost: newHostReach,
      password: passwordOf,
      ...(noticeRelay ? { relay: noticeRelay } : {}),
      after: (source) => {
        const m = plan.migrations.find((x) => x.source === source);
        return m && migrations ? [migrations.migrations[m.accountKey]!] : [];
      },
    })
  : undefined;
for (const w of noticeDeliveries?.unsent ?? []) pulumi.log.warn(w);
export const noticesDue = noticePlan ? dueNotices(noticePlan, plan.stage, noticeRelay !== undefined) : [];
export const reportFile = config.report
  ? stakeholderReport("report", {
      plan,
      migrations: Object.fromEntries(plan.migrations.map((m) => [m.source, migrations!.migrations[m.accountKey]!])),
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
