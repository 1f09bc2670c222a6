// The validated stack configuration and the plan built from it. Plain data: no Pulumi types here.
import type { GatesConfig, OverrideConfig } from "./gatesConfig";

export const STAGES = ["prepare", "copy", "cutover", "finalize"] as const;
export type Stage = (typeof STAGES)[number];

export const ROUTES = ["exchange", "imap"] as const;
export type Route = (typeof ROUTES)[number];

export type QuotaSpec = { kind: "auto" } | { kind: "bytes"; bytes: number };

export interface MailboxConfig {
  /** The address on the old host, on the apex domain: bob@example.com. */
  address: string;
  route: Route;
  /** Login on the old host (default: the address); also how audit entries are matched. */
  sourceUser: string;
  displayName: string;
  /** Only for route imap; absent means none configured (auto when an audit exists is not implied). */
  quota?: QuotaSpec;
  /** An address outside the domain being moved, where the person's notices also go (by SMTP). */
  backupAddress?: string;
  /** Overrides of the hosts' copy settings for this mailbox: renames and excludes added to the old host's. */
  folders?: FolderOptions;
  maxMessageBytes?: number;
  connections?: number;
  /** The wave (mailshift:waves) whose stack copies this mailbox; absent without waves. */
  wave?: string;
}

/** Source folder renames ("/"-separated, children follow) and excludes (names or patterns with "*"). */
export interface FolderOptions {
  rename: Record<string, string>;
  exclude: string[];
}

export type TlsMode = "implicit" | "starttls";

/**
 * How the copy engine reaches an IMAP host: TLS mode (default implicit, starttls on port 143), a private CA
 * (a PEM file, read by index.ts), plaintext only on this machine, and an administrator who logs in on each
 * user's behalf (its password is the secret mailshift:oldHostAdminPassword / mailshift:newHostAdminPassword).
 */
export interface ImapAccessConfig {
  /** As written; absent: implicit TLS, or STARTTLS on port 143 (the provider's default). */
  tls?: TlsMode;
  /** Path of a PEM file with the CA that signed the host's certificate (trusted beside the system CAs). */
  ca?: string;
  /** Allow a plaintext login; refused unless imapHost is a loopback name (*.localhost). */
  insecure?: boolean;
  /** The administrator's login (Dovecot master user, Cyrus admin): SASL PLAIN with the user as authzid. */
  admin?: string;
}

/** Limits of the copy into a destination host: per host, overridable per mailbox. */
export interface CopyLimits {
  /** Messages larger than this are skipped and reported (the destination's own limit, usually). */
  maxMessageBytes?: number;
  /** Parallel APPEND connections to the destination (engine default 4). */
  connections?: number;
}

export interface MxHost {
  host: string;
  priority: number;
}

export interface OldHostConfig extends ImapAccessConfig {
  imapHost: string;
  imapPort: number;
  /** Renames and excludes of source folders, for every mailbox (a mailbox's own are added). */
  folders?: FolderOptions;
  /** The apex MX records in place today; kept until cutover. */
  mx: MxHost[];
  /** SPF terms that authorize the old host today (without v=spf1 and all), kept until finalize. */
  spf: string;
}

export type ImapAccess = "application" | "none";

export interface ExchangeConfig extends CopyLimits {
  /** Entra tenant id (GUID). */
  tenantId: string;
  /** The tenant's initial domain, contoso.onmicrosoft.com: DKIM CNAMEs point into it. */
  tenantDomain: string;
  /** Object id of the Entra group that carries the Exchange Online license (group-based licensing). */
  licenseGroupId: string;
  /** Two-letter country code; licensing refuses users without one. */
  usageLocation: string;
  /** application: an app registration with IMAP.AccessAsApp that the copy engine logs in as (XOAUTH2). */
  imapAccess: ImapAccess;
  /** Client id of the app mailshift calls Microsoft Graph with (Domain.ReadWrite.All). */
  graphClientId: string;
  /** MX target, when known: otherwise taken from the tenant's service configuration records. */
  mx?: string;
  /** The MS=msNNNNNNNN verification value, when known: otherwise taken from the tenant. */
  verificationTxt?: string;
  /** Exchange's DKIM for the domain: read and enabled through the Exchange Online admin API unless pasted here. */
  dkim?: ExchangeDkimConfig;
}

/**
 * mailshift:exchange.dkim, for a deployment that cannot reach the Exchange Online admin API: the two CNAME
 * targets as `Get-DkimSigningConfig -Identity <domain> | Format-List Selector1CNAME,Selector2CNAME` prints them,
 * and whether the operator has run `Set-DkimSigningConfig -Identity <domain> -Enabled $true` (plan/dkim.ts).
 */
export interface ExchangeDkimConfig {
  selector1CNAME: string;
  selector2CNAME: string;
  enabled: boolean;
}

/** mailshift:newHost.dkim: the new IMAP host signs the subdomain's mail with this selector; mailshift publishes its key. */
export interface NewHostDkimConfig {
  selector: string;
  /** The TXT value the host shows for <selector>._domainkey.<subdomain>: v=DKIM1; k=rsa; p=... */
  txt: string;
}

/** What both kinds of new host take beside their own keys. */
export interface NewHostCommon extends ImapAccessConfig, CopyLimits {
  /** The quota the host gives an account created without one; a mailbox audited above it needs a quota. */
  defaultQuotaBytes?: number;
}

