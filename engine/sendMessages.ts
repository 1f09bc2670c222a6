// Moves the missing messages of one folder group: reads them from the source in bounded batches and hands
// each batch to a free destination connection, recording per message what happened. Decides nothing about
// what is missing (missing.ts) and proves nothing about what arrived (copyFolder's arrival check).
import { digestsOf, type MessageMeta } from "./identity";
import { batches, type SourceRef } from "./missing";
import { storableFlags } from "./flags";
import { classifyAppendFailure, errorFacts, isNonexistentFolder, serverWords } from "./classify";
import { QuotaExceededError } from "./errors";
import type { GroupJob } from "./copyFolder";

export interface Arrival {
  source: number;
  meta: MessageMeta;
  /** The message's UID on the destination, when the server said it (UIDPLUS). */
  destUid?: number;
}

/** How the destination stores what is sent, and whether the Message-IDs still have to be read (with the bodies). */
export interface Sending {
  permanentFlags?: Set<string>;
  /** The listing had no Message-IDs: read each with its body (the arrival check compares them). */
  idsWithBodies: boolean;
}

/** Copies `sendable`; returns what the destination accepted. Throws the first failure that stops the mailbox. */
export async function sendMessages(
  job: GroupJob,
  sendable: readonly SourceRef[],
  { permanentFlags, idsWithBodies }: Sending,
): Promise<Arrival[]> {
  const { session, mailbox, limits, ledger } = job;
  const group = job.plan.group;
  const reader = await session.sourceReader();
  const pool = await session.appender();
  let fatal: unknown;
  const arrived: Arrival[] = [];
  for (let i = 0; i < group.sources.length && !fatal; i++) {
    const mine = sendable.filter((r) => r.source === i);
    if (!mine.length) continue;
    try {
      await reader.examine(group.sources[i].path);
    } catch (err) {
      if (!isNonexistentFolder(errorFacts(err))) throw err;
      ledger.note(i, "deleted on the source during the run: the rest of it was not copied");
      continue;
    }
    for (const batch of batches(mine, limits.batchBytes, limits.batchCount)) {
      if (fatal) break;
      // Read the whole batch, then hand it to a free connection and read the next one meanwhile:
      // memory holds at most a batch per connection, plus the one being read.
      const byUid = new Map(batch.map((r) => [r.meta.uid, r.meta]));
      const outgoing: { meta: MessageMeta; raw: Buffer[]; size: number }[] = [];
      await reader.fetchBodies(
        batch.map((r) => r.meta.uid),
        (uid, raw, size, messageId) => {
          const meta = byUid.get(uid);
          if (!meta) return;
          if (messageId !== undefined) meta.messageId = messageId;
          // The arrival check recognises a copy without a Message-ID by its content, as the next pass will.
          if (!meta.messageId && !meta.contentDigest) Object.assign(meta, digestsOf(Buffer.concat(raw)));
          outgoing.push({ meta, raw, size });
        },
        idsWithBodies,
      );
      const messages = outgoing.map((o) => ({
        raw: o.raw,
        flags: storableFlags(o.meta.flags, permanentFlags).storable,
        internalDate: new Date(o.meta.internalDate),
      }));
      await pool.submit(group.destination, messages, (k, r) => {
        const { meta, size } = outgoing[k];
        if (r.ok) {
          arrived.push({ source: i, meta, destUid: r.uid });
          ledger.copied(i, size);
          return;
        }
        const f = errorFacts(r.error);
        const kind = classifyAppendFailure(f);
        if (kind === "refused-message") {
          ledger.skipped(i, {
            folder: group.sourceNames[i],
            uid: meta.uid,
            messageId: meta.messageId,
            size: meta.size,
            reason: `refused by the destination: ${serverWords(f)}`,
          });
        } else if (kind === "overquota") {
          fatal ??= new QuotaExceededError(mailbox, group.destinationName, serverWords(f));
        } else {
          fatal ??= r.error;
        }
      });
    }
  }
  await pool.drain();
  if (fatal) throw fatal;
  return arrived;
}
