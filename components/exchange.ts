// Exchange Online through Entra (@pulumi/azuread): a user per exchange-routed mailbox (usageLocation set, since
// licensing refuses users without one), licensing by membership of the license group, and an app registration
// with IMAP.AccessAsApp for the copy engine (XOAUTH2), its password a secret.
// What azuread cannot do:
//  - adding the domain to the tenant and verifying it once the MS= TXT record exists: Microsoft Graph, in the
//    dynamic resources of providers/graph (ExchangeDomain below, then Exchange's DomainVerification);
//  - the domain's DKIM keys and signing: Exchange Online's admin API (providers/graph/dkimSigning.ts), since
//    neither Graph nor azuread has them;
//  - registering the app's service principal inside Exchange Online and granting it FullAccess to the mailboxes:
//    that is Exchange Online PowerShell only (New-ServicePrincipal, Add-MailboxPermission), so it runs through
//    @pulumi/command's local.Command with pwsh on the deploying machine.
import * as azuread from "@pulumi/azuread";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ExchangeConfig } from "../plan/types";
import { DkimKeys, DkimSigningEnabled } from "../providers/graph/dkimSigning";
import { DomainVerification, TenantDomain } from "../providers/graph/tenantDomain";

/** Office 365 Exchange Online's application id: the resource IMAP.AccessAsApp belongs to. */
export const EXCHANGE_ONLINE_APP_ID = "00000002-0000-0ff1-ce00-000000000000";
export const IMAP_ROLE = "IMAP.AccessAsApp";

export interface GraphAccess {
  exchange: ExchangeConfig;
  graphClientSecret: pulumi.Input<string>;
}

/** The custom domain added to the tenant; its MS= value goes into DNS before Exchange verifies it. */
export class ExchangeDomain extends pulumi.ComponentResource {
  readonly domain: TenantDomain;
  readonly verificationTxt: pulumi.Output<string>;

  constructor(name: string, args: GraphAccess & { domain: string }, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:exchange:ExchangeDomain", name, {}, opts);
    this.domain = new TenantDomain(
      `${name}-domain`,
      {
        domain: args.domain,
        tenantId: args.exchange.tenantId,
        clientId: args.exchange.graphClientId,
        clientSecret: args.graphClientSecret,
      },
      { parent: this },
    );
    this.verificationTxt = this.domain.verificationTxt;
    this.registerOutputs({ verificationTxt: this.verificationTxt });
  }
}

export interface ExchangeUserPlan {
  key: string;
  address: string;
  displayName: string;
}

export interface ExchangeArgs extends GraphAccess {
  domain: string;
  users: readonly ExchangeUserPlan[];
  /** Initial password per user (secret); undefined lets Entra generate one (the user resets it). */
  password: (address: string) => pulumi.Input<string> | undefined;
  /** The MS= TXT record: verification waits for it. */
  verificationRecord: pulumi.Resource;
  /** The MS= value (ExchangeDomain's output), and where it is published (plan/verification.ts). */
  verificationTxt: pulumi.Input<string>;
  verificationAt: { publishAt: "old-host" | "zone"; ttl: number };
  /**
   * Exchange's DKIM through the admin API (plan/dkim.ts): `read` the CNAME targets (absent when they are pasted in
   * config), `enable` signing once `cnameRecords` are declared.
   */
  dkim?: { read: boolean; enable: boolean; cnameRecords: pulumi.Resource[] };
  /**
   * Addresses that moved to the subdomain: Exchange becomes authoritative for the apex, so each old address gets
   * a mail contact forwarding to the new one (mail to bob@example.com keeps reaching bob@mail2.example.com).
   */
  forwards: readonly { from: string; to: string }[];
}

