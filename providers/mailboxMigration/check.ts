// check: validates and normalizes the inputs. Pure. Every failure names the property path and says what is
// wrong; no failure ever repeats a secret's value. Values not known yet (preview) are not judged.
import { defaultTlsMode } from "../../engine/endpoint";
import { isUnknown } from "./unknown";
import type { CheckFailure, EndpointInput, MigrationInputs, TlsMode } from "./types";

export const MAX_CONNECTIONS = 32;
const ENDPOINT_KEYS = ["host", "port", "tls", "user", "password", "accessToken", "oauth2", "insecure", "ca", "admin"];
const OAUTH2_KEYS = ["tenantId", "clientId", "clientSecret", "scope", "tokenUrl"];
const TOP_KEYS = ["source", "destination", "folders", "maxMessageBytes", "connections", "syncGeneration", "statusUrn", "__provider"];
const SECRET_KEYS = new Set(["password", "accessToken", "clientSecret"]);

type Bag = Record<string, unknown>;

function isBag(v: unknown): v is Bag {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

class Checker {
  readonly failures: CheckFailure[] = [];
  fail(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  unknownKeys(bag: Bag, allowed: readonly string[], at: string): void {
    for (const k of Object.keys(bag)) {
      if (!allowed.includes(k))
        this.fail(at ? `${at}.${k}` : k, `unknown property; expected one of ${allowed.filter((a) => !a.startsWith("__")).join(", ")}`);
    }
  }

  /** A required or optional non-empty string; secrets are never quoted back. */
  text(bag: Bag, key: string, at: string, required: boolean): string | undefined {
    const v = bag[key];
    const path = `${at}.${key}`;
    if (v === undefined || v === null) {
      if (required) this.fail(path, "is required");
      return undefined;
    }
    if (isUnknown(v)) return v as string;
    if (typeof v !== "string") {
      this.fail(path, `must be a string, not ${SECRET_KEYS.has(key) ? typeof v : describe(v)}`);
      return undefined;
    }
    if (v.trim() === "") {
      this.fail(path, "must not be empty");
      return undefined;
    }
    // a PEM file's text ends with a newline: only names and ids must be free of surrounding spaces
    if (!SECRET_KEYS.has(key) && key !== "ca" && v !== v.trim()) this.fail(path, `has leading or trailing spaces: ${describe(v)}`);
    // redaction skips one- and two-character strings (they would shred every message), so such a secret could leak
    if (SECRET_KEYS.has(key) && v.length < 3)
      this.fail(path, "is shorter than 3 characters: too short to be kept out of logs; check the value");
    return v;
  }

  integer(bag: Bag, key: string, at: string, min: number, max: number, what: string): number | undefined {
    const v = bag[key];
    const path = at ? `${at}.${key}` : key;
    if (v === undefined || v === null) return undefined;
    if (isUnknown(v)) return v as number;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `must be ${what}, not ${describe(v)}`);
      return undefined;
    }
    return v;
  }
}

function checkOAuth2(c: Checker, v: unknown, at: string): EndpointInput["oauth2"] {
  if (isUnknown(v)) return v as EndpointInput["oauth2"];
  if (!isBag(v)) {
    c.fail(at, `must be an object with tenantId, clientId and clientSecret, not ${describe(v)}`);
    return undefined;
  }
  c.unknownKeys(v, OAUTH2_KEYS, at);
  const tokenUrl = c.text(v, "tokenUrl", at, false);
  if (tokenUrl && !isUnknown(tokenUrl)) {
    let ok = false;
    try {
      const u = new URL(tokenUrl);
      ok = u.protocol === "https:" || (u.protocol === "http:" && /^(127\.|localhost$|\[::1\]$)/.test(u.hostname));
    } catch {
      ok = false;
    }
    if (!ok) c.fail(`${at}.tokenUrl`, `must be an https:// URL (http:// only on this machine), not ${describe(tokenUrl)}`);
  }
  return {
    tenantId: c.text(v, "tenantId", at, true) ?? "",
    clientId: c.text(v, "clientId", at, true) ?? "",
    clientSecret: c.text(v, "clientSecret", at, true) ?? "",
    ...(v.scope !== undefined ? { scope: c.text(v, "scope", at, false) } : {}),
    ...(tokenUrl !== undefined ? { tokenUrl } : {}),
  };
}

