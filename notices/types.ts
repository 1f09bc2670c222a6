// What the notices are made from (NoticePlan: plain data, a stack output, no secret) and what they are (Notice).
import type { Route, Stage, TimeWindow } from "../plan/types";

/** The three moments a person is told something. */
export const NOTICE_STAGES = ["before-cutover", "at-cutover", "after-finalize"] as const;
export type NoticeStage = (typeof NOTICE_STAGES)[number];

/**
 * The INBOX a person reads at each notice: the old host's until the switch (the delta passes then copy the
 * notice into the new mailbox too); the new mailbox once finalize has made the old host a thing of the past.
 */
export const INBOX_OF_NOTICE: Readonly<Record<NoticeStage, "old" | "new">> = {
  "before-cutover": "old",
  "at-cutover": "old",
  "after-finalize": "new",
};

/** Which notice a deployment of each plan stage sends: copy warns before cutover; prepare says nothing yet. */
export const NOTICE_OF_STAGE: Readonly<Record<Stage, NoticeStage | undefined>> = {
  prepare: undefined,
  copy: "before-cutover",
  cutover: "at-cutover",
  finalize: "after-finalize",
};

export type Security = "SSL/TLS" | "STARTTLS";

export interface ServerSettings {
  host: string;
  port: number;
  security: Security;
}

export interface NoticePerson {
  /** The address on the old host; the notice's To. */
  source: string;
  /** The login on the old host: the only INBOX a notice for this person may be APPENDed to. */
  sourceUser: string;
  displayName: string;
  route: Route;
  destination: string;
  addressChanges: boolean;
  /** Outside the moved domain: the notice also goes there by SMTP. */
  backupAddress?: string;
}

export interface NoticeContact {
  name: string;
  phone?: string;
  url?: string;
  email?: string;
}

export interface NoticePlan {
  domain: string;
  from: { name: string; address: string };
  contact: NoticeContact;
  windows: { cutover?: TimeWindow; finalize?: TimeWindow };
  /**
   * Mail to a moved address keeps reaching its owner: true when Exchange takes the apex and holds a forwarding
   * contact per moved address (components/exchange.ts). Without Exchange the apex MX stays on the old host.
   */
  oldAddressForwarded: boolean;
  /** What people on route imap set in their mail app. */
  newHost?: { imap: ServerSettings; smtp: ServerSettings };
  people: NoticePerson[];
}

/** One composed notice: who, when, and the same words as plain text and HTML. */
export interface Notice {
  stage: NoticeStage;
  /** Deterministic from (mailbox, stage): how delivery knows it already happened. */
  messageId: string;
  from: { name: string; address: string };
  to: { name: string; address: string };
  /** Which host's INBOX receives it (INBOX_OF_NOTICE)... */
  appendHost: "old" | "new";
  /** ...logged in as the person's own login there: sourceUser on the old host, the new address on the new one. */
  appendTo: string;
  backupAddress?: string;
  subject: string;
  text: string;
  html: string;
}
