// The source's imapflow connection read as a bulk reader, for a few messages: a resync that copies the new mail
// of a folder already open there (incremental.ts read it) would otherwise log in once more only to read a few
// bodies, and a login costs more than imapflow's parsing of them (six round trips and a server process).
import type { ImapFlow } from "imapflow";

/** What sendMessages reads bodies with: a BulkConnection, or this. */
export interface BodyReader {
  examine(path: string): Promise<void>;
  fetchBodies(
    uids: readonly number[],
    onBody: (uid: number, chunks: Buffer[], size: number, messageId?: string) => void,
    withIds?: boolean,
  ): Promise<void>;
}

export class FlowReader implements BodyReader {
  constructor(private readonly client: ImapFlow) {}

  /** EXAMINE (read-only: the source is never changed), unless the folder is open read-only already. */
  async examine(path: string): Promise<void> {
    const box = this.client.mailbox;
    if (!box || box.path !== path || !box.readOnly) await this.client.mailboxOpen(path, { readOnly: true });
  }

  /** Whole messages, byte for byte, by UID. Message-IDs are not read here: the listing gave them. */
  async fetchBodies(uids: readonly number[], onBody: (uid: number, chunks: Buffer[], size: number) => void): Promise<void> {
    if (!uids.length) return;
    for await (const msg of this.client.fetch(uids.join(","), { uid: true, source: true }, { uid: true })) {
      if (msg.source) onBody(msg.uid, [msg.source], msg.source.length);
    }
  }
}
