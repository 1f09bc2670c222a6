// Migrations: one MailboxMigration per planned migration (plan.migrations: none in prepare, one per mailbox from
// copy on), each after its destination account exists. The endpoints are decided by migrationEndpoints (pure);
// syncGeneration comes from the plan, so cutover and finalize each run a delta pass by themselves.
import * as pulumi from "@pulumi/pulumi";
import { cfgPath } from "../plan/errors";
import type { PlannedMigration } from "../plan/plan";
import { MailboxMigration, type EndpointArgs, type TlsMode } from "../providers/mailboxMigration/resource";

/** Exchange Online's IMAP endpoint (implicit TLS). */
export const EXCHANGE_IMAP = { host: "outlook.office365.com", port: 993 } as const;

export class MigrationWiringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationWiringError";
  }
}

export interface ImapServer {
  imapHost: string;
  imapPort: number;
  /** Default: the provider's (implicit, starttls on port 143). */
  tls?: TlsMode;
  /** PEM text of a private CA (index.ts reads the file oldHost.ca / newHost.ca names). */
  ca?: string;
  insecure?: boolean;
  /** The administrator who logs in on every user's behalf, and its password (a secret). */
  admin?: { user: string; password: pulumi.Input<string> };
}

/** How to reach a host, without credentials: the endpoint fields every migration to or from it shares. */
function reach(h: ImapServer): Pick<EndpointArgs, "host" | "port" | "tls" | "ca" | "insecure"> {
  return {
    host: h.imapHost,
    port: h.imapPort,
    ...(h.tls ? { tls: h.tls } : {}),
    ...(h.ca ? { ca: h.ca } : {}),
    ...(h.insecure ? { insecure: true } : {}),
  };
}

/** The app registration the copy engine logs in to Exchange with (XOAUTH2, IMAP.AccessAsApp). */
export interface ExchangeImapApp {
  tenantId: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  clientSecret: pulumi.Input<string>;
}

export interface MigrationHosts {
  oldHost: ImapServer;
  newHost?: ImapServer;
  exchangeApp?: ExchangeImapApp;
}

/** Each mailbox's credentials (secrets), keyed by its source address. */
export type PasswordOf = (sourceAddress: string, which: "source" | "destination") => pulumi.Input<string> | undefined;

/**
 * Source and destination of one migration: the old host with the source login (as the host's administrator when
 * it has one, else with the mailbox's own password); the new IMAP host with the destination address (likewise),
 * or Exchange Online through the app registration. Throws naming the config path when something is missing.
 */
export function migrationEndpoints(
  m: PlannedMigration,
  hosts: MigrationHosts,
  password: PasswordOf,
): { source: EndpointArgs; destination: EndpointArgs } {
  const oldAdmin = hosts.oldHost.admin;
  const sourcePassword = oldAdmin ? oldAdmin.password : password(m.source, "source");
  if (sourcePassword === undefined)
    throw new MigrationWiringError(
      `${cfgPath("passwords", m.source, "source")} is not set: the copy of ${m.source} logs in to the old host with it; run pulumi config set --secret --path '${cfgPath("passwords", m.source, "source")}' (or give the host an administrator: ${cfgPath("oldHost", "admin")})`,
    );
  const source: EndpointArgs = {
    ...reach(hosts.oldHost),
    user: m.sourceUser,
    password: sourcePassword,
    ...(oldAdmin ? { admin: oldAdmin.user } : {}),
  };
  if (m.route === "imap") {
    if (!hosts.newHost)
      throw new MigrationWiringError(`${cfgPath("newHost")} is not set but ${m.source} is routed to imap; configure the new IMAP host`);
    const newAdmin = hosts.newHost.admin;
    const p = newAdmin ? newAdmin.password : password(m.source, "destination");
    if (p === undefined)
      throw new MigrationWiringError(
        `${cfgPath("passwords", m.source, "destination")} is not set: the new account ${m.destination} needs it; run pulumi config set --secret --path '${cfgPath("passwords", m.source, "destination")}'`,
      );
    return {
      source,
      destination: { ...reach(hosts.newHost), user: m.destination, password: p, ...(newAdmin ? { admin: newAdmin.user } : {}) },
    };
  }
  if (hosts.exchangeApp) {
    const a = hosts.exchangeApp;
    return {
      source,
      destination: {
        ...EXCHANGE_IMAP,
        user: m.destination,
        oauth2: { tenantId: a.tenantId, clientId: a.clientId, clientSecret: a.clientSecret },
      },
    };
  }
  throw new MigrationWiringError(
    `${cfgPath("exchange", "imapAccess")} is not "application": mailshift has no way to log in to Exchange Online for ${m.destination} (basic IMAP logins are off there); set it to application`,
  );
}

export interface MigrationsArgs extends MigrationHosts {
  migrations: readonly PlannedMigration[];
  password: PasswordOf;
  /** The destination account resource of each mailbox, by accountKey. */
  accounts: Readonly<Record<string, pulumi.Resource>>;
}

/**
 * Not a ComponentResource on purpose: MailboxMigration's `statusUrn` input is createUrn(name, type, parent), an
 * output that depends on the parent; with a component parent the SDK expands that dependency to all the
 * component's children, so two sibling migrations wait for each other's URN forever (seen under mocks with 2+
 * mailboxes). The migrations are therefore top-level resources named `<name>-<accountKey>`.
 */
export class Migrations {
  /** By accountKey. */
  readonly migrations: Record<string, MailboxMigration> = {};

  constructor(name: string, args: MigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    for (const m of args.migrations) {
      const account = args.accounts[m.accountKey];
      // copying into an account that does not exist yet would fail (or land in a host's catch-all)
      if (!account)
        throw new MigrationWiringError(
          `no destination account was declared for ${m.source} (${m.route} ${m.destination}); check ${cfgPath("mailboxes")} and the ${m.route === "imap" ? "newHost" : "exchange"} settings`,
        );
      const ends = migrationEndpoints(m, args, args.password);
      this.migrations[m.accountKey] = new MailboxMigration(
        `${name}-${m.accountKey}`,
        {
          ...ends,
          syncGeneration: m.syncGeneration,
          ...(m.copy.folders ? { folders: m.copy.folders } : {}),
          ...(m.copy.maxMessageBytes !== undefined ? { maxMessageBytes: m.copy.maxMessageBytes } : {}),
          ...(m.copy.connections !== undefined ? { connections: m.copy.connections } : {}),
        },
        { ...opts, dependsOn: [account] },
      );
    }
  }
}

/** The `migrationStatus` output: per source address, the last pass's counts and what is still missing. */
export function migrationStatus(planned: readonly PlannedMigration[], migrations: Readonly<Record<string, MailboxMigration>>) {
  return pulumi.all(
    Object.fromEntries(
      planned.map((m) => {
        const r = migrations[m.accountKey]!;
        return [
          m.source,
          pulumi
            .all([r.destinationMailbox, r.syncGeneration, r.totals, r.drift])
            .apply(([to, generation, totals, drift]) => ({ to, generation, totals, missing: drift?.missing })),
        ];
      }),
    ),
  );
}

/** The `plannedMigrations` output: what each migration copies, with the hosts' and the mailbox's copy settings. */
export function plannedMigrationsOutput(planned: readonly PlannedMigration[]) {
  return planned.map((m) => ({
    source: m.source,
    destination: m.destination,
    route: m.route,
    syncGeneration: m.syncGeneration,
    // renames, excludes, size limit and connections as the migration gets them (host settings with the mailbox's)
    ...(Object.keys(m.copy).length > 0 ? { copy: m.copy } : {}),
  }));
}
