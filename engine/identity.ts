// What makes two messages "the same message" across servers, without any local state.
// A message is known by its Message-ID, INTERNALDATE (seconds) and size; where that is not unique among the
// source's messages, or there is no Message-ID, by a digest of its whole content too.
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
  /** Digest of the whole message with line endings normalized; only fetched where the rest is ambiguous. */
  contentDigest?: string;
}

export function baseKey(m: MessageMeta): string {
  return `${m.messageId}\u0000${Math.floor(m.internalDate / 1000)}\u0000${m.size}`;
}

export function fullKey(m: MessageMeta): string {
  return m.contentDigest ? `${baseKey(m)}\u0000${m.contentDigest}` : baseKey(m);
}

/**
 * The identity that survives a destination rewriting the message (Exchange Online stores its own MIME and
 * reports estimated sizes): Message-ID and INTERNALDATE. Without a Message-ID there is none, unless the caller
 * knows the destination rewrites every message (`dateAlone`): then the date alone, as a last resort.
 */
export function looseKey(m: MessageMeta, dateAlone: boolean): string | undefined {
  if (m.messageId === "" && !dateAlone) return undefined;
  return `${m.messageId}\u0000${Math.floor(m.internalDate / 1000)}`;
}

/** How a destination message compares with the source message it should be a copy of. */
export function compareCopy(source: MessageMeta, copy: MessageMeta, dateAlone: boolean): "same" | "rewritten" | "different" {
  if (baseKey(source) === baseKey(copy)) return "same";
  const k = looseKey(source, dateAlone);
  return k !== undefined && k === looseKey(copy, dateAlone) ? "rewritten" : "different";
}

/**
 * Keys that only a content digest can settle: shared by more than one source message (identical copies, or a
 * reused Message-ID), or without a Message-ID at all.
 */
export function ambiguousKeys(sources: readonly (readonly MessageMeta[])[]): Set<string> {
  const seen = new Set<string>();
  const ambiguous = new Set<string>();
  for (const list of sources) {
    for (const m of list) {
      const k = baseKey(m);
      if (seen.has(k) || m.messageId === "") ambiguous.add(k);
      seen.add(k);
    }
  }
  return ambiguous;
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

/** The Message-ID from a HEADER.FIELDS (MESSAGE-ID) answer (unfolded, trimmed), "" when there is none. */
export function messageIdOf(header: Buffer | undefined): string {
  const text = (header ?? Buffer.alloc(0)).toString("latin1").replace(/\r?\n[ \t]+/g, " ");
  const m = /^message-id[ \t]*:[ \t]*(.*?)[ \t]*$/im.exec(text);
  return m ? m[1] : "";
}
