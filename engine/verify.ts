// An independent pass that proves every source message is on the destination, folder by folder.
// Deep (the default for `mailshift verify`): compares a digest of every message's bytes (line endings aside)
// and its INTERNALDATE. Quick (the closing check of a sync): compares the identity used for copying.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { planMailbox } from "./folderGroups";
import type { FolderGroup, FolderMapOptions } from "./folderMap";
import { fetchContentDigests, listMessages, type FolderListing } from "./listing";
import { ambiguousKeys, baseKey, type MessageMeta } from "./identity";
import { folderDelta } from "./missing";
import { withRetries } from "./withRetries";
import { listSources } from "./copyFolder";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import type { ConnectOptions } from "./connect";

export interface MissingMessage {
  folder: string;
  uid: number;
  messageId: string;
  size: number;
  internalDate: string;
}

export interface FolderVerification {
  folder: string;
  destination: string;
  onSource: number;
  found: number;
  missing: MissingMessage[];
  /** Messages found on both sides whose flags differ. */
  flagMismatches: number;
  /**
   * Of those found, how many the destination holds with other bytes (deep) or another size (quick), paired by
   * Message-ID and date: a server that rewrites messages (Exchange Online). Deep verification does not pass them.
   */
  rewritten: number;
}

export interface VerifyReport {
  source: string;
  destination: string;
  deep: boolean;
  folders: FolderVerification[];
  excluded: { folder: string; reason: string }[];
  verified: boolean;
  missing: number;
  rewritten: number;
}

export interface VerifyOptions {
  deep?: boolean;
  /** As in SyncOptions: the destination stores its own rendering of each message. Default: Exchange Online. */
  rewritingDestination?: boolean;
  folders?: FolderMapOptions;
  retry?: RetryPolicy;
}

async function digestAll(session: MailboxSession, side: "source" | "destination", path: string, metas: MessageMeta[]) {
  if (!metas.length) return;
  const client = side === "source" ? await session.source() : await session.destination();
  await client.mailboxOpen(path, { readOnly: true });
  const digests = await fetchContentDigests(client, metas.map((m) => m.uid));
  for (const m of metas) m.contentDigest = digests.get(m.uid) ?? "unreadable";
}

/** Lists a group on both sides (digesting as asked) and finds what is missing. Read-only on both sides. */
export async function checkGroup(session: MailboxSession, group: FolderGroup, deep: boolean): Promise<FolderVerification[]> {
  const dstClient = await session.destination();
  const exists = (await dstClient.list()).some((e) => e.path === group.destination);
  const [sources, dest] = await Promise.all([
    listSources(session, group),
    exists ? listMessages(dstClient, group.destination, true) : Promise.resolve<FolderListing>({ metas: [] }),
  ]);
  if (deep) {
    for (let i = 0; i < sources.length; i++) await digestAll(session, "source", group.sources[i].path, sources[i].metas);
    await digestAll(session, "destination", group.destination, dest.metas);
  } else {
    const ambiguous = ambiguousKeys(sources.map((s) => s.metas));
    for (let i = 0; i < sources.length; i++) {
      await digestAll(session, "source", group.sources[i].path, sources[i].metas.filter((m) => ambiguous.has(baseKey(m))));
    }
    await digestAll(session, "destination", group.destination, dest.metas.filter((m) => ambiguous.has(baseKey(m))));
  }
  // Deep mode keys on the content digest (and the date): a message whose bytes differ is not found as such, and
  // is then either paired by Message-ID and date (rewritten) or missing.
  const keyed = (m: MessageMeta): MessageMeta => (deep ? { ...m, size: 0, contentDigest: m.contentDigest } : m);
  const delta = folderDelta(sources.map((s) => s.metas.map(keyed)), dest.metas.map(keyed), { dateAlone: session.rewritingDestination });
  return group.sourceNames.map((name, i) => {
    const byUid = new Map(sources[i].metas.map((m) => [m.uid, m]));
    const missing = delta.toCopy
      .filter((r) => r.source === i)
      .map((r) => {
        const m = byUid.get(r.meta.uid)!;
        return { folder: name, uid: m.uid, messageId: m.messageId, size: m.size, internalDate: new Date(m.internalDate).toISOString() };
      });
    return {
      folder: name,
      destination: group.destinationName,
      onSource: sources[i].metas.length,
      found: sources[i].metas.length - missing.length,
      missing,
      flagMismatches: delta.flagFixes.filter((f) => f.source === i).length,
      rewritten: delta.rewritten[i],
    };
  });
}

export async function verifyMailbox(from: Endpoint, to: Endpoint, opts: VerifyOptions = {}, connect?: Partial<ConnectOptions>): Promise<VerifyReport> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const session = new MailboxSession(from, to, { retry, ...connect }, 1, opts.rewritingDestination);
  const mailbox = mailboxLabel(from);
  try {
    const plan = await withRetries(session, retry, { mailbox, folder: "(folder list)" }, () => undefined, () =>
      planMailbox(session, opts.folders ?? {}),
    );
    const folders: FolderVerification[] = [];
    for (const g of plan.groups) {
      folders.push(
        ...(await withRetries(session, retry, { mailbox, folder: g.sourceNames.join(", ") }, () => undefined, () =>
          checkGroup(session, g, opts.deep ?? true),
        )),
      );
    }
    const missing = folders.reduce((n, f) => n + f.missing.length, 0);
    const rewritten = folders.reduce((n, f) => n + f.rewritten, 0);
    const deep = opts.deep ?? true;
    return {
      source: mailbox,
      destination: mailboxLabel(to),
      deep,
      folders,
      excluded: plan.excluded,
      verified: missing === 0 && !(deep && rewritten > 0),
      missing,
      rewritten,
    };
  } finally {
    await session.close();
  }
}
