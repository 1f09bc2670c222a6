// The read side of an incremental pass: a group whose destination has not moved since its last proof, and whose
// sources only grew or lost mail. Reads the source's flag changes since the proof (none expected) and the new
// messages; never lists a folder in full, so the cost follows the new mail, not the folder.
import type { FolderGroup } from "./folderMap";
import type { MessageMeta } from "./identity";
import { errorFacts, isNonexistentFolder } from "./classify";
import type { MailboxSession } from "./session";
import type { NewMail } from "./watermarks";

/**
 * Per source folder, the messages that arrived since the proof. Undefined when the proof does not carry over:
 * an older message changed flags (its destination copy is known only to a listing), or a folder is gone.
 */
export async function newSinceProof(
  session: MailboxSession,
  group: FolderGroup,
  plan: readonly NewMail[],
): Promise<MessageMeta[][] | undefined> {
  const out: MessageMeta[][] = [];
  for (const [i, f] of group.sources.entries()) {
    const p = plan[i];
    if (!p.changedSince && p.provenBelow > p.upTo) {
      out.push([]);
      continue;
    }
    // EXAMINE, the flag changes and the new messages in one round trip, on the connection that then reads the bodies.
    const src = await session.sourceReader();
    let read: Awaited<ReturnType<typeof src.readSince>>;
    try {
      read = await src.readSince(f.path, p.provenBelow, p.upTo, p.changedSince);
    } catch (err) {
      if (isNonexistentFolder(errorFacts(err))) return undefined;
      throw err;
    }
    if (!read.flagsUnchanged) return undefined;
    out.push(read.metas);
  }
  return out;
}

/**
 * True when the destination has none of `messages` by Message-ID (SEARCH HEADER, in batches): then none of them
 * has a counterpart there, whatever else the destination holds (mail of its own, copies of mail since deleted on
 * the source). Cheaper than a listing: the server looks, only the matches travel. False when the server cannot
 * answer or a message has no searchable Message-ID: the caller lists both sides instead.
 */
export async function noneOnDestination(session: MailboxSession, group: FolderGroup, messages: readonly MessageMeta[]): Promise<boolean> {
  if (messages.some((m) => !/^[\x21-\x7e]+$/.test(m.messageId))) return false;
  const ids = [...new Set(messages.map((m) => m.messageId))];
  const dst = await session.destination();
  await dst.mailboxOpen(group.destination);
  for (let i = 0; i < ids.length; i += 50) {
    const terms = ids.slice(i, i + 50).map((id) => ({ header: { "message-id": id } }));
    const found = await dst.search(terms.length === 1 ? terms[0] : { or: terms }, { uid: true });
    if (!Array.isArray(found) || found.length) return false;
  }
  return true;
}

/**
 * True when no message of the destination folder changed since `modseq` (SEARCH MODSEQ, RFC 7162): its
 * HIGHESTMODSEQ moved for something that is not a message (a METADATA entry; Dovecot counts the server's entries as
 * INBOX's). False when one did, or when the server cannot answer: the caller lists both sides instead.
 */
export async function unchangedOnDestination(session: MailboxSession, group: FolderGroup, modseq: string): Promise<boolean> {
  if (!/^[1-9]\d*$/.test(modseq)) return false;
  // on an append connection (the destination's login, taken over): no new login for one search
  const pool = await session.appender();
  return pool
    .use(async (c) => c.capabilities.has("CONDSTORE") && (await c.changedAfter(group.destination, BigInt(modseq))).length === 0)
    .catch(() => false);
}
