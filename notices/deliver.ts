// Delivery of composed notices on two channels. IMAP: APPENDed into the person's own INBOX (on the old host,
// or the new one after finalize), once: the INBOX is searched for the notice's Message-ID first. SMTP: to the backup address, once: a sent
// record (the caller keeps it) lists what went out, since nobody can search someone else's private mailbox.
import type { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import type { Notice } from "./types";

export class NoticeDeliveryError extends Error {
  override name = "NoticeDeliveryError";
}

export type Delivery = "delivered" | "already there";

/**
 * APPENDs `raw` (the MIME of `notice`) into INBOX of the mailbox `client` is logged in to as `login`, unless
 * a message with the notice's Message-ID is there already. Refuses a login that is not the person's.
 */
export async function appendNotice(client: ImapFlow, login: string, notice: Notice, raw: Buffer): Promise<Delivery> {
  if (login.toLowerCase() !== notice.appendTo.toLowerCase())
    throw new NoticeDeliveryError(
      `the ${notice.stage} notice for ${notice.to.address} belongs in the INBOX of ${notice.appendTo} on the ${notice.appendHost} host, not of ${login}; nothing was delivered`,
    );
  const lock = await client.getMailboxLock("INBOX");
  try {
    const found = await client.search({ header: { "message-id": notice.messageId } }, { uid: true });
    if (found && found.length > 0) return "already there";
    const res = await client.append("INBOX", raw);
    if (!res) throw new NoticeDeliveryError(`the server refused to APPEND the ${notice.stage} notice into ${login}'s INBOX`);
    return "delivered";
  } finally {
    lock.release();
  }
}

export interface SmtpRelay {
  host: string;
  port: number;
  /** true: implicit TLS (465); false: STARTTLS when offered, required unless the relay is on loopback. */
  secure: boolean;
  requireTls: boolean;
  user?: string;
  /** Secret: never logged. */
  password?: string;
  /** PEM of a private CA. */
  ca?: string;
}

/** Sends `raw` to the notice's backup address through the relay; the envelope sender is the notice's From. */
export async function sendBackup(relay: SmtpRelay, notice: Notice, raw: Buffer): Promise<void> {
  if (!notice.backupAddress) throw new NoticeDeliveryError(`the ${notice.stage} notice for ${notice.to.address} has no backup address`);
  const transport = nodemailer.createTransport({
    host: relay.host,
    port: relay.port,
    secure: relay.secure,
    requireTLS: relay.requireTls,
    ignoreTLS: !relay.secure && !relay.requireTls,
    ...(relay.user ? { auth: { user: relay.user, pass: relay.password ?? "" } } : {}),
    ...(relay.ca ? { tls: { ca: relay.ca } } : {}),
    connectionTimeout: 15_000,
    socketTimeout: 60_000,
  });
  try {
    await transport.sendMail({ envelope: { from: notice.from.address, to: [notice.backupAddress] }, raw });
  } catch (err) {
    throw new NoticeDeliveryError(
      `sending the ${notice.stage} notice for ${notice.to.address} to ${notice.backupAddress} through ${relay.host}:${relay.port} failed: ${(err as Error).message}`,
    );
  } finally {
    transport.close();
  }
}