export interface CpanelHostConfig extends NewHostCommon {
  kind: "cpanel";
  /** https://host:2083 */
  url: string;
  /** The cPanel account the API token belongs to. */
  user: string;
  /** MX target of the subdomain. */
  mx: string;
  /** SPF terms authorizing the new host (without v=spf1 and all). */
  spf: string;
  imapHost: string;
  imapPort: number;
  /** What users set as outgoing server; absent: imapHost, port 587 (notices say so). */
  smtpHost?: string;
  smtpPort?: number;
  dkim?: NewHostDkimConfig;
}

export interface DovecotHostConfig extends NewHostCommon {
  kind: "dovecot";
  ssh: { host: string; port: number; user: string };
  /** Dovecot passwd-file; may contain %u (one file per user, as Dovecot's passwd-file args allow). */
  passwdFile: string;
  /** Homes are <maildirRoot>/<lower-case address>; mail in its Maildir subfolder. */
  maildirRoot: string;
  uid: string;
  gid: string;
  mx: string;
  spf: string;
  imapHost: string;
  imapPort: number;
  smtpHost?: string;
  smtpPort?: number;
  dkim?: NewHostDkimConfig;
}

export type NewHostConfig = CpanelHostConfig | DovecotHostConfig;

export interface TtlConfig {
  /** Normal TTL, restored in finalize. */
  normal: number;
  /** Lowered TTL from prepare to cutover, so the switch propagates fast. */
  lowered: number;
}

export type DmarcPolicy = "none" | "quarantine" | "reject";

export interface DmarcConfig {
  /** The apex's policy once finalized; before that, none (report only). */
  policy: DmarcPolicy;
  /** The subdomain's own policy (its _dmarc record) once finalized; absent: plan/dmarc.ts decides. */
  subdomainPolicy?: DmarcPolicy;
  rua?: string;
}

export interface MailshiftConfig {
  domain: string;
  subdomain?: string;
  stage: Stage;
  previousStage?: Stage;
  force: boolean;
  /**
   * mailshift:protect as written; absent: the stack's name decides (plan/protection.ts: on for `production`).
   * On, the zone and the mail records are declared with Pulumi's `protect`.
   */
  protect?: boolean;
  /** The zone id when given (mailshift:cloudflare.zoneId); "" when the zone is looked up or created. */
  cloudflareZoneId: string;
  /** Where the Cloudflare zone comes from, and whether the zone file's records are imported into it. */
  cloudflareZone: ZoneSource;
  oldHost: OldHostConfig;
  mailboxes: MailboxConfig[];
  exchange?: ExchangeConfig;
  newHost?: NewHostConfig;
  ttl: TtlConfig;
  dmarc: DmarcConfig;
  /** Quota auto = audited bytes x headroom. */
  quotaHeadroom: number;
  /** Audited bytes per source login (from mailshift:audit and mailshift:auditFile). */
  audit: Record<string, number>;
  /** Who tells people what, and the channel that works when email does not; absent: no notices. */
  notices?: NoticesConfig;
  /** mailshift:gates: how long the gates wait, where DNS is asked (plan/gatesConfig.ts). */
  gates: GatesConfig;
  /** mailshift:override: gates passed over on purpose, with the reason (recorded in the outputs). */
  override?: OverrideConfig;
  /** Where `pulumi up` writes the stakeholder page; absent: report.<stack>.html in the project folder. */
  report?: ReportConfig;
  /** mailshift:waves: each wave's stack reference name (org/project/stack); absent: this stack copies every mailbox. */
  waves?: Record<string, string>;
}

/** mailshift:report. */
export interface ReportConfig {
  /** The page, relative to the project folder; default report.<stack>.html. */
  file?: string;
  /** The zone's negative-caching TTL (SOA minimum) in seconds, for added records; default 1800. */
  negativeTtl?: number;
}

/** A time span as written in the stack, ISO 8601 with its UTC offset, so people read their local time. */
export interface TimeWindow {
  start: string;
  end: string;
}

/**
 * mailshift:notices. The contact is the backup channel: a phone or a web page that still works when email
 * does not (an email address, when given, must be outside the domain being moved).
 */
export interface NoticesConfig {
  /** Sender of the notices; default: the contact's name at postmaster@<domain>. */
  from?: { name: string; address: string };
  contact: { name: string; phone?: string; url?: string; email?: string };
  /** Maintenance windows of the DNS changes people notice: when cutover and finalize run. */
  windows: { cutover?: TimeWindow; finalize?: TimeWindow };
  /** smtp:// or smtps:// URL of the relay that sends the copies to backup addresses (password: mailshift:smtpPassword). */
  smtp?: string;
}

/**
 * The Cloudflare zone: given by id (as before), looked up by the domain name, or created (the DNS move: its
 * nameservers are then set at the registrar once the new zone is proven equivalent).
 */
export type ZoneSource = (
  | { kind: "id"; zoneId: string }
  | { kind: "lookup"; name: string }
  | { kind: "create"; name: string; accountId: string }
) & {
  /** Every record of mailshift:zoneFile becomes a DnsRecord beside the mail records (default: when created). */
  importZoneFile: boolean;
};
