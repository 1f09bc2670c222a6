// Who is told what at a stage, in one line per person: the `noticesDue` stack output, so `pulumi preview`
// shows it before anything is sent.
import type { Stage } from "../plan/types";
import { INBOX_OF_NOTICE, NOTICE_OF_STAGE, type NoticePlan } from "./types";

export function noticesDue(plan: NoticePlan, stage: Stage): string[] {
  const notice = NOTICE_OF_STAGE[stage];
  if (!notice) return [];
  const host = INBOX_OF_NOTICE[notice];
  return plan.people.map(
    (p) =>
      `${p.source}: the ${notice} notice, into the INBOX of ${host === "old" ? p.sourceUser : p.destination} on the ${host} host${p.backupAddress ? ` and by SMTP to ${p.backupAddress}` : ""} (mailshift notices --send)`,
  );
}
