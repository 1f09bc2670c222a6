// What makes two messages "the same message" across servers, without any local state. The copy's arrival check,
// the next pass and `verify` all decide it here, with the same tiers, so they can never disagree about a copy.
// A message is known by its Message-ID, INTERNALDATE (seconds) and size; where that is not unique among the
// source's messages, or there is no Message-ID, by a digest of its whole content too. Servers alter what they store
// (Courier and Dovecot change bare CRs, Cyrus turns 8-bit header bytes into "X", Exchange Online stores its own
// MIME): weaker tiers recognise such a copy, so it is reported as altered and never copied again.
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
  /** Digest with every CR and LF left out: survives a server that changes bare CRs or LFs. Fetched with contentDigest. */
  lineDigest?: string;
  /** As lineDigest, with every 8-bit byte and NUL read as "X": survives Cyrus's munge8bit too. Fetched with contentDigest. */
  shapeDigest?: string;
}

export function baseKey(m: MessageMeta): string {
  return `${m.messageId}\u0000${seconds(m)}\u0000${m.size}`;
}

export function fullKey(m: MessageMeta): string {
  return m.contentDigest ? `${baseKey(m)}\u0000${m.contentDigest}` : baseKey(m);
}

function seconds(m: MessageMeta): number {
  return Math.floor(m.internalDate / 1000);
}

/** The Message-ID as any server keeps it: 8-bit characters read as "X" (Cyrus's munge8bit rewrites them so). */
export function canonicalId(m: MessageMeta): string {
  return m.messageId.replace(/[^\u0000-\u007f]/g, "X");
}

/** The ways a copy is recognised, best first; a key of undefined means the tier does not apply to that message. */
export type Tier = "exact" | "id" | "content" | "date";

export const TIERS: readonly { tier: Tier; key: (m: MessageMeta) => string | undefined }[] = [
  // The message as sent: Message-ID, date, size (and content where those are shared).
  { tier: "exact", key: fullKey },
  // Another size or other bytes under the same Message-ID and date: a rewriting server (Exchange Online).
  { tier: "id", key: (m) => (canonicalId(m) ? `${canonicalId(m)}\u0000${seconds(m)}` : undefined) },
  // No Message-ID, bytes altered the way servers alter them (line breaks, 8-bit bytes): same content shape and date.
  { tier: "content", key: (m) => (m.shapeDigest ? `${m.shapeDigest}\u0000${seconds(m)}` : undefined) },
  // No Message-ID on either side and nothing else matched: the date alone, counted (N such source messages need N
  // such copies). A copy altered beyond recognition is still the copy, never sent again.
  { tier: "date", key: (m) => (canonicalId(m) ? undefined : `${seconds(m)}`) },
];

/**
 * How a destination message compares with the source message it should be a copy of: the first tier that
 * recognises it, or "different". Uses the digests where both sides have them, as the next pass's pairing does.
 */
export function compareCopy(source: MessageMeta, copy: MessageMeta): Tier | "different" {
  const exact =
    baseKey(source) === baseKey(copy) && (!source.contentDigest || !copy.contentDigest || source.contentDigest === copy.contentDigest);
  if (exact) return "exact";
  for (const { tier, key } of TIERS.slice(1)) {
    const k = key(source);
    if (k !== undefined && k === key(copy)) return tier;
  }
  return "different";
}

/** What a server changed in a copy it recognised (for the report): as precise as the digests at hand allow. */
export type Alteration = "line breaks" | "8-bit bytes" | "size" | "content";

export function alteration(source: MessageMeta, copy: MessageMeta): Alteration {
  if (source.lineDigest && source.lineDigest === copy.lineDigest) return "line breaks";
  if (source.shapeDigest && source.shapeDigest === copy.shapeDigest) return "8-bit bytes";
  if (source.messageId !== copy.messageId && canonicalId(source) === canonicalId(copy)) return "8-bit bytes";
  if (source.size !== copy.size && !(source.contentDigest && copy.contentDigest)) return "size";
  return "content";
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

/**
 * Which messages need their digests read before pairing: source messages whose key is ambiguous, and destination
 * messages that could be their copies: the same key, or (no Message-ID) the same second as a source message
 * without one, which a server may have stored altered.
 */
export function needDigests(
  sources: readonly (readonly MessageMeta[])[],
  dest: readonly MessageMeta[],
): { sources: MessageMeta[][]; dest: MessageMeta[] } {
  const ambiguous = ambiguousKeys(sources);
  const bareSeconds = new Set<number>();
  for (const list of sources) for (const m of list) if (!canonicalId(m)) bareSeconds.add(seconds(m));
  return {
    sources: sources.map((list) => list.filter((m) => ambiguous.has(baseKey(m)))),
    dest: dest.filter((m) => ambiguous.has(baseKey(m)) || (!canonicalId(m) && bareSeconds.has(seconds(m)))),
  };
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

export type Digests = Required<Pick<MessageMeta, "contentDigest" | "lineDigest" | "shapeDigest">>;

/** The three digests of one message, from its bytes as the server gives them. */
export function digestsOf(raw: Buffer): Digests {
  const lines = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (const c of raw) if (c !== 0x0d && c !== 0x0a) lines[n++] = c;
  const kept = lines.subarray(0, n);
  const lineDigest = createHash("sha256").update(kept).digest("hex");
  // 8-bit bytes and NUL read as "X": Cyrus writes X for 8-bit header bytes, Dovecot stores a NUL as 0x80.
  for (let i = 0; i < n; i++) if (kept[i] >= 0x80 || kept[i] === 0) kept[i] = 0x58;
  return { contentDigest: contentDigest(raw), lineDigest, shapeDigest: createHash("sha256").update(kept).digest("hex") };
}

/** The Message-ID from a HEADER.FIELDS (MESSAGE-ID) answer (unfolded, trimmed), "" when there is none. */
export function messageIdOf(header: Buffer | undefined): string {
  const text = (header ?? Buffer.alloc(0)).toString("latin1").replace(/\r?\n[ \t]+/g, " ");
  const m = /^message-id[ \t]*:[ \t]*(.*?)[ \t]*$/im.exec(text);
  return m ? m[1] : "";
}
