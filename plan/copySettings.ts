// What each migration passes to the copy engine besides the endpoints: folder renames and excludes (the old
// host's, with the mailbox's added), the largest message to copy and the number of APPEND connections (the
// destination host's, the mailbox's winning). Pure.
import type { CopyLimits, FolderOptions, MailboxConfig, MailshiftConfig, Route } from "./types";

export interface CopySettings extends CopyLimits {
  /** Absent when neither the old host nor the mailbox renames or excludes a folder. */
  folders?: FolderOptions;
}

/** The old host's renames and excludes with the mailbox's added (a mailbox's rename of the same folder wins). */
export function mergeFolders(host: FolderOptions | undefined, mailbox: FolderOptions | undefined): FolderOptions | undefined {
  if (!host && !mailbox) return undefined;
  const rename = { ...(host?.rename ?? {}), ...(mailbox?.rename ?? {}) };
  const exclude = [...new Set([...(host?.exclude ?? []), ...(mailbox?.exclude ?? [])])];
  // a folder the mailbox renames is one it wants copied, even if the host's list leaves it out
  const kept = exclude.filter((x) => mailbox?.rename?.[x] === undefined);
  return Object.keys(rename).length === 0 && kept.length === 0 ? undefined : { rename, exclude: kept };
}

export function copySettings(
  config: Pick<MailshiftConfig, "oldHost" | "newHost" | "exchange">,
  mailbox: Pick<MailboxConfig, "folders" | "maxMessageBytes" | "connections">,
  route: Route,
): CopySettings {
  const host: CopyLimits = (route === "imap" ? config.newHost : config.exchange) ?? {};
  const folders = mergeFolders(config.oldHost.folders, mailbox.folders);
  const maxMessageBytes = mailbox.maxMessageBytes ?? host.maxMessageBytes;
  const connections = mailbox.connections ?? host.connections;
  return {
    ...(folders ? { folders } : {}),
    ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}),
    ...(connections !== undefined ? { connections } : {}),
  };
}
