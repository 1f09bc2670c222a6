// What every throwaway IMAP server of the harness offers (Dovecot, Courier, Cyrus), so that one engine test can run
// against each of them as the old host and as the new one. Each server listens on 127.0.0.1 only, keeps its
// config, mail and log in one temp folder, and reads nothing from /etc.
import type { RawMessage } from "./corpus";
import type { LayoutSpec, MailUser } from "./dovecot";

export type ServerKind = "dovecot" | "courier" | "cyrus";

export interface ImapServer {
  readonly kind: ServerKind;
  readonly host: string;
  readonly port: number;
  /** How folders are named there: the personal namespace's prefix and separator, and its special folders. */
  readonly spec: LayoutSpec;
  /** imap://user@127.0.0.1:port (no password: the caller holds it). */
  url(user: string): string;
  /** Adds (or replaces) a user, able to log in when this resolves. */
  addUser(u: MailUser): Promise<void>;
  /**
   * Puts messages into a user's folder ("INBOX" or "/"-separated, without the namespace prefix) byte for byte,
   * without APPEND, as mail delivered by SMTP sits on an old host. Only servers with a file store offer it.
   */
  storeAsIs?(user: string, folder: string, msgs: readonly RawMessage[]): Promise<void>;
  stop(): Promise<void>;
  /** The server's own log, for a failing test's message. */
  logs(): string;
}
