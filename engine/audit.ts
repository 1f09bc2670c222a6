// Audit of a source mailbox: per folder, how many messages, how many bytes, the largest one.
// This is what the new host's quota must hold. Read-only.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { listFolders } from "./listing";
import { logicalSegments } from "./folderMap";
import { withRetries } from "./withRetries";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";

export interface FolderAudit {
  folder: string;
  messages: number;
  bytes: number;
  largest: number;
}

export interface AuditReport {
  mailbox: string;
  folders: FolderAudit[];
  totals: { messages: number; bytes: number; largest: number };
}

export async function auditMailbox(from: Endpoint, opts: { retry?: RetryPolicy } = {}): Promise<AuditReport> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const mailbox = mailboxLabel(from);
  const session = new MailboxSession(from, undefined, { retry }, 0);
  try {
    const { folders, namespace } = await withRetries(
      session,
      retry,
      { mailbox, folder: "(folder list)" },
      () => undefined,
      async () => listFolders(await session.source()),
    );
    const out: FolderAudit[] = [];
    for (const f of folders.filter((x) => x.selectable).sort((a, b) => (a.path < b.path ? -1 : 1))) {
      const folder = logicalSegments(f.path, namespace).join("/");
      out.push(
        await withRetries(
          session,
          retry,
          { mailbox, folder },
          () => undefined,
          async () => {
            const client = await session.source();
            const box = await client.mailboxOpen(f.path, { readOnly: true });
            const a: FolderAudit = { folder, messages: 0, bytes: 0, largest: 0 };
            if (box.exists > 0) {
              for await (const m of client.fetch("1:*", { size: true }, { uid: false })) {
                a.messages += 1;
                a.bytes += m.size ?? 0;
                a.largest = Math.max(a.largest, m.size ?? 0);
              }
            }
            return a;
          },
        ),
      );
    }
    return {
      mailbox,
      folders: out,
      totals: {
        messages: out.reduce((n, f) => n + f.messages, 0),
        bytes: out.reduce((n, f) => n + f.bytes, 0),
        largest: out.reduce((n, f) => Math.max(n, f.largest), 0),
      },
    };
  } finally {
    await session.close();
  }
}
