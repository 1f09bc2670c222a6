// The sandbox stack's Pulumi program. Same plan (plan/: parseConfig, buildPlan) and the same Migrations
// component (one MailboxMigration per mailbox, after its account) as index.ts; what differs is only what
// cannot run on this machine:
//  - DNS (Cloudflare) and Exchange (azuread, Graph, Exchange PowerShell): their provider plugins cannot be
//    built or downloaded here, so nothing is declared for them; the records mailshift would create in this
//    stage are a stack output (`dnsRecords`) instead.
//  - the accounts on the new Dovecot host: the same account script as ImapHost's remote.Command, run locally by
//    a small dynamic resource (localAccount.ts) because @pulumi/command's plugin cannot be built here.
import * as pulumi from "@pulumi/pulumi";
import { Migrations } from "../components/migrations";
import { planned } from "../components/planned";
import { CONFIG_NAMESPACE, configValue, parseConfig, rawConfigFrom } from "../plan/config";
import { buildPlan } from "../plan/plan";
import { LocalDovecotAccount } from "./localAccount";
import { openGates, preflightTargets } from "../world/gates";

const all = pulumi.runtime.allConfig();
const raw = rawConfigFrom(all);
const { config, plan } = planned(() => {
  const config = parseConfig(raw, {});
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

// ---- GATES (world/gates.ts): the world read and the move to this stage decided; every resource below waits for it
const gateHosts = (configValue(all["mailshift-sandbox:hosts"] ?? "{}") ?? {}) as Record<string, string>;
const gates = openGates(
  plan,
  preflightTargets(
    plan,
    (a, w) => (typeof passwords[a]?.[w] === "string" ? (passwords[a]![w] as string) : undefined),
    (s) => ({ imapHost: gateHosts[s.imapHost] ?? s.imapHost, imapPort: s.imapPort }),
  ),
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

// plan/config.ts accepts only domain names for imapHost and nothing on this machine resolves a dotted name to
// 127.0.0.1, so the sandbox stack names its hosts (imap.old.sandbox.test) and maps them to loopback here, as
// /etc/hosts would: `mailshift-sandbox:hosts` is read by this program only.
const hostsFile = (configValue(all["mailshift-sandbox:hosts"] ?? "{}") ?? {}) as Record<string, string>;
const address = (s: { imapHost: string; imapPort: number }) => ({ imapHost: hostsFile[s.imapHost] ?? s.imapHost, imapPort: s.imapPort });
const migrations = new Migrations("migration", {
  migrations: plan.migrations,
  oldHost: address(config.oldHost),
  newHost: address(host),
  password: passwordOf,
  accounts,
});

export const stage = plan.stage;
/** What the DNS component would create in this stage (switched off here). */
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
      const r = migrations.migrations[m.accountKey]!;
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
export const { gateState, nextStageBlockers, preflight } = gates.record({ migrations: migrations.migrations });
