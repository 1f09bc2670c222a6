// The read side of an incremental pass: a group whose destination has not moved since its last proof, and whose
// sources only grew or lost mail. Reads the source's flag changes since the proof (none expected) and the new
// messages; never lists a folder in full, so the cost follows the new mail, not the folder.
import type { FolderGroup } from "./folderMap";
import type { MessageMeta } from "./identity";
import { listUidRange, noFlagChangeSince } from "./listing";
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
  const src = await session.source();
  const out: MessageMeta[][] = [];
  for (const [i, f] of group.sources.entries()) {
    const p = plan[i];
    if (!p.changedSince && p.provenBelow > p.upTo) {
      out.push([]);
      continue;
    }
    try {
      await src.mailboxOpen(f.path, { readOnly: true });
    } catch (err) {
      if (isNonexistentFolder(errorFacts(err))) return undefined;
      throw err;
    }
    if (p.changedSince && !(await noFlagChangeSince(src, p.provenBelow, p.changedSince))) return undefined;
    out.push(await listUidRange(src, p.provenBelow, p.upTo));
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
  const dst = await session.destination();
  if (!dst.capabilities.has("CONDSTORE")) return false;
  try {
    await dst.mailboxOpen(group.destination);
    const changed = await dst.search({ modseq: BigInt(modseq) + 1n }, { uid: true });
    return Array.isArray(changed) && changed.length === 0;
  } catch {
    return false;
  }
}
