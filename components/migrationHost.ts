// A host as the migrations reach it: its TLS settings, the PEM of the CA file the stack names, and its
// administrator with the password from mailshift:oldHostAdminPassword / newHostAdminPassword (kept a secret).
import type * as pulumi from "@pulumi/pulumi";
import { cfgPath, PlanError } from "../plan/errors";
import type { ImapAccessConfig } from "../plan/types";
import type { ImapServer } from "./migrations";

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
