// The Message-ID of a notice is a function of (domain, mailbox, stage) only, so the same notice composed twice
// (a second `pulumi up`, a rerun of `mailshift notices --send`) carries the same id, and delivery can find it.
import { createHash } from "node:crypto";
import type { NoticeStage } from "./types";

/** `<notice.at-cutover.<hash>@example.com>`: the address is hashed, so the id does not spell it out. */
export function noticeMessageId(domain: string, mailbox: string, stage: NoticeStage): string {
  const hash = createHash("sha256").update(`${domain.toLowerCase()}\n${mailbox.toLowerCase()}\n${stage}`).digest("hex").slice(0, 32);
  return `<mailshift-notice.${stage}.${hash}@${domain.toLowerCase()}>`;
}
