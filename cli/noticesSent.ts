// The --sent FILE of `mailshift notices --send`: which notices went out by SMTP to which backup address. A
// backup mailbox is the person's own (often private) one, so it cannot be searched like the INBOX is: this
// record is what makes the second channel once-only. Deleting it means the backup copies are sent again.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { UsageError } from "../engine/errors";

export interface SentRecord {
  version: 1;
  /** "<message-id> <recipient>" -> when it was accepted by the relay (ISO 8601). */
  sent: Record<string, string>;
}

export function sentKey(messageId: string, recipient: string): string {
  return `${messageId} ${recipient.toLowerCase()}`;
}

export function readSent(file: string): SentRecord {
  if (!existsSync(file)) return { version: 1, sent: {} };
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as SentRecord;
    if (v.version !== 1 || typeof v.sent !== "object" || v.sent === null) throw new Error("unknown format");
    return v;
  } catch (err) {
    throw new UsageError(
      `--sent ${file}: not a record of sent notices (${(err as Error).message}); move it away to send the backup copies again`,
    );
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a record. */
export function writeSent(file: string, record: SentRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
