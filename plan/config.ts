// The stack configuration (namespace `mailshift`) parsed and checked into a MailshiftConfig. Pure: the caller
// reads the keys (pulumi.Config in index.ts, a YAML file in tests) and hands them over as plain values.
// Every problem is collected, so one preview reports them all.
import { planDkim } from "./dkim";
import { decideDmarc } from "./dmarc";
import { cfgPath, childPath, PlanError, PlanErrors } from "./errors";
import { parseGatesConfig } from "./gatesConfig";
import { parseQuota, parseSize, quotaProblems } from "./quota";
import { checkStageChange } from "./stage";
import { NEW_HOST_ANY, SCHEMA, type ObjectSchema } from "./schema";
import { SECRET_KEYS } from "./secretKeys";
import { parseWaves, WAVE_NAME_RE, WAVE_STACK_KEYS } from "./waves";
import { nearestKeys } from "./suggest";
import {
  ROUTES,
  STAGES,
  type CopyLimits,
  type DmarcConfig,
  type DmarcPolicy,
  type ExchangeConfig,
  type ExchangeDkimConfig,
  type FolderOptions,
  type ImapAccessConfig,
  type NewHostDkimConfig,
  type MailboxConfig,
  type MailshiftConfig,
  type MxHost,
  type NewHostConfig,
  type NoticesConfig,
  type ReportConfig,
  type TimeWindow,
  type OldHostConfig,
  type Route,
  type Stage,
  type ZoneSource,
} from "./types";

/** Top-level keys of the namespace, without `mailshift:`, as plain JSON values. Secrets are not read here. */
export type RawConfig = Readonly<Record<string, unknown>>;

export const CONFIG_KEYS = [
  "domain",
  "subdomain",
  "stage",
  "previousStage",
  "force",
  "cloudflare",
  "oldHost",
  "mailboxes",
  "exchange",
  "newHost",
  "ttl",
  "dmarc",
  "quotaHeadroom",
  "audit",
  "auditFile",
  "zoneFile",
  "notices",
  "protect",
  "report",
  "gates",
  "override",
  "waves",
] as const;

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const LOCAL_RE = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

class Reader {
  readonly errors: PlanError[] = [];
  fail(path: string, problem: string, fix: string): undefined {
    this.errors.push(new PlanError(path, problem, fix));
    return undefined;
  }
  /** Refuses every key of `o` the schema does not list, naming the nearest valid key when one is close. */
  keys(path: string, o: Record<string, unknown>, schema: ObjectSchema): void {
    for (const k of Object.keys(o))
      if (!schema.keys.includes(k)) this.unknownKey(childPath(path, k), k, schema.what, schema.keys, schema.keys);
  }
  unknownKey(path: string, key: string, what: string, valid: readonly string[], listed: readonly string[]): void {
    const near = nearestKeys(key, valid);
    const guess = near.length > 0 ? `Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}? ` : "Remove it or check the spelling. ";
    this.fail(path, `is not ${what}`, `${guess}Valid keys: ${listed.join(", ")}`);
  }
  obj(path: string, v: unknown, required: boolean): Record<string, unknown> | undefined {
    if (v === undefined || v === null)
      return required ? this.fail(path, "is missing", `Set it in the stack file (see the Configuration section of the README)`) : undefined;
    if (typeof v !== "object" || Array.isArray(v))
      return this.fail(path, `must be an object, got ${JSON.stringify(v)}`, "Write it as a YAML mapping");
    return v as Record<string, unknown>;
  }
  str(path: string, v: unknown, required: true, fix?: string): string | undefined;
  str(path: string, v: unknown, required: false, fix?: string): string | undefined;
  str(
    path: string,
    v: unknown,
    required: boolean,
    fix = "Set it in the stack file (see the Configuration section of the README)",
  ): string | undefined {
    if (v === undefined || v === null || v === "") return required ? this.fail(path, "is missing", fix) : undefined;
    if (typeof v !== "string") return this.fail(path, `must be a string, got ${JSON.stringify(v)}`, "Quote it in the stack file");
    return v.trim();
  }
  int(path: string, v: unknown, def: number, min: number, max: number): number {
    if (v === undefined || v === null) return def;
    const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      this.fail(path, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, "Fix the number");
      return def;
    }
    return n;
  }
  bool(path: string, v: unknown, def: boolean): boolean {
    if (v === undefined || v === null) return def;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    this.fail(path, `must be true or false, got ${JSON.stringify(v)}`, "Write true or false");
    return def;
  }
  domain(path: string, v: unknown, required: boolean): string | undefined {
    const s = required ? this.str(path, v, true) : this.str(path, v, false);
    if (s === undefined) return undefined;
    const d = s.toLowerCase().replace(/\.$/, "");
    if (!DOMAIN_RE.test(d)) return this.fail(path, `${JSON.stringify(s)} is not a domain name`, "Write a name like example.com");
    return d;
  }
  stage(path: string, v: unknown, required: boolean): Stage | undefined {
    const s = required
      ? this.str(path, v, true, `Set it to one of ${STAGES.join(", ")}: \`pulumi config set ${path} prepare\``)
      : this.str(path, v, false);
    if (s === undefined) return undefined;
    if (!(STAGES as readonly string[]).includes(s))
      return this.fail(path, `unknown stage ${JSON.stringify(s)}`, `Use one of ${STAGES.join(", ")}`);
    return s as Stage;
  }
}

function parseMx(r: Reader, path: string, v: unknown): MxHost[] {
  if (!Array.isArray(v) || v.length === 0) {
    r.fail(
      path,
      "must list the MX records in place today",
      "Write e.g. [{ host: mx.oldhost.net, priority: 10 }] (dig MX example.com shows them)",
    );
    return [];
  }
  const out: MxHost[] = [];
  v.forEach((e, i) => {
    const o = r.obj(`${path}[${i}]`, e, true);
    if (!o) return;
    r.keys(`${path}[${i}]`, o, SCHEMA["oldHost.mx[]"]);
    const host = r.domain(`${path}[${i}].host`, o.host, true);
    const priority = r.int(`${path}[${i}].priority`, o.priority, 10, 0, 65535);
    if (host) out.push({ host, priority });
  });
  return out;
}

