// Which secrets the plan needs, checked before anything is declared. Only presence is looked at here: the values
// stay in index.ts, wrapped as Pulumi secrets.
import { cfgPath, PlanError, PlanErrors } from "./errors";
import type { MailboxPlan } from "./routing";
import { stageIndex } from "./stage";
import type { MailshiftConfig } from "./types";

export interface SecretPresence {
  graphClientSecret: boolean;
  cpanelToken: boolean;
  sshPrivateKey: boolean;
  /** mailshift:oldHostAdminPassword / newHostAdminPassword: the password of oldHost.admin / newHost.admin. */
  oldHostAdminPassword?: boolean;
  newHostAdminPassword?: boolean;
  /** Per address, which passwords are set under mailshift:passwords. */
  passwords: Readonly<Record<string, { source: boolean; destination: boolean }>>;
}

const setSecret = (path: string, what: string) =>
  `Set it with \`pulumi config set --secret ${path.includes("[") ? "--path " : ""}'${path}' ${what}\``;

/**
 * What this stack does with the plan: without waves, everything; a domain stack with waves adds the domain and
 * creates the Entra users but copies nothing; a wave stack creates its accounts and copies (the domain is the
 * domain stack's).
 */
export interface SecretScope {
  addsDomain: boolean;
  copies: boolean;
}

export function checkSecrets(
  config: MailshiftConfig,
  mailboxes: readonly MailboxPlan[],
  has: SecretPresence,
  scope: SecretScope = { addsDomain: true, copies: true },
): void {
  const errors: PlanError[] = [];
  const need = (ok: boolean, path: string, why: string, what: string) => {
    if (!ok) errors.push(new PlanError(path, `is not set but ${why}`, setSecret(path, what)));
  };
  if (scope.addsDomain && mailboxes.some((m) => m.route === "exchange"))
    need(
      has.graphClientSecret,
      cfgPath("graphClientSecret"),
      "mailboxes go to exchange (the domain is added through Graph)",
      "CLIENT_SECRET",
    );
  if (mailboxes.some((m) => m.route === "imap")) {
    if (config.newHost?.kind === "cpanel") need(has.cpanelToken, cfgPath("cpanelToken"), "the new host is cPanel", "API_TOKEN");
    if (config.newHost?.kind === "dovecot")
      need(has.sshPrivateKey, cfgPath("sshPrivateKey"), "the new host is reached over SSH", '-- "$(cat KEYFILE)"');
  }
  const copying = scope.copies && stageIndex(config.stage) >= stageIndex("copy");
  const oldAdmin = config.oldHost.admin;
  const newAdmin = config.newHost?.admin;
  // an admin password without its login would be ignored: say so rather than copy with per-user passwords
  for (const [key, admin, host] of [
    ["oldHostAdminPassword", oldAdmin, "oldHost"],
    ["newHostAdminPassword", newAdmin, "newHost"],
  ] as const)
    if (has[key] && !admin)
      errors.push(
        new PlanError(
          cfgPath(key),
          `is set but ${cfgPath(host, "admin")} is not`,
          `Set ${cfgPath(host, "admin")} to the administrator's login, or remove the password: pulumi config rm ${cfgPath(key)}`,
        ),
      );
  if (copying && oldAdmin)
    need(
      has.oldHostAdminPassword === true,
      cfgPath("oldHostAdminPassword"),
      `stage ${config.stage} copies every mailbox from the old host as the administrator ${oldAdmin}`,
      "PASSWORD",
    );
  if (copying && newAdmin && mailboxes.some((m) => m.route === "imap"))
    need(
      has.newHostAdminPassword === true,
      cfgPath("newHostAdminPassword"),
      `stage ${config.stage} copies into the new host as the administrator ${newAdmin}`,
      "PASSWORD",
    );
  for (const m of mailboxes) {
    const p = has.passwords[m.source] ?? { source: false, destination: false };
    if (m.route === "imap")
      need(p.destination, cfgPath("passwords", m.source, "destination"), `${m.source} gets an account on the new host`, "PASSWORD");
    // with an administrator for the old host, no mailbox needs its own source password
    if (copying && !oldAdmin)
      need(
        p.source,
        cfgPath("passwords", m.source, "source"),
        `stage ${config.stage} copies ${m.source} from the old host (or set ${cfgPath("oldHost", "admin")} and ${cfgPath("oldHostAdminPassword")} to copy every mailbox as an administrator)`,
        "PASSWORD",
      );
  }
  if (errors.length > 0) throw new PlanErrors(errors);
}