/** Exchange Online PowerShell: the app's service principal in Exchange, FullAccess on each mailbox, forwarding contacts. */
export const EXCHANGE_POWERSHELL = `$ErrorActionPreference = 'Stop'
Import-Module ExchangeOnlineManagement
if ($env:MAILSHIFT_EXO_CERT_THUMBPRINT) {
  Connect-ExchangeOnline -AppId $env:MAILSHIFT_EXO_APP_ID -CertificateThumbprint $env:MAILSHIFT_EXO_CERT_THUMBPRINT -Organization $env:ORG -ShowBanner:$false
} else {
  Connect-ExchangeOnline -Organization $env:ORG -Device -ShowBanner:$false
}
if ($env:SP_ID) {
  if (-not (Get-ServicePrincipal -Identity $env:SP_ID -ErrorAction SilentlyContinue)) {
    New-ServicePrincipal -AppId $env:APP_ID -ObjectId $env:SP_ID -DisplayName 'mailshift IMAP copy' | Out-Null
  }
  foreach ($m in $env:MAILBOXES.Split(',', [StringSplitOptions]::RemoveEmptyEntries)) {
    Add-MailboxPermission -Identity $m -User $env:SP_ID -AccessRights FullAccess -InheritanceType All | Out-Null
  }
}
# FORWARDS: old=new,old=new; a mail contact per moved address, its old address as primary SMTP address
foreach ($f in $env:FORWARDS.Split(',', [StringSplitOptions]::RemoveEmptyEntries)) {
  $old, $new = $f.Split('=')
  if (-not (Get-MailContact -Identity $old -ErrorAction SilentlyContinue)) {
    New-MailContact -Name $old -ExternalEmailAddress $new -PrimarySmtpAddress $old | Out-Null
  }
}`;

export class Exchange extends pulumi.ComponentResource {
  readonly verification: DomainVerification;
  /** Exchange's DKIM config for the domain (its CNAME targets), when read through the admin API. */
  readonly dkimKeys?: DkimKeys;
  readonly dkimSigning?: DkimSigningEnabled;
  /** MX target from the tenant's service configuration records. */
  readonly exchangeMx: pulumi.Output<string>;
  /** By accountKey. */
  readonly users: Record<string, azuread.User> = {};
  readonly imapApp?: { clientId: pulumi.Output<string>; clientSecret: pulumi.Output<string>; tenantId: string };