function parseSpfTerms(r: Reader, path: string, v: unknown): string {
  const s = r.str(path, v, false) ?? "";
  if (/(^|\s)v=spf1(\s|$)/i.test(s) || /(^|\s)[-~?+]?all(\s|$)/i.test(s)) {
    r.fail(
      path,
      `lists "v=spf1" or "all" (${JSON.stringify(s)})`,
      "Give only the terms that authorize the host, e.g. include:_spf.oldhost.net; mailshift writes v=spf1 and ~all itself",
    );
  }
  return s.replace(/\s+/g, " ");
}

function parseOldHost(r: Reader, v: unknown): OldHostConfig {
  const p = (f: string) => cfgPath("oldHost", f);
  const o = r.obj(cfgPath("oldHost"), v, true) ?? {};
  r.keys(cfgPath("oldHost"), o, SCHEMA.oldHost);
  const imapHost = r.domain(p("imapHost"), o.imapHost, true) ?? "";
  const imapPort = r.int(p("imapPort"), o.imapPort, 993, 1, 65535);
  const folders = parseFolders(r, p("folders"), o.folders, SCHEMA["oldHost.folders"]);
  return {
    imapHost,
    imapPort,
    mx: o.mx === undefined && Object.keys(o).length === 0 ? [] : parseMx(r, p("mx"), o.mx),
    spf: parseSpfTerms(r, p("spf"), o.spf),
    ...parseImapAccess(r, "oldHost", o, imapHost, imapPort),
    ...(folders ? { folders } : {}),
  };
}

/** Engine default for parallel APPEND connections is 4; the provider takes at most this many. */
const MAX_CONNECTIONS = 32;
const LOOPBACK_NAME = /(^|\.)localhost$/;

/** tls, ca, insecure and admin of oldHost or newHost (`at`). */
function parseImapAccess(r: Reader, at: "oldHost" | "newHost", o: Record<string, unknown>, host: string, port: number): ImapAccessConfig {
  const p = (f: string) => cfgPath(at, f);
  const tlsRaw = r.str(p("tls"), o.tls, false);
  let tls: ImapAccessConfig["tls"];
  if (tlsRaw === "implicit" || tlsRaw === "starttls") tls = tlsRaw;
  else if (tlsRaw !== undefined)
    r.fail(p("tls"), `unknown mode ${JSON.stringify(tlsRaw)}`, "Use implicit (imaps, usually port 993) or starttls (usually port 143)");
  const ca = r.str(p("ca"), o.ca, false);
  if (ca?.includes("-----BEGIN"))
    r.fail(p("ca"), "holds a certificate's text", "Give the path of the PEM file (relative to the project directory); mailshift reads it");
  const insecure = r.bool(p("insecure"), o.insecure, false);
  if (insecure && host && !LOOPBACK_NAME.test(host))
    r.fail(
      p("insecure"),
      `is true but ${host} is not on this machine: the password would cross the network in plain text`,
      `Remove it and use tls: implicit or starttls (give a private CA with ${at}.ca); insecure is only for a host named *.localhost`,
    );
  const admin = r.str(p("admin"), o.admin, false);
  if (admin !== undefined && /[\s*]/.test(admin))
    r.fail(
      p("admin"),
      `${JSON.stringify(admin)} is not a login name`,
      "Give the administrator's own login (a Dovecot master user or Cyrus admin), without user* or spaces: mailshift sends the user as the authorization identity",
    );
  if (tls === "implicit" && port === 143)
    r.fail(p("tls"), "is implicit but imapPort is 143, the STARTTLS port", "Use tls: starttls, or the host's imaps port (usually 993)");
  return { ...(tls ? { tls } : {}), ...(ca ? { ca } : {}), ...(insecure ? { insecure } : {}), ...(admin ? { admin } : {}) };
}

/** folders: { rename: { SOURCE: DEST }, exclude: [PATTERN] } of oldHost or a mailbox. */
function parseFolders(r: Reader, path: string, v: unknown, schema: ObjectSchema): FolderOptions | undefined {
  const o = r.obj(path, v, false);
  if (!o) return undefined;
  r.keys(path, o, schema);
  const rename: Record<string, string> = {};
  const ro = r.obj(`${path}.rename`, o.rename, false) ?? {};
  for (const [from, to] of Object.entries(ro)) {
    const dest = r.str(`${path}.rename["${from}"]`, to, true, 'Map the source folder to its new name, e.g. "Sent Messages": Sent Items');
    if (from.trim() === "") r.fail(`${path}.rename`, "has an empty source folder name", "Name the source folder as the user sees it");
    else if (dest !== undefined) rename[from] = dest;
  }
  const exclude: string[] = [];
  if (o.exclude !== undefined && o.exclude !== null) {
    if (!Array.isArray(o.exclude))
      r.fail(`${path}.exclude`, `must be a list, got ${JSON.stringify(o.exclude)}`, 'Write e.g. [Junk, "Archive/2009*"]');
    else
      o.exclude.forEach((e, i) => {
        const s = r.str(`${path}.exclude[${i}]`, e, true, 'Give a folder name or a pattern with *, e.g. "Archive/2009*"');
        if (s !== undefined) exclude.push(s);
      });
  }
  for (const x of exclude)
    if (rename[x] !== undefined)
      r.fail(`${path}.rename["${x}"]`, `renames ${x}, which ${path}.exclude leaves out`, "Keep the folder in one of the two");
  return { rename, exclude };
}