function checkEndpoint(c: Checker, v: unknown, at: "source" | "destination"): EndpointInput | undefined {
  if (v === undefined || v === null) {
    c.fail(at, "is required: an object with host, user and a password (or an OAuth2 token source)");
    return undefined;
  }
  if (isUnknown(v)) return v as EndpointInput;
  if (!isBag(v)) {
    c.fail(at, `must be an object with host, port, tls, user and a password, not ${describe(v)}`);
    return undefined;
  }
  c.unknownKeys(v, ENDPOINT_KEYS, at);
  const host = c.text(v, "host", at, true);
  if (host && !isUnknown(host)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) c.fail(`${at}.host`, `give the host name only, not a URL: ${describe(host)}`);
    else if (/[\s/@]/.test(host)) c.fail(`${at}.host`, `is not a host name: ${describe(host)}`);
  }
  const user = c.text(v, "user", at, true);
  let tls: TlsMode | undefined;
  if (v.tls !== undefined && v.tls !== null) {
    if (isUnknown(v.tls)) tls = v.tls as TlsMode;
    else if (v.tls === "implicit" || v.tls === "starttls") tls = v.tls;
    else c.fail(`${at}.tls`, `must be "implicit" (imaps, usually port 993) or "starttls" (usually port 143), not ${describe(v.tls)}`);
  }
  let port = c.integer(v, "port", at, 1, 65535, "a whole number from 1 to 65535");
  if (tls === undefined && v.tls === undefined) tls = defaultTlsMode(port);
  if (port === undefined && v.port === undefined) port = tls === "starttls" ? 143 : 993;

  const password = c.text(v, "password", at, false);
  const accessToken = c.text(v, "accessToken", at, false);
  const oauth2 = v.oauth2 === undefined || v.oauth2 === null ? undefined : checkOAuth2(c, v.oauth2, `${at}.oauth2`);
  const given = [v.password, v.accessToken, v.oauth2].filter((x) => x !== undefined && x !== null).length;
  if (given === 0) c.fail(`${at}.password`, `is required (or ${at}.oauth2 for an OAuth2 token source, or ${at}.accessToken)`);
  if (given > 1) c.fail(at, "give exactly one of password, accessToken and oauth2");

  let insecure: boolean | undefined;
  if (v.insecure !== undefined && v.insecure !== null) {
    if (typeof v.insecure === "boolean" || isUnknown(v.insecure)) insecure = v.insecure as boolean;
    else c.fail(`${at}.insecure`, `must be true or false, not ${describe(v.insecure)}`);
  }
  const ca = c.text(v, "ca", at, false);
  if (ca && !isUnknown(ca) && !ca.includes("-----BEGIN CERTIFICATE-----"))
    c.fail(`${at}.ca`, "must be a PEM certificate (the text of the .pem file, starting with -----BEGIN CERTIFICATE-----), not a file name");

  const admin = c.text(v, "admin", at, false);
  if (admin !== undefined && !isUnknown(admin) && v.password === undefined)
    c.fail(`${at}.admin`, `logs in with a password (SASL PLAIN): give the administrator's password as ${at}.password`);

  const out: EndpointInput = { host: host ?? "", port, tls, user: user ?? "" };
  if (admin !== undefined) out.admin = admin;
  if (password !== undefined) out.password = password;
  if (accessToken !== undefined) out.accessToken = accessToken;
  if (oauth2 !== undefined) out.oauth2 = oauth2;
  if (insecure !== undefined) out.insecure = insecure;
  if (ca !== undefined) out.ca = ca;
  return out;
}

