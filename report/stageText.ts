// What each stage means for the people whose mail moves, in plain words, and the checklists for the two
// stages that change where mail goes.
import { STAGES, type Stage } from "../plan/types";

export interface StageText {
  title: string;
  now: string;
  next: string;
  /** What users do during this stage. */
  users: string;
}

export const STAGE_TEXT: Record<Stage, StageText> = {
  prepare: {
    title: "Getting ready",
    now: "The new mailboxes are being created and the domain is being prepared. Mail still arrives at the old server, exactly as before.",
    next: "Next: copy. Existing mail is copied to the new mailboxes, one mailbox at a time, while everyone keeps working as usual.",
    users: "Nothing to do yet. Keep using your mail as usual.",
  },
  copy: {
    title: "Copying mail",
    now: "Existing mail is being copied to the new mailboxes. Mail still arrives at the old server; nothing is deleted there.",
    next: "Next: cutover. New mail starts arriving at the new mailboxes, and a last copy picks up what arrived in the meantime.",
    users: "Keep working as usual on the old server. Anything you receive now will be copied too.",
  },
  cutover: {
    title: "Switching over",
    now: "New mail now goes to the new mailboxes. A second copy picks up the mail that arrived during the first one.",
    next: "Next: finalize, a few days from now: a last copy of anything still delivered to the old server, then a check that every message arrived.",
    users: "Start using your new mailbox (see below if your address changes). Do not delete anything on the old server yet.",
  },
  finalize: {
    title: "Finishing",
    now: "A last copy picks up anything the old server still received, and every mailbox is checked: each message on the old server must be on the new one.",
    next: "This is the last stage. When every mailbox below says \u201cverified\u201d, the migration is complete and the old server can be retired.",
    users: "Use your new mailbox only. Tell IT if something you expect is missing.",
  },
};

/** Before switching mail over (cutover) and before retiring the old server (finalize). */
export const CHECKLISTS: { stage: Stage; title: string; items: string[] }[] = [
  {
    stage: "cutover",
    title: "Before cutover",
    items: [
      "Every mailbox shows its mail copied (the chart is full, or what is left is explained under \u201cnot copied\u201d).",
      "The DNS changes of the prepare stage have propagated (lowered TTLs are in effect everywhere).",
      "Users whose address changes have been told the date and what to do.",
      "Everyone knows how to open the new mailbox (Outlook or webmail for Exchange, the new server's settings for the others).",
      "Someone is available during and after the switch to answer questions.",
    ],
  },
  {
    stage: "finalize",
    title: "Before finalize",
    items: [
      "At least 5 days have passed since cutover: sending servers retry undelivered mail for up to 4\u20135 days (RFC 5321), and some may still deliver to the old server.",
      "The cutover DNS changes have propagated everywhere.",
      "Users confirm that new mail arrives in their new mailbox.",
      "After finalize: every mailbox says \u201cverified\u201d; only then retire the old server, keeping a backup.",
    ],
  },
];

export function stageNumber(stage: Stage): number {
  return STAGES.indexOf(stage) + 1;
}
