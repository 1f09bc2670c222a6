// What the NoticeDelivery provider sees: plain values (the engine unwraps secrets for the dynamic-provider host).
import type { NoticeStage } from "../../notices/types";
import type { EndpointInput } from "../mailboxMigration/types";

export interface RelayInput {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  user?: string;
  /** Secret. */
  password?: string;
}

export interface NoticeDeliveryInputs {
  stage: NoticeStage;
  /** The person: the notice's To. */
  recipient: string;
  recipientName: string;
  subject: string;
  /** Deterministic from (domain, mailbox, stage): how the INBOX is searched for it before an APPEND. */
  messageId: string;
  from: { name: string; address: string };
  text: string;
  html: string;
  /** Which host's INBOX the person reads at this notice. */
  inboxHost: "old" | "new";
  /** The person's own login there, from the plan: the only INBOX this notice may go to. */
  appendTo: string;
  /** How to log in there: host, port, user (must be appendTo) and the person's credential (secret). */
  inbox: EndpointInput;
  /** The second channel, when the stack gives a backup address and a relay. */
  backup?: { address: string; relay: RelayInput };
}

/** The state after a delivery: the inputs without any credential, and what happened on each channel. */
export interface NoticeDeliveryOutputs extends Omit<NoticeDeliveryInputs, "inbox" | "backup"> {
  inbox: { host: string; port?: number; user: string };
  backupAddress?: string;
  /** "delivered" by this resource, or "already there" (found by Message-ID). */
  inboxResult: "delivered" | "already there";
  inboxAt: string;
  /** When the relay accepted the backup copy; absent while it is not sent. */
  backupSentAt?: string;
  lastError?: string;
}
