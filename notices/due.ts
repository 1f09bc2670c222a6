// Who is told what at a stage, in one line per person: the `noticesDue` output, so `pulumi preview` shows it
// before anything is sent; the NoticeDelivery resources of the stage (components/notices.ts) send it.
import type { Stage } from "../plan/types";
import { INBOX_OF_NOTICE, NOTICE_OF_STAGE, type NoticePlan } from "./types";

/** `relay`: whether mailshift:notices.smtp is set, without which no backup copy goes out. */
export function noticesDue(plan: NoticePlan, stage: Stage, relay = true): string[] {
  const notice = NOTICE_OF_STAGE[stage];
  if (!notice) return [];
  const host = INBOX_OF_NOTICE[notice];
  return plan.people.map((p) => {
    const backup = !p.backupAddress
      ? ""
      : relay
        ? ` and by SMTP to ${p.backupAddress}`
        : ` (no copy to ${p.backupAddress}: mailshift:notices.smtp is not set)`;
    return `${p.source}: the ${notice} notice, into the INBOX of ${host === "old" ? p.sourceUser : p.destination} on the ${host} host${backup} (sent once by pulumi up)`;
  });
}
