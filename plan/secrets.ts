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
  /** Per address, which passwords are set under mailshift:passwords. */
  passwords: Readonly<Record<string, { source: boolean; destination: boolean }>>;
}

const setSecret = (path: string, what: string) =>
  `Set it with \`pulumi config set --secret ${path.includes("[") ? "--path " : ""}'${path}' ${what}\``;

export function checkSecrets(config: MailshiftConfig, mailboxes: readonly MailboxPlan[], has: SecretPresence): void {
  const errors: PlanError[] = [];
  const need = (ok: boolean, path: string, why: string, what: string) => {
    if (!ok) errors.push(new PlanError(path, `is not set but ${why}`, setSecret(path, what)));
  };
  if (mailboxes.some((m) => m.route === "exchange"))
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
  const copying = stageIndex(config.stage) >= stageIndex("copy");
  for (const m of mailboxes) {
    const p = has.passwords[m.source] ?? { source: false, destination: false };
    if (m.route === "imap")
      need(p.destination, cfgPath("passwords", m.source, "destination"), `${m.source} gets an account on the new host`, "PASSWORD");
    if (copying)
      need(p.source, cfgPath("passwords", m.source, "source"), `stage ${config.stage} copies ${m.source} from the old host`, "PASSWORD");
  }
  if (errors.length > 0) throw new PlanErrors(errors);
}