/** maxMessageSize and connections of a destination host or a mailbox (`p` makes the config path). */
function parseLimits(r: Reader, p: (f: string) => string, o: Record<string, unknown>): CopyLimits {
  let maxMessageBytes: number | undefined;
  if (o.maxMessageSize !== undefined && o.maxMessageSize !== null) {
    try {
      maxMessageBytes = parseSize(o.maxMessageSize);
    } catch (err) {
      r.fail(p("maxMessageSize"), (err as Error).message, 'Write a number of bytes or a size like "50MB" or "35MiB"');
    }
  }
  const connections = o.connections === undefined ? undefined : r.int(p("connections"), o.connections, 4, 1, MAX_CONNECTIONS);
  return { ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}), ...(connections !== undefined ? { connections } : {}) };
}

/** The mailboxes that parse, and each one's position in mailshift:mailboxes (for later errors' paths). */
function parseMailboxes(r: Reader, v: unknown, domain: string | undefined): { list: MailboxConfig[]; at: number[] } {
  const path = cfgPath("mailboxes");
  if (!Array.isArray(v) || v.length === 0) {
    r.fail(path, "must list at least one mailbox", "Add entries like { address: alice@example.com, route: exchange }");
    return { list: [], at: [] };
  }
  const out: MailboxConfig[] = [];
  const at: number[] = [];
  v.forEach((e, i) => {
    const p = (f: string) => cfgPath("mailboxes", i, f);
    const o = r.obj(cfgPath("mailboxes", i), e, true);
    if (!o) return;
    r.keys(cfgPath("mailboxes", i), o, SCHEMA["mailboxes[]"]);
    const address = r.str(p("address"), o.address, true)?.toLowerCase();
    let ok = address !== undefined;
    if (address !== undefined) {
      const at = address.lastIndexOf("@");
      const local = address.slice(0, at);
      const host = address.slice(at + 1);
      if (at < 1 || !LOCAL_RE.test(local))
        ok = !!r.fail(p("address"), `${JSON.stringify(address)} is not an e-mail address`, "Write it as name@domain");
      else if (domain !== undefined && host !== domain)
        ok = !!r.fail(p("address"), `${address} is not on ${domain}`, `List only addresses @${domain}; mailshift moves one domain`);
    }
    const routeRaw = r.str(p("route"), o.route, true, `Set it to exchange or imap`);
    let route: Route | undefined;
    if (routeRaw !== undefined) {
      if ((ROUTES as readonly string[]).includes(routeRaw)) route = routeRaw as Route;
      else
        r.fail(
          p("route"),
          `unknown route ${JSON.stringify(routeRaw)}`,
          "Use exchange (Exchange Online, same address) or imap (the new IMAP host, address on the subdomain)",
        );
    }
    let quota: MailboxConfig["quota"];
    if (o.quota !== undefined && o.quota !== null) {
      try {
        quota = parseQuota(o.quota);
      } catch (err) {
        r.fail(p("quota"), (err as Error).message, 'Write auto, a number of bytes, or a size like "5GB" or "500MiB"');
      }
      if (quota && route === "exchange")
        r.fail(
          p("quota"),
          "is set on a mailbox routed to exchange",
          "Exchange sizes mailboxes by license; remove the quota or route the mailbox to imap",
        );
    }
    const sourceUser = r.str(p("sourceUser"), o.sourceUser, false) ?? address;
    const displayName = r.str(p("displayName"), o.displayName, false) ?? address?.split("@")[0] ?? "";
    const backupAddress = outsideAddress(r, p("backupAddress"), o.backupAddress, domain, "the person's private or other work address");
    const folders = parseFolders(r, p("folders"), o.folders, SCHEMA["mailboxes[].folders"]);
    const limits = parseLimits(r, p, o);
    const wave = r.str(p("wave"), o.wave, false);
    if (wave !== undefined && !WAVE_NAME_RE.test(wave))
      r.fail(p("wave"), `${JSON.stringify(wave)} is not a wave name`, "Use lower-case letters, digits and dashes: wave-a");
    if (ok && address !== undefined && route !== undefined && sourceUser !== undefined) {
      at.push(i);
      out.push({
        address,
        route,
        sourceUser,
        displayName,
        ...(quota ? { quota } : {}),
        ...(backupAddress ? { backupAddress } : {}),
        ...(folders ? { folders } : {}),
        ...limits,
        ...(wave !== undefined ? { wave } : {}),
      });
    }
  });
  return { list: out, at };
}

