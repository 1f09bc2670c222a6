// What the sandbox's domain and wave programs share: its limits (a loopback Dovecot, no Exchange), the hosts
// map standing in for /etc/hosts, and the new host's accounts as LocalDovecotAccount resources.
import * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "../components/stackSecrets";
import { configValue } from "../plan/config";
import type { MigrationPlan } from "../plan/plan";
import type { DovecotHostConfig } from "../plan/types";
import { LocalDovecotAccount } from "./localAccount";

/** The sandbox's new host, refused unless it is the loopback Dovecot and every mailbox goes to it. */
export function sandboxHost(plan: MigrationPlan): DovecotHostConfig {
  const host = plan.config.newHost;
  if (host?.kind !== "dovecot")
    throw new pulumi.RunError("mailshift:newHost: the sandbox stack needs kind dovecot (the loopback Dovecot scripts/sandbox.sh starts)");
  if (plan.mailboxes.some((m) => m.route !== "imap"))
    throw new pulumi.RunError("mailshift:mailboxes: the sandbox has no Exchange; route every mailbox to imap");
  return host;
}

// plan/config.ts accepts only domain names for imapHost and nothing on this machine resolves a dotted name to
// 127.0.0.1, so the sandbox stack names its hosts (imap.old.sandbox.test) and maps them to loopback here, as
// /etc/hosts would: `mailshift-sandbox:hosts` is read by the sandbox programs only.
export function sandboxAddress(all: Readonly<Record<string, string>>) {
  const hosts = (configValue(all["mailshift-sandbox:hosts"] ?? "{}") ?? {}) as Record<string, string>;
  return (s: { imapHost: string; imapPort: number }) => ({ imapHost: hosts[s.imapHost] ?? s.imapHost, imapPort: s.imapPort });
}

/** One LocalDovecotAccount per mailbox of `part` (ImapHost's account script, run locally), by accountKey. */
export function localAccounts(part: MigrationPlan, host: DovecotHostConfig, s: StackSecrets): Record<string, pulumi.CustomResource> {
  const accounts: Record<string, pulumi.CustomResource> = {};
  for (const m of part.mailboxes) {
    const password = s.passwordOf(m.source, "destination");
    if (!password)
      throw new Error(
        `mailshift:passwords["${m.source}"].destination is not set: pulumi config set --secret --path 'mailshift:passwords["${m.source}"].destination'`,
      );
    accounts[m.accountKey] = new LocalDovecotAccount(`imaphost-${m.accountKey}`, {
      address: m.destination,
      password,
      ...(m.quotaBytes !== undefined ? { quotaBytes: m.quotaBytes } : {}),
      passwdFile: host.passwdFile,
      maildirRoot: host.maildirRoot,
      uid: host.uid,
      gid: host.gid,
    });
  }
  return accounts;
}
