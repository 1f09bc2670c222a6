// A host as the migrations reach it: its TLS settings, the PEM of the CA file the stack names, and its
// administrator with the password from mailshift:oldHostAdminPassword / newHostAdminPassword (kept a secret).
import type * as pulumi from "@pulumi/pulumi";
import { cfgPath, PlanError } from "../plan/errors";
import type { ImapAccessConfig } from "../plan/types";
import type { ImapServer } from "./migrations";
import type { PreflightHostAccess } from "../world/gates";
import { readConfigFile } from "./configFile";
import { planned } from "./planned";
import type { StackSecrets } from "./stackSecrets";

export function migrationHost(
  host: ImapAccessConfig & { imapHost: string; imapPort: number },
  at: "oldHost" | "newHost",
  readFile: (key: string, file: string) => Buffer,
  adminPassword: pulumi.Output<string> | undefined,
): ImapServer {
  let ca: string | undefined;
  if (host.ca) {
    ca = readFile(`${at}.ca`, host.ca).toString("utf8");
    if (!ca.includes("-----BEGIN CERTIFICATE-----"))
      throw new PlanError(
        cfgPath(at, "ca"),
        `${host.ca} holds no PEM certificate`,
        "Give the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)",
      );
  }
  return {
    imapHost: host.imapHost,
    imapPort: host.imapPort,
    ...(host.tls ? { tls: host.tls } : {}),
    ...(ca ? { ca } : {}),
    ...(host.insecure ? { insecure: true } : {}),
    ...(host.admin && adminPassword ? { admin: { user: host.admin, password: adminPassword } } : {}),
  };
}

/** The same host for the preflight, which probes before any resource exists: plain values, read at run time. */
export function preflightAccess(
  host: ImapAccessConfig & { imapHost: string; imapPort: number },
  at: "oldHost" | "newHost",
  readFile: (key: string, file: string) => Buffer,
  adminPassword: string | undefined,
): PreflightHostAccess {
  const r = migrationHost(host, at, readFile, undefined);
  return {
    ...(r.tls ? { tls: r.tls } : {}),
    ...(r.ca ? { ca: r.ca } : {}),
    ...(r.insecure ? { insecure: true } : {}),
    ...(host.admin ? { admin: { user: host.admin, ...(adminPassword ? { password: adminPassword } : {}) } } : {}),
  };
}

/** Where a host name is reached: as named, or through the sandbox's stand-in for /etc/hosts. */
export type HostAddress = (s: { imapHost: string; imapPort: number }) => { imapHost: string; imapPort: number };

type Hosts = { oldHost: HostAccess; newHost?: HostAccess | undefined };
type HostAccess = ImapAccessConfig & { imapHost: string; imapPort: number };

/**
 * Both hosts as the migrations and the notices reach them, each administrator's password a secret; `address`
 * (the sandbox's /etc/hosts) changes only where a host name is reached.
 */
export function hostsReach(config: Hosts, secrets: StackSecrets, address?: HostAddress): { oldHost: ImapServer; newHost?: ImapServer } {
  const reach = (host: HostAccess, at: "oldHost" | "newHost"): ImapServer =>
    planned(() => ({ ...migrationHost(host, at, readConfigFile, secrets.secret(`${at}AdminPassword`)), ...address?.(host) }));
  return { oldHost: reach(config.oldHost, "oldHost"), ...(config.newHost ? { newHost: reach(config.newHost, "newHost") } : {}) };
}

/** Both hosts as the preflight reaches them (plain values, for the probes in this process). */
export function hostsAccess(config: Hosts, secrets: StackSecrets): Partial<Record<"oldHost" | "newHost", PreflightHostAccess>> {
  const access = (host: HostAccess, at: "oldHost" | "newHost") =>
    planned(() => preflightAccess(host, at, readConfigFile, secrets.plain(`${at}AdminPassword`)));
  return { oldHost: access(config.oldHost, "oldHost"), ...(config.newHost ? { newHost: access(config.newHost, "newHost") } : {}) };
}
