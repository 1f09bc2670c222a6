// An independent view of a whole mailbox, read with imapflow directly (not through the engine), so tests
// compare what a user would see: per folder, every message's bytes (line endings aside), flags and date.
import { ImapFlow } from "imapflow";
import { createHash } from "node:crypto";

export interface SeenMessage {
  uid: number;
  digest: string;
  flags: string[];
  internalDate: number;
  size: number;
  raw: Buffer;
}

export type Snapshot = Map<string, SeenMessage[]>;

function normalized(raw: Buffer): Buffer {
  return Buffer.from(raw.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
}

export async function connect(url: string, password: string): Promise<ImapFlow> {
  const u = new URL(url);
  const c = new ImapFlow({
    host: u.hostname,
    port: Number(u.port),
    secure: false,
    auth: { user: decodeURIComponent(u.username), pass: password },
    logger: false,
  });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

/** Every folder's messages, keyed by the folder's full server path. Read-only. */
export async function snapshot(url: string, password: string, opts: { withRaw?: boolean } = {}): Promise<Snapshot> {
  const c = await connect(url, password);
  const out: Snapshot = new Map();
  try {
    for (const f of await c.list()) {
      if (f.flags.has("\\Noselect") || f.flags.has("\\NonExistent")) continue;
      const box = await c.mailboxOpen(f.path, { readOnly: true });
      const list: SeenMessage[] = [];
      if (box.exists > 0) {
        for await (const m of c.fetch("1:*", { uid: true, flags: true, internalDate: true, size: true, source: true })) {
          const raw = m.source ?? Buffer.alloc(0);
          list.push({
            uid: m.uid,
            digest: createHash("sha256").update(normalized(raw)).digest("hex"),
            flags: [...(m.flags ?? [])].filter((x) => x !== "\\Recent").sort(),
            internalDate: m.internalDate instanceof Date ? m.internalDate.getTime() : Date.parse(String(m.internalDate)),
            size: m.size ?? 0,
            raw: opts.withRaw ? raw : Buffer.alloc(0),
          });
        }
      }
      out.set(f.path, list);
    }
  } finally {
    await c.logout();
  }
  return out;
}

/** A folder's messages as a sorted list of "digest|date|flags" strings: equal lists mean equal mail. */
export function fingerprint(list: readonly SeenMessage[] | undefined, withFlags = true): string[] {
  return (list ?? []).map((m) => `${m.digest}|${Math.floor(m.internalDate / 1000)}${withFlags ? `|${m.flags.join(" ")}` : ""}`).sort();
}

export function total(s: Snapshot): number {
  let n = 0;
  for (const l of s.values()) n += l.length;
  return n;
}
