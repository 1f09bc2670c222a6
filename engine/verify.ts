// An independent pass that proves every source message is on the destination, folder by folder.
// Deep (the default for `mailshift verify`): compares a digest of every message's bytes (line endings aside)
// and its INTERNALDATE. Quick: the identity used for copying. Both pair as the copy does (identity.ts tiers), so
// what a pass counts as there, verify finds there, and copies the server altered are listed with what changed.
import type { Endpoint } from "./endpoint";
import { mailboxLabel } from "./endpoint";
import { MailboxSession } from "./session";
import { planMailbox } from "./folderGroups";
import type { FolderGroup, FolderMapOptions } from "./folderMap";
import { fetchContentDigests, listMessages, type FolderListing } from "./listing";
import { needDigests, type Alteration, type MessageMeta } from "./identity";
import { folderDelta } from "./missing";
import { withRetries } from "./withRetries";
import { listSources } from "./compare";
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
   * Of those found, how many the destination holds altered: other bytes (deep) or another size (quick), recognised
   * by the weaker tiers of identity.ts, as the copy recognises them. Listed with what the server changed.
   */
  rewritten: number;
  altered: AlteredMessage[];
}

export interface AlteredMessage {
  uid: number;
  messageId: string;
  /** What the destination server changed, as far as the digests tell. */
  how: Alteration;
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
  folders?: FolderMapOptions;
  retry?: RetryPolicy;
}

async function digestAll(session: MailboxSession, side: "source" | "destination", path: string, metas: MessageMeta[]) {
  if (!metas.length) return;
  const client = side === "source" ? await session.source() : await session.destination();
  await client.mailboxOpen(path, { readOnly: true });
  const digests = await fetchContentDigests(
    client,
    metas.map((m) => m.uid),
  );
  for (const m of metas) Object.assign(m, digests.get(m.uid) ?? { contentDigest: "unreadable" });
}

/**
 * Lists a group on both sides (digesting as asked) and finds what is missing, with the copy's own pairing
 * (missing.ts folderDelta). Read-only on both sides. Deep: every message's digests are compared, and its size is
 * left out of the exact identity (line endings aside, the bytes decide).
 */
export async function checkGroup(session: MailboxSession, group: FolderGroup, deep: boolean): Promise<FolderVerification[]> {
  const dstClient = await session.destination();
  const exists = (await dstClient.list()).some((e) => e.path === group.destination);
  const [sources, dest] = await Promise.all([
    listSources(session, group),
    exists ? listMessages(dstClient, group.destination, true) : Promise.resolve<FolderListing>({ metas: [] }),
  ]);
  const wanted = deep
    ? { sources: sources.map((s) => s.metas), dest: dest.metas }
    : needDigests(
        sources.map((s) => s.metas),
        dest.metas,
      );
  for (let i = 0; i < sources.length; i++) await digestAll(session, "source", group.sources[i].path, wanted.sources[i]);
  await digestAll(session, "destination", group.destination, wanted.dest);
  const keyed = (m: MessageMeta): MessageMeta => (deep ? { ...m, size: 0 } : m);
  const delta = folderDelta(
    sources.map((s) => s.metas.map(keyed)),
    dest.metas.map(keyed),
  );
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
      altered: delta.altered.filter((a) => a.source === i).map((a) => ({ uid: a.sourceUid, messageId: a.messageId, how: a.how })),
    };
  });
}

export async function verifyMailbox(
  from: Endpoint,
  to: Endpoint,
  opts: VerifyOptions = {},
  connect?: Partial<ConnectOptions>,
): Promise<VerifyReport> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const session = new MailboxSession(from, to, { retry, ...connect }, 1);
  const mailbox = mailboxLabel(from);
  try {
    const plan = await withRetries(
      session,
      retry,
      { mailbox, folder: "(folder list)" },
      () => undefined,
      () => planMailbox(session, opts.folders ?? {}),
    );
    const folders: FolderVerification[] = [];
    for (const g of plan.groups) {
      folders.push(
        ...(await withRetries(
          session,
          retry,
          { mailbox, folder: g.sourceNames.join(", ") },
          () => undefined,
          () => checkGroup(session, g, opts.deep ?? true),
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
      // Altered copies are there (the server changed them, not the copy): listed, not failed.
      verified: missing === 0,
      missing,
      rewritten,
    };
  } finally {
    await session.close();
  }
}
