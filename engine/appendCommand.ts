// The bytes of one APPEND command, MULTIAPPEND (RFC 3502) when it carries several messages. Pure.
//
// A literal goes as non-synchronizing (`{n+}`, RFC 7888) where the server allows it: the whole command is then
// one write, and the server streams through it. Otherwise the command is cut after each synchronizing
// literal's announcement, and the sender waits for the server's `+` before the next segment: one round trip
// per message, which is what imapflow does for every literal over 4 KB and why mailshift writes APPEND itself.
import { imapDateTime } from "./imapDate";
import { wireMailboxName } from "./mailboxName";

export interface OutgoingMessage {
  /** The message's bytes, as the chunks they were read in. */
  raw: readonly Buffer[];
  flags: string[];
  internalDate: Date;
}

export interface LiteralSupport {
  /** LITERAL+: every literal may be non-synchronizing. */
  plus: boolean;
  /** LITERAL- (or IMAP4rev2): literals up to 4,096 bytes may be. */
  minus: boolean;
  /** UTF8=ACCEPT is enabled: mailbox names go as UTF-8, not modified UTF-7. */
  utf8: boolean;
}

/**
 * The message with every bare LF made CRLF (RFC 5322 line endings), for a server that refuses bare LF outright
 * (Cyrus: "Message contains bare newlines"), where other servers make the same change when they store it.
 * Undefined when there is no bare LF to change.
 */
export function withCrlfLines(raw: readonly Buffer[]): Buffer[] | undefined {
  const whole = raw.length === 1 ? raw[0] : Buffer.concat(raw);
  let bare = 0;
  for (let i = whole.indexOf(0x0a); i !== -1; i = whole.indexOf(0x0a, i + 1)) if (i === 0 || whole[i - 1] !== 0x0d) bare++;
  if (!bare) return undefined;
  const out = Buffer.allocUnsafe(whole.length + bare);
  let j = 0;
  for (let i = 0; i < whole.length; i++) {
    if (whole[i] === 0x0a && (i === 0 || whole[i - 1] !== 0x0d)) out[j++] = 0x0d;
    out[j++] = whole[i];
  }
  return [out];
}

/** A refusal before anything is sent, shaped like a server's so callers treat it as this message's refusal. */
export class UnsendableError extends Error {
  readonly responseStatus = "BAD";
  constructor(readonly responseText: string) {
    super(responseText);
  }
}

// atom-char minus the list, quoted and resp specials; a flag may start with one backslash (system flags).
const FLAG = /^\\?[^\x00-\x20\x7f(){%*"\\\]]+$/;

/** True for a flag that can go on the wire as it is (a system flag or a keyword atom). */
export const isFlag = (f: string): boolean => FLAG.test(f);

/** A mailbox name as a quoted string, modified UTF-7 unless the server accepts UTF-8. */
export function quotedMailbox(path: string, utf8: boolean): string {
  return quotedString(wireMailboxName(path, utf8), "the mailbox name");
}

/** A string as an IMAP quoted string; `what` names it in the error when it cannot be one. */
export function quotedString(s: string, what: string): string {
  if (/[\r\n\0]/.test(s)) throw new UnsendableError(`${what} ${JSON.stringify(s)} contains a line break or NUL`);
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The command as segments: each segment after the first may only be written once the server has answered
 * `+` to the previous one. With LITERAL+ there is a single segment. The last one ends with CRLF.
 */
/**
 * The largest literal sent without waiting for the server's `+`. A larger one is announced and waited for, so that a
 * server over its size limit can say NO before the bytes go: Cyrus, sent a too-large literal with LITERAL+, says NO
 * [TOOBIG] and closes at once, and the client, still writing megabytes, gets a reset instead of the reason. One round
 * trip per message this large costs nothing next to its transfer.
 */
export const MAX_NON_SYNC_LITERAL = 1024 * 1024;

/** Whether a literal of `n` bytes goes without waiting for the server's `+` (LITERAL+, or LITERAL- up to 4 KB). */
export function nonSyncLiteral(n: number, lit: LiteralSupport): boolean {
  return (lit.plus && n <= MAX_NON_SYNC_LITERAL) || (lit.minus && n <= 4096);
}

export function appendSegments(tag: string, path: string, messages: readonly OutgoingMessage[], lit: LiteralSupport): Buffer[][] {
  if (!messages.length) throw new Error("an APPEND needs at least one message");
  const segments: Buffer[][] = [];
  let current: Buffer[] = [];
  let text = `${tag} APPEND ${quotedMailbox(path, lit.utf8)}`;
  for (const m of messages) {
    for (const f of m.flags) {
      if (!FLAG.test(f)) throw new UnsendableError(`the flag ${JSON.stringify(f)} is not a valid IMAP flag`);
    }
    const n = m.raw.reduce((k, b) => k + b.length, 0);
    const nonSync = nonSyncLiteral(n, lit);
    text += ` (${m.flags.join(" ")}) "${imapDateTime(m.internalDate)}" {${n}${nonSync ? "+" : ""}}\r\n`;
    current.push(Buffer.from(text, "utf8"));
    text = "";
    if (!nonSync) {
      segments.push(current);
      current = [];
    }
    current.push(...m.raw);
  }
  current.push(Buffer.from("\r\n"));
  segments.push(current);
  return segments;
}

/** Expands an APPENDUID uid-set ("7", "7:9", "7,9:10") into UIDs, in order. */
export function expandUidSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(",")) {
    const [a, b] = part.split(":").map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) return [];
    if (b === undefined) out.push(a);
    else for (let u = Math.min(a, b); u <= Math.max(a, b); u++) out.push(u);
  }
  return out;
}
