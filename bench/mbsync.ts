// mbsync (Debian's isync) as the benchmark peer: one channel pulling a whole mailbox, arrival dates kept.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ImapSide {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The personal namespace prefix ("INBOX." on a cPanel-style host). */
  prefix: string;
}

/** `folders` are the source folders to copy, without the prefix (the near side has folders of its own). */
export function mbsyncConfig(dir: string, from: ImapSide, to: ImapSide, folders: readonly string[]): string {
  mkdirSync(path.join(dir, "state"), { recursive: true });
  const account = (name: string, s: ImapSide) => `IMAPAccount ${name}
Host ${s.host}
Port ${s.port}
User ${s.user}
Pass ${s.password}
SSLType None
AuthMechs LOGIN

IMAPStore ${name}-store
Account ${name}
${s.prefix ? `Path ${s.prefix}\n` : ""}`;
  const conf = `${account("far", from)}
${account("near", to)}
Channel migrate
Far :far-store:
Near :near-store:
Patterns ${folders.map((f) => (/\s/.test(f) ? `"${f}"` : f)).join(" ")}
Create Near
Sync Pull New ReNew Flags
CopyArrivalDate yes
SyncState ${path.join(dir, "state")}/
`;
  const file = path.join(dir, "mbsyncrc");
  writeFileSync(file, conf, { mode: 0o600 });
  return file;
}
