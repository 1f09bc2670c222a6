// Reads folders and message metadata from a server. I/O only: what to do with it is decided elsewhere.
import type { ImapFlow, MailboxObject } from "imapflow";
import type { BulkConnection } from "./bulkConnection";
import type { FolderInfo, Namespace } from "./folderMap";
import { digestsOf, messageIdOf, type Digests, type MessageMeta } from "./identity";
import { carriedFlags } from "./flags";
import type { FolderMark } from "./watermarks";

/**
 * The server's folders. `marks`: with each folder's STATUS (messages, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ) too,
 * where the server gives them with the folder list (LIST-STATUS, one round trip for every folder); a server
 * without it is not asked folder by folder here, and `marks` is then undefined.
 */
export async function listFolders(
  client: ImapFlow,
  withMarks = false,
): Promise<{ folders: FolderInfo[]; namespace: Namespace; marks?: Map<string, FolderMark> }> {
  const listStatus = withMarks && client.capabilities.has("LIST-STATUS");
  const entries = await client.list(listStatus ? { statusQuery: MARK_QUERY } : {});
  const folders = entries
    .filter((e) => !e.flags.has("\\NonExistent"))
    .map((e) => ({
      path: e.path,
      delimiter: e.delimiter,
      specialUse: e.specialUse,
      selectable: !e.flags.has("\\Noselect"),
      ...(typeof e.status?.messages === "number" ? { messages: e.status.messages } : {}),
    }));
  const ns = client.namespace;
  const delimiter = ns?.delimiter || entries.find((e) => e.delimiter)?.delimiter || "/";
  let marks: Map<string, FolderMark> | undefined;
  if (listStatus) {
    marks = new Map();
    for (const e of entries) {
      const m = e.status && markFrom(e.path, e.status);
      if (m) marks.set(e.path, m);
    }
  }
  return { folders, namespace: { prefix: ns?.prefix ?? "", delimiter }, marks };
}

/**
 * Every folder's mark from one LIST-STATUS, or undefined when the server has no LIST-STATUS. Dovecot answers
 * STATUS (and LIST-STATUS) for the folder this session has selected from the session's own view of it, which
 * misses what other connections (our appends) did until the session syncs: a NOOP first.
 */
export async function listMarks(client: ImapFlow): Promise<Map<string, FolderMark> | undefined> {
  if (!client.capabilities.has("LIST-STATUS")) return undefined;
  if (client.mailbox) await client.noop();
  return (await listFolders(client, true)).marks;
}

const MARK_QUERY = { uidValidity: true, uidNext: true, messages: true, highestModseq: true };

/** A folder's mark from a STATUS answer (from STATUS or LIST-STATUS); undefined for a STATUS that failed. */
function markFrom(
  path: string,
  st: { uidValidity?: bigint | number; uidNext?: number; messages?: number; highestModseq?: bigint | number; error?: unknown },
): FolderMark | undefined {
  if (st.error) return undefined;
  return {
    path,
    uidValidity: String(st.uidValidity ?? ""),
    uidNext: st.uidNext ?? 0,
    messages: st.messages ?? 0,
    highestModseq: st.highestModseq !== undefined ? String(st.highestModseq) : undefined,
  };
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

/**
 * listMessages on a bulk connection: the same listing, read without imapflow's general parser, which on a
 * first copy costs more than everything else the engine does per message. `withIds` false: without Message-IDs
 * (BulkConnection.fetchMetas).
 */
export async function listMessagesBulk(conn: BulkConnection, path: string, readOnly: boolean, withIds = true): Promise<FolderListing> {
  const { box, metas } = await conn.openAndList(path, readOnly, withIds);
  return { metas, permanentFlags: box.permanentFlags };
}

/** Content digests of the given messages in the selected folder, fetched in bounded batches. */
export async function fetchContentDigests(client: ImapFlow, uids: readonly number[], batch = 200): Promise<Map<number, Digests>> {
  const out = new Map<number, Digests>();
  for (let i = 0; i < uids.length; i += batch) {
    const range = uids.slice(i, i + batch).join(",");
    for await (const msg of client.fetch(range, { uid: true, source: true }, { uid: true })) {
      if (msg.source) out.set(msg.uid, digestsOf(msg.source));
    }
  }
  return out;
}