const ADDRESS_RE = /^[^@\s<>(),;:"]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * An address that must keep working when the moved domain's mail does not: a well-formed address on another
 * domain than `domain` (and its subdomains). `what` says whose address it is, for the fix.
 */
function outsideAddress(r: Reader, path: string, v: unknown, domain: string | undefined, what: string): string | undefined {
  const s = r.str(path, v, false)?.toLowerCase();
  if (s === undefined) return undefined;
  if (!ADDRESS_RE.test(s)) return r.fail(path, `${JSON.stringify(s)} is not an e-mail address`, `Write ${what} as name@domain`);
  const host = s.slice(s.lastIndexOf("@") + 1);
  if (domain !== undefined && (host === domain || host.endsWith(`.${domain}`)))
    return r.fail(
      path,
      `${s} is on ${domain}, the domain being moved`,
      `Give ${what} on another domain: it is what still works when ${domain}'s mail does not`,
    );
  return s;
}

const ISO_WINDOW_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?(Z|[+-]\d{2}:\d{2})$/;

function parseWindow(r: Reader, path: string, v: unknown, schema: ObjectSchema): TimeWindow | undefined {
  const o = r.obj(path, v, false);
  if (!o) return undefined;
  r.keys(path, o, schema);
  const fix = 'Write times with their UTC offset, e.g. { start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" }';
  const at = (k: "start" | "end"): string | undefined => {
    const s = r.str(`${path}.${k}`, o[k], true, fix);
    if (s === undefined) return undefined;
    const m = ISO_WINDOW_RE.exec(s);
    if (!m || Number.isNaN(Date.parse(s))) return r.fail(`${path}.${k}`, `${JSON.stringify(s)} is not a time with its UTC offset`, fix);
    // Date.parse takes 30 February as 2 March; the notice would name a day that does not exist
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (day.getUTCMonth() !== Number(m[2]) - 1 || Number(m[4]) > 23 || Number(m[5]) > 59)
      return r.fail(`${path}.${k}`, `${JSON.stringify(s)} is not a day and time that exist`, fix);
    return s;
  };
  const start = at("start");
  const end = at("end");
  if (start === undefined || end === undefined) return undefined;
  if (Date.parse(end) <= Date.parse(start))
    return r.fail(`${path}.end`, `${end} is not after start ${start}`, "End the window after it starts");
  return { start, end };
}

/** mailshift:notices: the sender, the backup channel (phone or web page), the maintenance windows. */
function parseNotices(r: Reader, v: unknown, domain: string | undefined): NoticesConfig | undefined {
  const o = r.obj(cfgPath("notices"), v, false);
  if (!o) return undefined;
  const p = (...f: string[]) => cfgPath("notices", ...f);
  r.keys(p(), o, SCHEMA.notices);
  const c = r.obj(p("contact"), o.contact, true) ?? {};
  r.keys(p("contact"), c, SCHEMA["notices.contact"]);
  const name = r.str(p("contact", "name"), c.name, true, "Name who people call when email does not work, e.g. IT help desk") ?? "";
  const phone = r.str(p("contact", "phone"), c.phone, false);
  if (phone !== undefined && !/^\+?[0-9][0-9 ().-]{4,30}$/.test(phone))
    r.fail(p("contact", "phone"), `${JSON.stringify(phone)} is not a phone number`, 'Write it as people dial it, e.g. "+1 555 0100"');
  const url = r.str(p("contact", "url"), c.url, false);
  if (url !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url))
    r.fail(p("contact", "url"), `${JSON.stringify(url)} is not a web address`, "Write https://status.example.net/mail");
  const email = outsideAddress(r, p("contact", "email"), c.email, domain, "the contact address");
  if (phone === undefined && url === undefined)
    r.fail(
      p("contact"),
      "has no phone and no url",
      "Give a phone number or a web page people can reach when email does not work (an email address alone is not a backup channel)",
    );
  let from: NoticesConfig["from"];
  const f = r.obj(p("from"), o.from, false);
  if (f) {
    r.keys(p("from"), f, SCHEMA["notices.from"]);
    const address = r.str(p("from", "address"), f.address, true, "Give the sender address, e.g. it@example.com")?.toLowerCase();
    if (address !== undefined && !ADDRESS_RE.test(address))
      r.fail(p("from", "address"), `${JSON.stringify(address)} is not an e-mail address`, "Write it as name@domain");
    else if (address !== undefined) from = { name: r.str(p("from", "name"), f.name, false) ?? name, address };
  }
  const w = r.obj(p("windows"), o.windows, false) ?? {};
  r.keys(p("windows"), w, SCHEMA["notices.windows"]);
  const cutover = parseWindow(r, p("windows", "cutover"), w.cutover, SCHEMA["notices.windows.cutover"]);
  const finalize = parseWindow(r, p("windows", "finalize"), w.finalize, SCHEMA["notices.windows.finalize"]);
  if (cutover && finalize && Date.parse(finalize.start) < Date.parse(cutover.end))
    r.fail(
      p("windows", "finalize", "start"),
      `${finalize.start} is before the cutover window ends (${cutover.end})`,
      "Finalize comes after cutover, at least 5 days later (senders retry for up to 5 days)",
    );
  // the relay for backup copies; its password is the secret mailshift:smtpPassword
  const smtp = r.str(p("smtp"), o.smtp, false);
  if (smtp !== undefined && !/^smtps?:\/\/([^:@/\s]+@)?[^:@/\s]+(:\d{1,5})?\/?$/.test(smtp))
    r.fail(
      p("smtp"),
      `${JSON.stringify(smtp)} is not an SMTP relay URL`,
      "Write smtp://[USER@]HOST:PORT (STARTTLS) or smtps://[USER@]HOST:PORT",
    );
  return {
    ...(from ? { from } : {}),
    ...(smtp ? { smtp } : {}),
    contact: { name, ...(phone ? { phone } : {}), ...(url ? { url } : {}), ...(email ? { email } : {}) },
    windows: { ...(cutover ? { cutover } : {}), ...(finalize ? { finalize } : {}) },
  };
}

/** mailshift:report: where `pulumi up` writes the stakeholder page (absent: report.<stack>.html, see index.ts). */
function parseReport(r: Reader, v: unknown): ReportConfig | undefined {
  const o = r.obj(cfgPath("report"), v, false);
  if (!o) return undefined;
  r.keys(cfgPath("report"), o, SCHEMA.report);
  const file = r.str(cfgPath("report", "file"), o.file, false);
  if (file !== undefined && !/\.html?$/i.test(file))
    r.fail(cfgPath("report", "file"), `${JSON.stringify(file)} does not end in .html`, "Name the page like reports/production.html");
  const negativeTtl = o.negativeTtl === undefined ? undefined : r.int(cfgPath("report", "negativeTtl"), o.negativeTtl, 1800, 0, 86400);
  return { ...(file ? { file } : {}), ...(negativeTtl !== undefined ? { negativeTtl } : {}) };
}

