// Notices: one NoticeDelivery per person for the notice of the current stage (none in prepare), into the INBOX
// the person reads (the old host's login until finalize, the new mailbox's after), logged in with the same
// credentials as that person's migration, and by SMTP to the backup address when the stack gives a relay.
// Only the current stage's notices are declared: a notice of a stage that has passed would no longer be true,
// and forgetting the previous stage's resources deletes no mail.
import type * as pulumi from "@pulumi/pulumi";
import { composeNotices } from "../notices/compose";
import { INBOX_OF_NOTICE, NOTICE_OF_STAGE, type NoticePlan } from "../notices/types";
import type { PlannedMigration } from "../plan/plan";
import type { Stage } from "../plan/types";
import { NoticeDelivery, type RelayArgs } from "../providers/noticeDelivery/resource";
import { migrationEndpoints, type MigrationHosts, type PasswordOf } from "./migrations";

export interface NoticesArgs extends MigrationHosts {
  plan: NoticePlan;
  stage: Stage;
  migrations: readonly PlannedMigration[];
  password: PasswordOf;
  /** The relay for backup copies (mailshift:notices.smtp), when set. */
  relay?: RelayArgs;
  /** What the notice of each person waits for (their migration's pass, the stage's DNS changes), by source address. */
  after: (source: string) => pulumi.Input<pulumi.Resource>[];
}

export class Notices {
  /** By source address. */
  readonly deliveries: Record<string, NoticeDelivery> = {};
  /** Backup addresses that get no copy, and why: shown as warnings. */
  readonly unsent: string[] = [];

  constructor(name: string, args: NoticesArgs, opts?: pulumi.CustomResourceOptions) {
    const stage = NOTICE_OF_STAGE[args.stage];
    if (!stage) return;
    for (const n of composeNotices(args.plan, stage)) {
      const m = args.migrations.find((x) => x.source === n.to.address);
      // every person of the notice plan has a migration from copy on; a missing one is a wiring bug, said plainly
      if (!m) throw new Error(`no migration is planned for ${n.to.address}, so its ${stage} notice has no INBOX to go to`);
      const ends = migrationEndpoints(m, args, args.password);
      const inbox = INBOX_OF_NOTICE[stage] === "old" ? ends.source : ends.destination;
      if (n.backupAddress && !args.relay)
        this.unsent.push(
          `${n.to.address}: the ${stage} notice is not sent to the backup address ${n.backupAddress}: set mailshift:notices.smtp (the relay) to send it`,
        );
      this.deliveries[m.source] = new NoticeDelivery(
        `${name}-${stage}-${m.accountKey}`,
        {
          stage,
          recipient: n.to.address,
          recipientName: n.to.name,
          subject: n.subject,
          messageId: n.messageId,
          from: n.from,
          text: n.text,
          html: n.html,
          inboxHost: n.appendHost,
          appendTo: n.appendTo,
          inbox,
          ...(n.backupAddress && args.relay ? { backup: { address: n.backupAddress, relay: args.relay } } : {}),
        },
        { ...opts, dependsOn: args.after(m.source) },
      );
    }
  }
}
