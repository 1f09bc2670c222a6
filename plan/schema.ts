// The keys each object of the stack configuration accepts: one list per object, so plan/config.ts refuses an
// unknown key at every level (a typo must never fall back silently to a default) and the tests walk them all.
// mailshift:audit and mailshift:passwords are maps keyed by login or address, so they have no list here.

export interface ObjectSchema {
  /** What a key of the object is, for the error: `mailshift:dmarc.polcy: is not a dmarc setting`, article included. */
  readonly what: string;
  readonly keys: readonly string[];
}

const schema = (what: string, keys: readonly string[]): ObjectSchema => ({ what, keys });

/** How the copy engine reaches a host (plan/types.ts ImapAccessConfig). */
const IMAP_ACCESS = ["tls", "ca", "insecure", "admin"] as const;
/** Limits of the copy into a destination, per host and per mailbox. */
const COPY_LIMITS = ["maxMessageSize", "connections"] as const;
const NEW_HOST_COMMON = [
  "kind",
  "mx",
  "spf",
  "imapHost",
  "imapPort",
  "smtpHost",
  "smtpPort",
  ...IMAP_ACCESS,
  ...COPY_LIMITS,
  "defaultQuota",
  "dkim",
] as const;

/** Every nested object, by its path in the namespace (`[]` for each entry of a list, `:kind` for a variant). */
export const SCHEMA = {
  cloudflare: schema("a cloudflare setting", ["zoneId", "zone", "accountId", "importZoneFile"]),
  oldHost: schema("an oldHost setting", ["imapHost", "imapPort", "mx", "spf", ...IMAP_ACCESS, "folders"]),
  "oldHost.folders": schema("a folders setting", ["rename", "exclude"]),
  "oldHost.mx[]": schema("an MX setting", ["host", "priority"]),
  "mailboxes[]": schema("a mailbox setting", [
    "address",
    "route",
    "quota",
    "sourceUser",
    "displayName",
    "backupAddress",
    "folders",
    ...COPY_LIMITS,
    "wave",
  ]),
  "mailboxes[].folders": schema("a folders setting", ["rename", "exclude"]),
  exchange: schema("an exchange setting", [
    "tenantId",
    "tenantDomain",
    "licenseGroupId",
    "usageLocation",
    "imapAccess",
    "graphClientId",
    "mx",
    "verificationTxt",
    ...COPY_LIMITS,
    "dkim",
  ]),
  "exchange.dkim": schema("an exchange dkim setting", ["selector1CNAME", "selector2CNAME", "enabled"]),
  "newHost:cpanel": schema("a setting of a cpanel newHost", [...NEW_HOST_COMMON, "url", "user"]),
  "newHost:dovecot": schema("a setting of a dovecot newHost", [...NEW_HOST_COMMON, "ssh", "passwdFile", "maildirRoot", "uid", "gid"]),
  "newHost.dkim": schema("a newHost dkim setting", ["selector", "txt"]),
  "newHost.ssh": schema("an ssh setting", ["host", "port", "user"]),
  ttl: schema("a ttl setting", ["normal", "lowered"]),
  dmarc: schema("a dmarc setting", ["policy", "subdomainPolicy", "rua"]),
  notices: schema("a notices setting", ["from", "contact", "windows", "smtp"]),
  "notices.from": schema("a sender setting", ["name", "address"]),
  "notices.contact": schema("a contact setting", ["name", "phone", "url", "email"]),
  "notices.windows": schema("a stage with a maintenance window", ["cutover", "finalize"]),
  "notices.windows.cutover": schema("a window setting", ["start", "end"]),
  "notices.windows.finalize": schema("a window setting", ["start", "end"]),
  report: schema("a report setting", ["file", "negativeTtl"]),
  gates: schema("a gates setting", ["oldTtl", "finalizeAfter", "nameServers", "parentNameServer", "resolver", "preflight"]),
} as const satisfies Record<string, ObjectSchema>;

export type SchemaPath = keyof typeof SCHEMA;

/** A newHost whose kind is missing or unknown is checked against the keys of either kind. */
export const NEW_HOST_ANY: ObjectSchema = schema("a newHost setting", [
  ...new Set([...SCHEMA["newHost:cpanel"].keys, ...SCHEMA["newHost:dovecot"].keys]),
]);
