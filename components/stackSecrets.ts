// The stack's secrets as a program reads them (index.ts's domain, the sandbox, a wave): values only ever travel
// as Pulumi secrets; the plan is told only which are present (plan/secrets.ts).
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, configValue } from "../plan/config";
import type { MailboxPlan } from "../plan/routing";
import type { SecretPresence } from "../plan/secrets";

export interface StackSecrets {
  /** mailshift:<key> as a secret, when set and not empty. */
  secret(key: string): pulumi.Output<string> | undefined;
  /** mailshift:<key> as plain text, for what runs in this process only (the preflight, the relay's login). */
  plain(key: string): string | undefined;
  /** mailshift:passwords[address].source/destination as a secret. */
  passwordOf(address: string, which: "source" | "destination"): pulumi.Output<string> | undefined;
  /** The same, plain (the preflight's logins). */
  plainPassword(address: string, which: "source" | "destination"): string | undefined;
  /** Which secrets are set, for checkSecrets. */
  presence(mailboxes: readonly MailboxPlan[]): SecretPresence;
}

export function stackSecrets(all: Readonly<Record<string, string>>): StackSecrets {
  const plain = (key: string) => {
    const v = all[CONFIG_NAMESPACE + key];
    return v === undefined || v === "" ? undefined : v;
  };
  // keyed by address as typed in `pulumi config set --path`; compared lower-case like the mailbox addresses
  const passwords = Object.fromEntries(
    Object.entries(
      (configValue(all[`${CONFIG_NAMESPACE}passwords`] ?? "{}") ?? {}) as Record<
        string,
        { source?: unknown; destination?: unknown } | undefined
      >,
    ).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const plainPassword = (address: string, which: "source" | "destination") => {
    const v = passwords[address]?.[which];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const secret = (key: string) => {
    const v = plain(key);
    return v === undefined ? undefined : pulumi.secret(v);
  };
  const passwordOf = (address: string, which: "source" | "destination") => {
    const v = plainPassword(address, which);
    return v === undefined ? undefined : pulumi.secret(v);
  };
  return {
    secret,
    plain,
    passwordOf,
    plainPassword,
    presence: (mailboxes) => ({
      graphClientSecret: plain("graphClientSecret") !== undefined,
      cpanelToken: plain("cpanelToken") !== undefined,
      sshPrivateKey: plain("sshPrivateKey") !== undefined,
      oldHostAdminPassword: plain("oldHostAdminPassword") !== undefined,
      newHostAdminPassword: plain("newHostAdminPassword") !== undefined,
      passwords: Object.fromEntries(
        mailboxes.map((m) => [
          m.source,
          { source: plainPassword(m.source, "source") !== undefined, destination: plainPassword(m.source, "destination") !== undefined },
        ]),
      ),
    }),
  };
}
