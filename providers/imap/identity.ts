// What makes two messages "the same message" across servers, without any local state.
// A message is known by its Message-ID, INTERNALDATE (seconds), size, and a digest of a few headers;
// where that is not unique among the source's messages, by a digest of its whole content too.
import { createHash } from "node:crypto";

export interface MessageMeta {
  uid: number;
  /** Without \Recent, which no client can set. */
  flags: string[];
  /** INTERNALDATE, milliseconds since the epoch. */
  internalDate: number;
  size: number;
  /** The Message-ID header's value, "" when there is none. */
  messageId: string;
  /** Digest of the Message-ID, Date, From and Subject header lines. */
  headerDigest: string;
  /** Digest of the whole message with line endings normalized; only fetched where the rest is ambiguous. */
  contentDigest?: string;
}

export function baseKey(m: MessageMeta): string {
  return `${m.messageId}\u0000${Math.floor(m.internalDate / 1000)}\u0000${m.size}\u0000${m.headerDigest}`;
}

export function fullKey(m: MessageMeta): string {
  return m.contentDigest ? `${baseKey(m)}\u0000${m.contentDigest}` : baseKey(m);
}

/** Keys shared by more than one source message: only a content digest tells those apart (or proves them identical). */
export function ambiguousKeys(sources: readonly (readonly MessageMeta[])[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const list of sources) {
    for (const m of list) {
      const k = baseKey(m);
      if (seen.has(k)) twice.add(k);
      else seen.add(k);
    }
  }
  return twice;
}

/** Bare LF (and lone CR) become CRLF, as IMAP servers store and deliver them. */
export function normalizeLineEndings(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length * 2);
  let j = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === 0x0d) {
      out[j++] = 0x0d;
      out[j++] = 0x0a;
      if (raw[i + 1] === 0x0a) i++;
    } else if (c === 0x0a) {
      out[j++] = 0x0d;
      out[j++] = 0x0a;
    } else {
      out[j++] = c;
    }
  }
  return out.subarray(0, j);
}

export function contentDigest(raw: Buffer): string {
  return createHash("sha256").update(normalizeLineEndings(raw)).digest("hex");
}

/** Parses a HEADER.FIELDS answer: the Message-ID value and a digest of the lines (unfolded, names lower-cased). */
export function headerFacts(header: Buffer | undefined): { messageId: string; headerDigest: string } {
  const text = (header ?? Buffer.alloc(0)).toString("latin1").replace(/\r?\n[ \t]+/g, " ");
  const lines: string[] = [];
  let messageId = "";
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1].toLowerCase();
    const value = m[2].trim();
    lines.push(`${name}:${value}`);
    if (name === "message-id" && !messageId) messageId = value;
  }
  lines.sort();
  return { messageId, headerDigest: createHash("sha1").update(lines.join("\n"), "latin1").digest("hex").slice(0, 16) };
}