  constructor(name: string, args: ExchangeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:exchange:Exchange", name, {}, opts);
    const ex = args.exchange;
    this.verification = new DomainVerification(
      `${name}-verification`,
      {
        domain: args.domain,
        tenantId: ex.tenantId,
        clientId: ex.graphClientId,
        clientSecret: args.graphClientSecret,
        txtRecordId: (args.verificationRecord as pulumi.CustomResource).id,
        verificationTxt: args.verificationTxt,
        ...args.verificationAt,
      },
      { parent: this, dependsOn: [args.verificationRecord] },
    );
    this.exchangeMx = this.verification.exchangeMx;

    // DKIM keys exist only for a domain the tenant accepts: after verification. Signing is enabled after the
    // CNAMEs the keys' targets went into are declared; Exchange itself checks that they resolve.
    const dkimArgs = {
      domain: args.domain,
      tenantId: ex.tenantId,
      tenantDomain: ex.tenantDomain,
      clientId: ex.graphClientId,
      clientSecret: args.graphClientSecret,
    };
    if (args.dkim?.read || args.dkim?.enable)
      this.dkimKeys = new DkimKeys(`${name}-dkim`, dkimArgs, { parent: this, dependsOn: [this.verification] });
    if (args.dkim?.enable)
      this.dkimSigning = new DkimSigningEnabled(
        `${name}-dkim-signing`,
        { ...dkimArgs, cnameRecordIds: args.dkim.cnameRecords.map((r) => (r as pulumi.CustomResource).id) },
        { parent: this, dependsOn: [...args.dkim.cnameRecords, ...(this.dkimKeys ? [this.dkimKeys] : [])] },
      );

    const members: pulumi.Resource[] = [];
    for (const u of args.users) {
      const password = args.password(u.address);
      const user = new azuread.User(
        `${name}-user-${u.key}`,
        {
          userPrincipalName: u.address,
          displayName: u.displayName,
          mailNickname: u.address.slice(0, u.address.lastIndexOf("@")).replace(/[^A-Za-z0-9._-]/g, "_"),
          usageLocation: ex.usageLocation,
          ...(password !== undefined ? { password: pulumi.secret(password), forcePasswordChange: true } : {}),
        },
        // a user principal name on the domain needs the domain verified first; retained when removed from the
        // stack, since deleting the user deletes its Exchange mailbox and the mail in it
        { parent: this, dependsOn: [this.verification], retainOnDelete: true },
      );
      this.users[u.key] = user;
      members.push(
        // retained too: a mailbox whose license is removed is deleted by Exchange 30 days later
        new azuread.GroupMember(
          `${name}-license-${u.key}`,
          { groupObjectId: ex.licenseGroupId, memberObjectId: user.objectId },
          { parent: this, retainOnDelete: true },
        ),
      );
    }

    const forwards = args.forwards.map((f) => `${f.from}=${f.to}`).join(",");
    let appAccess: { APP_ID: pulumi.Output<string>; SP_ID: pulumi.Output<string> } | undefined;
    if (ex.imapAccess === "application" && args.users.length > 0) {
      const exo = new azuread.ServicePrincipal(
        `${name}-exchange-online`,
        { clientId: EXCHANGE_ONLINE_APP_ID, useExisting: true },
        { parent: this },
      );
      const roleId = exo.appRoleIds.apply((ids) => {
        const id = ids[IMAP_ROLE];
        if (!id)
          throw new Error(
            `Office 365 Exchange Online in tenant ${ex.tenantId} has no ${IMAP_ROLE} app role; is Exchange Online licensed in this tenant?`,
          );
        return id;
      });
      const app = new azuread.Application(
        `${name}-imap-app`,
        {
          displayName: `mailshift IMAP copy (${args.domain})`,
          requiredResourceAccesses: [{ resourceAppId: EXCHANGE_ONLINE_APP_ID, resourceAccesses: [{ id: roleId, type: "Role" }] }],
        },
        { parent: this },
      );
      const sp = new azuread.ServicePrincipal(`${name}-imap-sp`, { clientId: app.clientId }, { parent: this });
      new azuread.AppRoleAssignment(
        `${name}-imap-role`,
        { appRoleId: roleId, principalObjectId: sp.objectId, resourceObjectId: exo.objectId },
        { parent: this },
      );
      const secret = new azuread.ApplicationPassword(
        `${name}-imap-secret`,
        { applicationId: app.id, displayName: "mailshift copy engine", endDateRelative: "4320h" },
        { parent: this },
      );
      this.imapApp = { clientId: app.clientId, clientSecret: pulumi.secret(secret.value), tenantId: ex.tenantId };
      appAccess = { APP_ID: app.clientId, SP_ID: sp.objectId };
    }
    if (appAccess || forwards) {
      const addresses = args.users.map((u) => u.address).join(",");
      const env = {
        APP_ID: appAccess?.APP_ID ?? "",
        SP_ID: appAccess?.SP_ID ?? "",
        MAILBOXES: addresses,
        FORWARDS: forwards,
        ORG: ex.tenantDomain,
      };
      new command.local.Command(
        `${name}-exchange-powershell`,
        {
          interpreter: ["pwsh", "-NoProfile", "-NonInteractive", "-Command"],
          create: EXCHANGE_POWERSHELL,
          update: EXCHANGE_POWERSHELL,
          environment: env,
          triggers: [addresses, forwards],
        },
        // mailboxes exist only once the users are licensed; contacts need the domain accepted (verified)
        { parent: this, dependsOn: [...members, this.verification] },
      );
    }
    this.registerOutputs({ exchangeMx: this.exchangeMx });
  }
}
