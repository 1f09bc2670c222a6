// Who is told what at a stage, in one line per person: the `noticesDue` stack output, so `pulumi preview`
// shows it before anything is sent.
import type { Stage } from "../plan/types";
import { NOTICE_OF_STAGE, type NoticePlan } from "./types";

export function noticesDue(plan: NoticePlan, stage: Stage): string[] {
  const notice = NOTICE_OF_STAGE[stage];
  if (!notice) return [];
  return plan.people.map(
    (p) => `${p.source}: the ${notice} notice, into the INBOX of ${p.sourceUser} on the old host${p.backupAddress ? ` and by SMTP to ${p.backupAddress}` : ""} (mailshift notices --send)`,
  );
}
