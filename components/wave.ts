// A wave stack's program (plan/waves.ts): read the domain stack's `waveInputs` through a StackReference, rebuild
// the domain's plan, and declare this wave's part of it: the new host's accounts, one MailboxMigration per
// mailbox with the domain's copy settings, and the notices. Shared by index.ts and the sandbox program, which
// differ only in how an account is created. No stage gate runs here: the domain stack decided the stage.
import * as pulumi from "@pulumi/pulumi";
import { type HostAddress, hostsAccess, hostsReach } from "./migrationHost";
import { type ExchangeImapApp, Migrations, migrationStatus, plannedMigrationsOutput } from "./migrations";
import { Notices } from "./notices";
import { planned } from "./planned";
import { type StackSecrets, stackSecrets } from "./stackSecrets";
import { noticesDue as dueNotices } from "../notices/due";
import { noticePlanFromPlan } from "../notices/fromPlan";
import { relayFromConfig } from "../notices/relay";
import { parseConfig, rawConfigFrom } from "../plan/config";
import { buildPlan, type MigrationPlan } from "../plan/plan";
import { checkSecrets } from "../plan/secrets";
import { checkWaveStack, parseWaveInputs, planPart } from "../plan/waves";
import { preflightTargets, waveRecord } from "../world/gates";

export interface WaveProgramArgs {
  /** Declares the new host's accounts of the wave's imap mailboxes (index.ts: ImapHost; the sandbox: local Dovecot). */
  accounts(part: MigrationPlan, secrets: StackSecrets): Record<string, pulumi.CustomResource>;
  /** Where a host name is reached (the sandbox's /etc/hosts); default: as named. */
  address?: HostAddress;
  /** What the program cannot do with this plan, refused before anything is declared. */
  check?(plan: MigrationPlan): void;
  /** The accounts are made on this machine (the sandbox): no SSH key or cPanel token is needed for them. */
  localAccounts?: boolean;
}

/** The domain stack's IMAP app registration output, its client secret kept a secret. */
function exchangeApp(domain: pulumi.StackReference, v: unknown): ExchangeImapApp | undefined {
  const a = v as { tenantId?: unknown; clientId?: unknown } | undefined;
  if (typeof a?.tenantId !== "string" || typeof a.clientId !== "string") return undefined;
  const app = domain.getOutput("imapApp") as pulumi.Output<{ clientSecret: string }>;
  return { tenantId: a.tenantId, clientId: a.clientId, clientSecret: pulumi.secret(app.apply((x) => x.clientSecret)) };
}

/** The wave stack's program: Pulumi's runtime awaits it, and its result is the stack's outputs. */
export async function waveProgram(args: WaveProgramArgs): Promise<Record<string, unknown>> {
  const all = pulumi.runtime.allConfig();
  const { domainStack, wave } = planned(() => checkWaveStack(rawConfigFrom(all)));
  const domain = new pulumi.StackReference("mailshift-domain", { name: domainStack });
  const inputs = await domain.getOutputDetails("waveInputs");
  const { config, part } = planned(() => {
    const w = parseWaveInputs(inputs.value ?? inputs.secretValue, domainStack, wave);
    const config = parseConfig(w.config, w.audits);
    const plan = buildPlan(config);
    args.check?.(plan);
    return { config, part: planPart(plan, wave) };
  });
  const s = stackSecrets(all);
  // the domain stack adds the domain and creates the Entra users; this stack creates its accounts and copies
  const has = s.presence(part.mailboxes);
  planned(() =>
    checkSecrets(config, part.mailboxes, args.localAccounts ? { ...has, sshPrivateKey: true, cpanelToken: true } : has, {
      addsDomain: false,
      copies: true,
    }),
  );
  const appDetails = await domain.getOutputDetails("imapApp");
  const app = exchangeApp(domain, appDetails.value ?? appDetails.secretValue);

  const imapAccounts = args.accounts(part, s);
  // an Exchange mailbox's account is the domain stack's Entra user: the reference stands for it
  const accounts: Record<string, pulumi.Resource> = {
    ...Object.fromEntries(part.mailboxes.filter((m) => m.route === "exchange").map((m) => [m.accountKey, domain])),
    ...imapAccounts,
  };
  const address = args.address;
  const hostReach = { ...hostsReach(config, s, address), ...(app ? { exchangeApp: app } : {}) };
  const migrations = new Migrations("migration", {
    migrations: part.migrations,
    ...hostReach,
    password: s.passwordOf,
    accounts,
  });
  const targets = preflightTargets(part, s.plainPassword, address, hostsAccess(config, s));
  const gateState = waveRecord(
    part,
    wave,
    migrations.migrations,
    targets,
    Object.values(imapAccounts).map((a) => a.id),
  );

  // each person's notice of this stage, after their migration's pass (the domain's DNS moved before this run)
  const notices = noticePlanFromPlan(part);
  const relay = planned(() => relayFromConfig(config.notices?.smtp, s.plain("smtpPassword")));
  const deliveries =
    notices && part.migrations.length > 0
      ? new Notices("notice", {
          plan: notices,
          stage: part.stage,
          migrations: part.migrations,
          ...hostReach,
          password: s.passwordOf,
          ...(relay ? { relay } : {}),
          after: (source) => {
            const m = part.migrations.find((x) => x.source === source);
            return m ? [migrations.migrations[m.accountKey]!] : [];
          },
        })
      : undefined;
  for (const w of deliveries?.unsent ?? []) pulumi.log.warn(w);

  return {
    stage: part.stage,
    wave,
    domainStack,
    plannedMigrations: plannedMigrationsOutput(part.migrations),
    migrationStatus: migrationStatus(part.migrations, migrations.migrations),
    gateState,
    noticesDue: notices ? dueNotices(notices, part.stage, relay !== undefined) : [],
    warnings: part.warnings,
  };
}