function checkFolders(c: Checker, v: unknown): MigrationInputs["folders"] {
  if (v === undefined || v === null) return undefined;
  if (isUnknown(v)) return v as MigrationInputs["folders"];
  if (!isBag(v)) {
    c.fail("folders", `must be an object with rename and exclude, not ${describe(v)}`);
    return undefined;
  }
  c.unknownKeys(v, ["rename", "exclude"], "folders");
  const out: NonNullable<MigrationInputs["folders"]> = {};
  if (v.rename !== undefined && v.rename !== null) {
    if (isUnknown(v.rename)) out.rename = v.rename as Record<string, string>;
    else if (!isBag(v.rename)) c.fail("folders.rename", `must map source folder names to destination names, not ${describe(v.rename)}`);
    else {
      out.rename = {};
      for (const [from, to] of Object.entries(v.rename)) {
        if (from.trim() === "") c.fail("folders.rename", "has an empty source folder name");
        else if (typeof to !== "string" || (!isUnknown(to) && to.trim() === ""))
          c.fail(`folders.rename["${from}"]`, `must be a destination folder name, not ${describe(to)}`);
        else out.rename[from] = to;
      }
    }
  }
  if (v.exclude !== undefined && v.exclude !== null) {
    if (isUnknown(v.exclude)) out.exclude = v.exclude as string[];
    else if (!Array.isArray(v.exclude)) c.fail("folders.exclude", `must be a list of folder names or patterns, not ${describe(v.exclude)}`);
    else {
      out.exclude = [];
      v.exclude.forEach((p, i) => {
        if (typeof p !== "string" || (!isUnknown(p) && p.trim() === ""))
          c.fail(`folders.exclude[${i}]`, `must be a folder name or a pattern with *, not ${describe(p)}`);
        else out.exclude!.push(p);
      });
    }
  }
  return out;
}

function sameMailbox(a: EndpointInput, b: EndpointInput): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.user.toLowerCase() === b.user.toLowerCase();
}

export interface CheckOutcome {
  inputs: MigrationInputs;
  failures: CheckFailure[];
}

/** Validates `news` and returns them normalized (default port and TLS mode, syncGeneration 0). */
export function checkInputs(news: Record<string, unknown>): CheckOutcome {
  const c = new Checker();
  c.unknownKeys(news, TOP_KEYS, "");
  const source = checkEndpoint(c, news.source, "source");
  const destination = checkEndpoint(c, news.destination, "destination");
  const folders = checkFolders(c, news.folders);
  const maxMessageBytes = c.integer(news, "maxMessageBytes", "", 1, Number.MAX_SAFE_INTEGER, "a positive whole number of bytes");
  const connections = c.integer(news, "connections", "", 1, MAX_CONNECTIONS, `a whole number from 1 to ${MAX_CONNECTIONS}`);
  const syncGeneration = c.integer(news, "syncGeneration", "", 0, Number.MAX_SAFE_INTEGER, "a whole number, 0 or more");
  if (source && destination && !isUnknown(source) && !isUnknown(destination) && sameMailbox(source, destination))
    c.fail(
      "destination",
      `is the same mailbox as source (${source.user}@${source.host}:${source.port}); copying a mailbox onto itself would do nothing`,
    );

  const inputs: MigrationInputs = {
    source: source ?? ({} as EndpointInput),
    destination: destination ?? ({} as EndpointInput),
    syncGeneration: syncGeneration ?? 0,
  };
  if (folders !== undefined) inputs.folders = folders;
  if (maxMessageBytes !== undefined) inputs.maxMessageBytes = maxMessageBytes;
  if (connections !== undefined) inputs.connections = connections;
  if (typeof news.statusUrn === "string") inputs.statusUrn = news.statusUrn;
  return { inputs, failures: c.failures };
}
