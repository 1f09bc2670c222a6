// Errors the engine raises. Each message names the mailbox (and folder when there is one) and says
// what to do; none ever contains a password or token.

/** Base class: everything the engine throws on purpose is a MailshiftError. */
export class MailshiftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A mistake in what the user asked for (bad URL, missing password variable, bad option). */
export class UsageError extends MailshiftError {}

/** The server refused the credentials. Retrying cannot help. */
export class AuthenticationError extends MailshiftError {
  constructor(
    readonly mailbox: string,
    hint: string,
    serverText?: string,
  ) {
    super(`authentication failed for ${mailbox}${serverText ? ` (server said: ${serverText})` : ""}: ${hint}`);
  }
}

/** The host could not be reached at all (DNS, refused, timeout) after the retries. */
export class UnreachableError extends MailshiftError {
  constructor(
    readonly mailbox: string,
    reason: string,
  ) {
    super(
      `cannot reach the IMAP server for ${mailbox}: ${reason}. ` +
        `Check the host name and port, that the server is running, and that no firewall is in the way.`,
    );
  }
}

/** The connection is not protected and the host is not on this machine: refuse to send a password. */
export class InsecureConnectionError extends MailshiftError {
  constructor(readonly mailbox: string) {
    super(
      `refusing to log in to ${mailbox} without TLS: the server does not offer STARTTLS and the host is not local. ` +
        `Use imaps:// for implicit TLS, or pass --insecure if you accept sending the password in plain text.`,
    );
  }
}

/** The destination mailbox is full: nothing more can be copied until its quota is raised. */
export class QuotaExceededError extends MailshiftError {
  constructor(
    readonly mailbox: string,
    readonly folder: string,
    serverText: string,
  ) {
    super(
      `the destination mailbox ${mailbox} is over its quota while copying folder "${folder}" ` +
        `(server said: ${serverText}). Raise the quota (run \`mailshift audit\` on the source for the size it must hold), ` +
        `then run the sync again: it resumes where it stopped, without duplicates.`,
    );
  }
}

/** A transient failure survived every retry. The next run resumes without duplicates. */
export class RetriesExhaustedError extends MailshiftError {
  constructor(
    readonly mailbox: string,
    readonly folder: string,
    attempts: number,
    cause: string,
  ) {
    super(
      `gave up on folder "${folder}" of ${mailbox} after ${attempts} attempts: ${cause}. ` +
        `Nothing copied so far is lost; run the sync again when the server is reachable and it resumes where it stopped.`,
    );
  }
}
