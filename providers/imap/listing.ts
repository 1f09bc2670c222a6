// Reads folders and message metadata from a server. I/O only: what to do with it is decided elsewhere.
import type { ImapFlow, MailboxObject } from "imapflow";
import type { FolderInfo, Namespace } from "./folderMap";
import { contentDigest, messageIdOf, type MessageMeta } from "./identity";
import { carriedFlags } from "./flags";


export async function listFolders(client: ImapFlow): Promise<{ folders: FolderInfo[]; namespace: Namespace }> {
  const entries = await client.list();
  const folders = entries
    .filter((e) => !e.flags.has("\\NonExistent"))
    .map((e) => ({
      path: e.path,
      delimiter: e.delimiter,
      specialUse: e.specialUse,
      selectable: !e.flags.has("\\Noselect"),
    }));
  const ns = client.namespace;
  const delimiter = ns?.delimiter || entries.find((e) => e.delimiter)?.delimiter || "/";
  return { folders, namespace: { prefix: ns?.prefix ?? "", delimiter } };
}

export interface FolderListing {
  metas: MessageMeta[];
  /** The folder was listed at the start of the pass and is gone now (deleted on the server meanwhile). */
  vanished?: boolean;
  permanentFlags?: Set<string>;
}

function toMeta(msg: { uid: number; flags?: Set<string>; internalDate?: Date | string; size?: number; headers?: Buffer }): MessageMeta {
  const date = msg.internalDate instanceof Date ? msg.internalDate.getTime() : Date.parse(String(msg.internalDate ?? 0));
  return {
    uid: msg.uid,
    flags: carriedFlags(msg.flags ?? []),
    internalDate: Number.isFinite(date) ? date : 0,
    size: msg.size ?? 0,
    messageId: messageIdOf(msg.headers),
  };
}

/** Selects the folder (read-only for the source) and reads every message's identity and flags. */
export async function listMessages(client: ImapFlow, path: string, readOnly: boolean): Promise<FolderListing> {
  const box: MailboxObject = await client.mailboxOpen(path, { readOnly });
  const metas: MessageMeta[] = [];
  if (box.exists > 0) {
    for await (const msg of client.fetch(
      "1:*",
      { uid: true, flags: true, internalDate: true, size: true, headers: ["message-id"] },
      { uid: false },
    )) {
      metas.push(toMeta(msg));
    }
  }
  return {
    metas,
    permanentFlags: box.permanentFlags,
  };
}

/** Identity and flags of the given UIDs in the selected folder. */
export async function listByUid(client: ImapFlow, uids: readonly number[]): Promise<MessageMeta[]> {
  const out: MessageMeta[] = [];
  if (!uids.length) return out;
  for await (const msg of client.fetch(uids.join(","), { uid: true, flags: true, internalDate: true, size: true, headers: ["message-id"] }, { uid: true })) {
    out.push(toMeta(msg));
  }
  return out;
}

/** Content digests of the given messages in the selected folder, fetched in bounded batches. */
export async function fetchContentDigests(client: ImapFlow, uids: readonly number[], batch = 200): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < uids.length; i += batch) {
    const range = uids.slice(i, i + batch).join(",");
    for await (const msg of client.fetch(range, { uid: true, source: true }, { uid: true })) {
      if (msg.source) out.set(msg.uid, contentDigest(msg.source));
    }
  }
  return out;
}