function parseExchange(r: Reader, v: unknown): ExchangeConfig | undefined {
  const o = r.obj(cfgPath("exchange"), v, false);
  if (!o) return undefined;
  r.keys(cfgPath("exchange"), o, SCHEMA.exchange);
  const p = (f: string) => cfgPath("exchange", f);
  const guid = (f: string, fix: string): string => {
    const s = r.str(p(f), o[f], true, fix) ?? "";
    if (s && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s))
      r.fail(p(f), `${JSON.stringify(s)} is not a GUID`, fix);
    return s.toLowerCase();
  };
  const tenantId = guid("tenantId", "Copy the tenant id from Entra admin center > Overview");
  const licenseGroupId = guid("licenseGroupId", "Copy the object id of the group that assigns the Exchange Online license");
  const graphClientId = guid(
    "graphClientId",
    "Copy the client id of the app registration mailshift calls Graph with (Domain.ReadWrite.All)",
  );
  const tenantDomain = r.domain(p("tenantDomain"), o.tenantDomain, true) ?? "";
  if (tenantDomain && !tenantDomain.endsWith(".onmicrosoft.com"))
    r.fail(
      p("tenantDomain"),
      `${tenantDomain} is not the tenant's initial domain`,
      "Give the contoso.onmicrosoft.com name shown in Entra admin center > Domains",
    );
  const usageLocation = (
    r.str(p("usageLocation"), o.usageLocation, true, "Set the two-letter country code licensing needs, e.g. US") ?? ""
  ).toUpperCase();
  if (usageLocation && !/^[A-Z]{2}$/.test(usageLocation))
    r.fail(p("usageLocation"), `${JSON.stringify(usageLocation)} is not a two-letter country code`, "Use ISO 3166 alpha-2, e.g. US, DE");
  const access = r.str(p("imapAccess"), o.imapAccess, false) ?? "application";
  if (access !== "application" && access !== "none")
    r.fail(p("imapAccess"), `unknown mode ${JSON.stringify(access)}`, "Use application (IMAP.AccessAsApp app for the copy) or none");
  const mx = r.domain(p("mx"), o.mx, false);
  const verificationTxt = r.str(p("verificationTxt"), o.verificationTxt, false);
  if (verificationTxt !== undefined && !/^MS=ms\d+$/.test(verificationTxt))
    r.fail(
      p("verificationTxt"),
      `${JSON.stringify(verificationTxt)} is not an MS=msNNNNNNNN value`,
      "Copy it from the domain's verification page, or remove it to take it from the tenant",
    );
  const dkim = parseExchangeDkim(r, o.dkim);
  return {
    tenantId,
    tenantDomain,
    licenseGroupId,
    usageLocation,
    imapAccess: access === "none" ? "none" : "application",
    graphClientId,
    ...(mx ? { mx } : {}),
    ...(verificationTxt ? { verificationTxt } : {}),
    ...parseLimits(r, p, o),
    ...(dkim ? { dkim } : {}),
  };
}

/** A DKIM CNAME target as Exchange prints it: the pre-2025 onmicrosoft.com form or the dkim.mail.microsoft one. */
const EXCHANGE_DKIM_TARGET = /^selector[12]-[a-z0-9-]+\._domainkey\.([a-z0-9-]+\.)*([a-z0-9-]+\.onmicrosoft\.com|dkim\.mail\.microsoft)$/;

/** mailshift:exchange.dkim: the CNAME targets pasted from Get-DkimSigningConfig, for a stack without the admin API. */
function parseExchangeDkim(r: Reader, v: unknown): ExchangeDkimConfig | undefined {
  const path = cfgPath("exchange", "dkim");
  const o = r.obj(path, v, false);
  if (!o) return undefined;
  r.keys(path, o, SCHEMA["exchange.dkim"]);
  const fix = (sel: string) =>
    `Paste ${sel} exactly as \`Get-DkimSigningConfig -Identity <domain> | Format-List Selector1CNAME,Selector2CNAME\` prints it (create it first with New-DkimSigningConfig -DomainName <domain> -Enabled $false), or remove exchange.dkim to let mailshift read it through the Exchange Online admin API`;
  const target = (k: "selector1CNAME" | "selector2CNAME"): string => {
    const s = (r.str(childPath(path, k), o[k], true, fix(k)) ?? "").toLowerCase().replace(/\.$/, "");
    if (s && (!EXCHANGE_DKIM_TARGET.test(s) || !s.startsWith(k === "selector1CNAME" ? "selector1-" : "selector2-")))
      r.fail(childPath(path, k), `${JSON.stringify(s)} is not an Exchange DKIM target for ${k.slice(0, 9)}`, fix(k));
    return s;
  };
  return {
    selector1CNAME: target("selector1CNAME"),
    selector2CNAME: target("selector2CNAME"),
    enabled: r.bool(childPath(path, "enabled"), o.enabled, false),
  };
}

/** mailshift:newHost.dkim: the selector the new host signs the subdomain's mail with, and its public key record. */
function parseNewHostDkim(r: Reader, v: unknown): NewHostDkimConfig | undefined {
  const path = cfgPath("newHost", "dkim");
  const o = r.obj(path, v, false);
  if (!o) return undefined;
  r.keys(path, o, SCHEMA["newHost.dkim"]);
  const selector =
    r.str(
      childPath(path, "selector"),
      o.selector,
      true,
      "Give the selector the host signs with (the s= of its DKIM-Signature), e.g. default",
    ) ?? "";
  if (selector && !/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*$/i.test(selector))
    r.fail(
      childPath(path, "selector"),
      `${JSON.stringify(selector)} is not a DKIM selector`,
      "Write the s= value, e.g. default or mail2024",
    );
  const txt = (
    r.str(
      childPath(path, "txt"),
      o.txt,
      true,
      "Paste the TXT value the host shows for <selector>._domainkey.<subdomain> (v=DKIM1; k=rsa; p=...)",
    ) ?? ""
  ).replace(/\s+/g, " ");
  if (txt && !/^(v=DKIM1;\s*)?([a-z]+=[^;]*;\s*)*p=[A-Za-z0-9+/= ]{40,}\s*;?\s*$/.test(txt))
    r.fail(
      childPath(path, "txt"),
      "is not a DKIM key record with a public key (p=)",
      "Paste the whole TXT value the host shows, e.g. v=DKIM1; k=rsa; p=MIIBIjANBgkq...",
    );
  return { selector: selector.toLowerCase(), txt };
}

function parseNewHost(r: Reader, v: unknown): NewHostConfig | undefined {
  const o = r.obj(cfgPath("newHost"), v, false);
  if (!o) return undefined;
  const p = (f: string) => cfgPath("newHost", f);
  const mx = r.domain(p("mx"), o.mx, true) ?? "";
  const spf = parseSpfTerms(r, p("spf"), o.spf);
  if (!spf)
    r.fail(p("spf"), "is missing", "Give the SPF terms that authorize the new host, e.g. a:mail.newhost.net or include:_spf.newhost.net");
  const imapHost = r.domain(p("imapHost"), o.imapHost, true) ?? "";
  const imapPort = r.int(p("imapPort"), o.imapPort, 993, 1, 65535);
  // Outgoing server the notices tell people to set; optional (default imapHost, 587).
  const smtpHost = r.domain(p("smtpHost"), o.smtpHost, false);
  const dkim = parseNewHostDkim(r, o.dkim);
  const smtp = {
    ...(smtpHost ? { smtpHost } : {}),
    ...(o.smtpPort !== undefined ? { smtpPort: r.int(p("smtpPort"), o.smtpPort, 587, 1, 65535) } : {}),
    ...(dkim ? { dkim } : {}),
  };
  let defaultQuotaBytes: number | undefined;
  if (o.defaultQuota !== undefined && o.defaultQuota !== null) {
    try {
      defaultQuotaBytes = parseSize(o.defaultQuota);
    } catch (err) {
      r.fail(p("defaultQuota"), (err as Error).message, 'Write the quota the host gives a new account, e.g. "1GB"');
    }
  }
  const copy = {
    ...parseImapAccess(r, "newHost", o, imapHost, imapPort),
    ...parseLimits(r, p, o),
    ...(defaultQuotaBytes !== undefined ? { defaultQuotaBytes } : {}),
  };
  const kind = r.str(p("kind"), o.kind, true, "Set it to cpanel or dovecot");
  r.keys(
    cfgPath("newHost"),
    o,
    kind === "cpanel" ? SCHEMA["newHost:cpanel"] : kind === "dovecot" ? SCHEMA["newHost:dovecot"] : NEW_HOST_ANY,
  );
  if (kind === "cpanel") {
    const url = r.str(p("url"), o.url, true, "Give the cPanel URL, e.g. https://host.example.net:2083") ?? "";
    if (url && !/^https?:\/\/[^/\s]+\/?$/.test(url))
      r.fail(p("url"), `${JSON.stringify(url)} is not a base URL`, "Write scheme, host and port only: https://host.example.net:2083");
    const user = r.str(p("user"), o.user, true, "Give the cPanel account name the API token belongs to") ?? "";
    return { kind, url: url.replace(/\/$/, ""), user, mx, spf, imapHost, imapPort, ...smtp, ...copy };
  }
  if (kind === "dovecot") {
    const ssh = r.obj(p("ssh"), o.ssh, true) ?? {};
    r.keys(p("ssh"), ssh, SCHEMA["newHost.ssh"]);
    const sp = (f: string) => cfgPath("newHost", "ssh", f);
    const abs = (f: string, fix: string): string => {
      const s = r.str(p(f), o[f], true, fix) ?? "";
      if (s && (!s.startsWith("/") || /[\s'"\\$`]/.test(s)))
        r.fail(p(f), `${JSON.stringify(s)} must be an absolute path without spaces, quotes or $`, fix);
      return s.replace(/\/$/, "");
    };
    const id = (f: string): string => {
      const s = String(o[f] ?? "");
      if (!/^[a-z_][a-z0-9_-]*$|^\d+$/i.test(s))
        r.fail(
          p(f),
          `${JSON.stringify(o[f])} is not a user/group name or number`,
          "Give the system user/group that owns the mail (e.g. vmail)",
        );
      return s;
    };
    return {
      kind,
      ssh: {
        host: r.str(sp("host"), ssh.host, true, "Give the SSH host of the Dovecot server") ?? "",
        port: r.int(sp("port"), ssh.port, 22, 1, 65535),
        user: r.str(sp("user"), ssh.user, true, "Give the SSH user (it must be able to write the passwd-file)") ?? "",
      },
      passwdFile: abs("passwdFile", "Give the passwd-file path from dovecot.conf's passdb args, e.g. /etc/dovecot/users"),
      maildirRoot: abs("maildirRoot", "Give the folder the homes live in, e.g. /var/mail/vhosts"),
      uid: id("uid"),
      gid: id("gid"),
      mx,
      spf,
      imapHost,
      imapPort,
      ...smtp,
      ...copy,
    };
  }
  if (kind !== undefined) r.fail(p("kind"), `unknown kind ${JSON.stringify(kind)}`, "Use cpanel or dovecot");
  return undefined;
}

const ZONE_MODES = ["existing", "create"] as const;
const HEX32 = /^[0-9a-f]{32}$/;

/**
 * mailshift:cloudflare: `zoneId` (an existing zone, as before), or `zone: existing` without zoneId (looked up by
 * the domain name), or `zone: create` with `accountId` (mailshift creates it). `importZoneFile` declares every
 * record of mailshift:zoneFile in the zone; it defaults to true only for a created zone, since an existing one
 * already holds its records.
 */
function parseZoneSource(r: Reader, cf: Record<string, unknown>, domain: string, zoneFile: unknown): { zoneId: string; zone: ZoneSource } {
  const p = (f: string) => cfgPath("cloudflare", f);
  r.keys(cfgPath("cloudflare"), cf, SCHEMA.cloudflare);
  const mode = r.str(p("zone"), cf.zone, false);
  if (mode !== undefined && !(ZONE_MODES as readonly string[]).includes(mode))
    r.fail(
      p("zone"),
      `unknown mode ${JSON.stringify(mode)}`,
      "Use existing (the zone is in Cloudflare: by zoneId, or looked up by the domain name) or create (mailshift creates it)",
    );
  const create = mode === "create";
  const importZoneFile = r.bool(p("importZoneFile"), cf.importZoneFile, create);
  if (importZoneFile && (zoneFile === undefined || zoneFile === null || zoneFile === ""))
    r.fail(
      p("importZoneFile"),
      "is on but mailshift:zoneFile is not set",
      "Export the zone from the old DNS host (BIND format) and set mailshift:zoneFile to its path, or set importZoneFile to false",
    );
  const zoneIdFix =
    "Copy the zone id from the Cloudflare dashboard's Overview page, or set mailshift:cloudflare.zone to existing (look it up by the domain name) or create";
  const zoneId = (mode === undefined ? r.str(p("zoneId"), cf.zoneId, true, zoneIdFix) : r.str(p("zoneId"), cf.zoneId, false)) ?? "";
  if (zoneId && !HEX32.test(zoneId))
    r.fail(p("zoneId"), `${JSON.stringify(zoneId)} is not a Cloudflare zone id`, "Copy the 32-hex-digit zone id from the Overview page");
  if (create) {
    if (zoneId)
      r.fail(
        p("zoneId"),
        "is set but cloudflare.zone is create",
        "Remove zoneId to create the zone, or set zone to existing to use the zone that id names",
      );
    const accountId =
      r.str(
        p("accountId"),
        cf.accountId,
        true,
        "Copy the account id from the Cloudflare dashboard (Account home > the account's menu > Copy account ID)",
      ) ?? "";
    if (accountId && !HEX32.test(accountId))
      r.fail(
        p("accountId"),
        `${JSON.stringify(accountId)} is not a Cloudflare account id`,
        "Copy the 32-hex-digit account id from the dashboard",
      );
    return { zoneId: "", zone: { kind: "create", name: domain, accountId, importZoneFile } };
  }
  if (cf.accountId !== undefined) r.fail(p("accountId"), "is only used when cloudflare.zone is create", "Remove it, or set zone to create");
  return zoneId
    ? { zoneId, zone: { kind: "id", zoneId, importZoneFile } }
    : { zoneId: "", zone: { kind: "lookup", name: domain, importZoneFile } };
}

function parseDmarc(r: Reader, v: unknown): DmarcConfig {
  const o = r.obj(cfgPath("dmarc"), v, false) ?? {};
  r.keys(cfgPath("dmarc"), o, SCHEMA.dmarc);
  const policyAt = (k: "policy" | "subdomainPolicy"): DmarcPolicy | undefined => {
    const policy = r.str(cfgPath("dmarc", k), o[k], false);
    if (policy !== undefined && !["none", "quarantine", "reject"].includes(policy))
      return r.fail(cfgPath("dmarc", k), `unknown policy ${JSON.stringify(policy)}`, "Use none, quarantine or reject");
    return policy as DmarcPolicy | undefined;
  };
  const policy = policyAt("policy") ?? "none";
  const subdomainPolicy = policyAt("subdomainPolicy");
  const rua = r.str(cfgPath("dmarc", "rua"), o.rua, false);
  if (rua !== undefined && !/^mailto:[^@\s;,]+@[^@\s;,]+$/.test(rua))
    r.fail(cfgPath("dmarc", "rua"), `${JSON.stringify(rua)} is not a mailto: address`, "Write mailto:dmarc@example.com");
  return { policy, ...(subdomainPolicy ? { subdomainPolicy } : {}), ...(rua ? { rua } : {}) };
}

function parseAudit(r: Reader, v: unknown): Record<string, number> {
  const o = r.obj(cfgPath("audit"), v, false) ?? {};
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(o)) {
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
      r.fail(cfgPath("audit", k), `must be a number of bytes, got ${JSON.stringify(n)}`, "Copy totals.bytes from `mailshift audit --json`");
    else out[k.toLowerCase()] = n;
  }
  return out;
}

/**
 * The configuration from the namespace's raw values, or PlanErrors listing every problem.
 * `auditEntries` are audits already read from mailshift:auditFile (parseAuditLines), merged under mailshift:audit.
 */
export function parseConfig(raw: RawConfig, auditEntries: Record<string, number> = {}): MailshiftConfig {
  const r = new Reader();
  const topLevel = [...CONFIG_KEYS, ...SECRET_KEYS];
  for (const k of Object.keys(raw))
    if ((WAVE_STACK_KEYS as readonly string[]).includes(k))
      r.fail(
        cfgPath(k),
        "is a wave stack's setting, but mailshift:domainStack is not set",
        `${
          nearestKeys(k, CONFIG_KEYS).length
            ? `Did you mean ${nearestKeys(k, CONFIG_KEYS)
                .map((n) => `\`${n}\``)
                .join(" or ")}? `
            : ""
        }A wave stack sets both mailshift:domainStack (the domain stack's reference name) and mailshift:wave; a domain stack lists its waves in mailshift:waves`,
      );
    else if (!topLevel.includes(k)) r.unknownKey(cfgPath(k), k, "a mailshift setting", topLevel, CONFIG_KEYS);
  const domain = r.domain(cfgPath("domain"), raw.domain, true);
  const subdomain = r.domain(cfgPath("subdomain"), raw.subdomain, false);
  if (domain && subdomain && !subdomain.endsWith(`.${domain}`))
    r.fail(cfgPath("subdomain"), `${subdomain} is not below ${domain}`, `Use a name like mail2.${domain}`);
  const stage = r.stage(cfgPath("stage"), raw.stage, true);
  const previousStage = r.stage(cfgPath("previousStage"), raw.previousStage, false);
  const force = r.bool(cfgPath("force"), raw.force, false);
  // a stage change that skips one is reported with the other problems (buildPlan checks it again for the warning);
  // without previousStage the stage-order gate checks the move against the stage the stack last deployed (plan/gates.ts)
  if (stage !== undefined && previousStage !== undefined) {
    try {
      checkStageChange(previousStage, stage, force);
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      r.errors.push(err);
    }
  }
  const protect = raw.protect === undefined || raw.protect === null ? undefined : r.bool(cfgPath("protect"), raw.protect, true);
  const cf = r.obj(cfgPath("cloudflare"), raw.cloudflare, true) ?? {};
  const { zoneId, zone: cloudflareZone } = parseZoneSource(r, cf, domain ?? "", raw.zoneFile);
  const oldHost = parseOldHost(r, raw.oldHost);
  const { list: mailboxes, at: mailboxAt } = parseMailboxes(r, raw.mailboxes, domain);
  const exchange = parseExchange(r, raw.exchange);
  const newHost = parseNewHost(r, raw.newHost);
  const ttlObj = r.obj(cfgPath("ttl"), raw.ttl, false) ?? {};
  r.keys(cfgPath("ttl"), ttlObj, SCHEMA.ttl);
  const ttl = {
    normal: r.int(cfgPath("ttl", "normal"), ttlObj.normal, 3600, 60, 86400),
    lowered: r.int(cfgPath("ttl", "lowered"), ttlObj.lowered, 300, 60, 86400),
  };
  if (ttl.lowered > ttl.normal)
    r.fail(cfgPath("ttl", "lowered"), `${ttl.lowered} is above ttl.normal ${ttl.normal}`, "The lowered TTL must not exceed the normal one");
  const dmarc = parseDmarc(r, raw.dmarc);
  let quotaHeadroom = 1.25;
  if (raw.quotaHeadroom !== undefined) {
    const h = Number(raw.quotaHeadroom);
    if (!Number.isFinite(h) || h < 1 || h > 10)
      r.fail(
        cfgPath("quotaHeadroom"),
        `must be a factor from 1 to 10, got ${JSON.stringify(raw.quotaHeadroom)}`,
        "Write e.g. 1.25 for 25% room to grow",
      );
    else quotaHeadroom = h;
  }
  const audit = { ...auditEntries, ...parseAudit(r, raw.audit) };
  // quotas against the audit and the host's default, with the other problems (plan/quota.ts)
  for (const q of quotaProblems(mailboxes, audit, quotaHeadroom, newHost?.defaultQuotaBytes))
    r.fail(cfgPath("mailboxes", mailboxAt[q.at]!, "quota"), q.message, "");
  const notices = parseNotices(r, raw.notices, domain);
  const report = parseReport(r, raw.report);
  for (const k of ["auditFile", "zoneFile"] as const) if (raw[k] !== undefined) r.str(cfgPath(k), raw[k], false);
  // p=quarantine/reject only where mail is DKIM-signed (plan/dmarc.ts), reported with the other problems
  if (domain) {
    // routes as written, so a mailbox refused for another reason does not also make its route look empty
    const written = Array.isArray(raw.mailboxes) ? (raw.mailboxes as { route?: unknown }[]).map((m) => m?.route) : [];
    const routes = { exchange: written.includes("exchange"), imap: written.includes("imap") };
    const dkim = planDkim({ domain, ...(subdomain ? { subdomain } : {}), exchange, newHost, cloudflareZone, routes });
    r.errors.push(...decideDmarc({ domain, ...(subdomain ? { subdomain } : {}), dmarc }, dkim).errors);
  }
  const { gates, override, errors: gateErrors } = parseGatesConfig(raw.gates, raw.override); // plan/gatesConfig.ts
  r.errors.push(...gateErrors);
  // every mailbox in a declared wave (plan/waves.ts)
  const { waves, errors: waveErrors } = parseWaves(raw.waves, mailboxes, mailboxAt);
  r.errors.push(...waveErrors);
  if (r.errors.length > 0) throw new PlanErrors(r.errors);
  return {
    domain: domain!,
    ...(subdomain ? { subdomain } : {}),
    stage: stage!,
    ...(previousStage ? { previousStage } : {}),
    force,
    ...(protect !== undefined ? { protect } : {}),
    cloudflareZoneId: zoneId,
    cloudflareZone,
    oldHost,
    mailboxes,
    ...(exchange ? { exchange } : {}),
    ...(newHost ? { newHost } : {}),
    ttl,
    dmarc,
    quotaHeadroom,
    audit,
    ...(notices ? { notices } : {}),
    ...(report ? { report } : {}),
    gates,
    ...(override ? { override } : {}),
    ...(waves ? { waves } : {}),
  };
}

export { SECRET_KEYS };

/**
 * Audits from a file of `mailshift audit --json` lines (one JSON object per line, as `>>` appends them), keyed
 * by the login user: the report's `mailbox` is `user@host:port`. Errors name the file and line.
 */
export function parseAuditLines(text: string, file: string): Record<string, number> {
  const out: Record<string, number> = {};
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new PlanError(
        `${file}:${i + 1}`,
        "is not JSON",
        "Write the file with `mailshift audit --from ... --json >> FILE`, one report per line",
      );
    }
    const o = v as { mailbox?: unknown; totals?: { bytes?: unknown } };
    const m = typeof o.mailbox === "string" ? /^(.*)@[^@]+:\d+$/.exec(o.mailbox) : null;
    if (!m || typeof o.totals?.bytes !== "number") {
      throw new PlanError(
        `${file}:${i + 1}`,
        "is not a mailshift audit report (no mailbox user@host:port and totals.bytes)",
        "Regenerate it with `mailshift audit --json`",
      );
    }
    out[m[1]!.toLowerCase()] = o.totals.bytes;
  });
  return out;
}

/**
 * The `mailshift:` keys of `pulumi.runtime.allConfig()`, secrets left out (they are read apart, as secrets).
 * Objects and lists arrive as JSON text; scalars stay strings (the parser reads "true" and "300" itself), so a
 * numeric-looking zone id is never rounded into a number.
 */
export function rawConfigFrom(all: Readonly<Record<string, string>>): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(CONFIG_NAMESPACE)) continue;
    const key = k.slice(CONFIG_NAMESPACE.length);
    if (!SECRET_KEYS.includes(key)) raw[key] = configValue(v);
  }
  return raw;
}

export const CONFIG_NAMESPACE = "mailshift:";

/** One config value as the stack file wrote it: JSON text for objects and lists, the string otherwise. */
export function configValue(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
