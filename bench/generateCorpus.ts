// A seeded corpus of many mailboxes for the scale benchmark: the same seed gives the same bytes everywhere.
// Sizes follow what a business mailbox holds: most messages a few KB to tens of KB of text, a few percent
// carrying attachments of several MB, spread over a small folder tree. Messages are produced one at a time
// (a plan, then bytes on demand), so 250,000 of them never sit in memory together.
import os from "node:os";
import { prng, rfc5322Date } from "../harness/generate";

export interface CorpusOptions {
  seed: number;
  mailboxes: number;
  messagesPerMailbox: number;
  /** Share of messages with an attachment (default 0.03). */
  attachmentRate?: number;
}

export interface MessagePlan {
  mailbox: number;
  index: number;
  /** Folder path below INBOX, as segments; [] is INBOX itself. */
  folder: string[];
  /** IMAP system flags. */
  flags: string[];
  internalDate: Date;
  /** Size of the text part, bytes (before the attachment). */
  textBytes: number;
  /** Size of the attachment's decoded bytes, 0 for none. */
  attachmentBytes: number;
  seed: number;
}

/** The folder tree every generated mailbox has, with the share of mail each folder gets. */
export const FOLDERS: readonly { path: string[]; weight: number }[] = [
  { path: [], weight: 0.45 },
  { path: ["Sent"], weight: 0.15 },
  { path: ["Archive"], weight: 0.05 },
  { path: ["Archive", "2022"], weight: 0.08 },
  { path: ["Archive", "2023"], weight: 0.08 },
  { path: ["Projects"], weight: 0.03 },
  { path: ["Projects", "Alpha"], weight: 0.05 },
  { path: ["Projects", "Alpha", "Specs"], weight: 0.03 },
  { path: ["Projects", "Beta"], weight: 0.04 },
  { path: ["Trash"], weight: 0.04 },
];

export const TEXT_MIN = 1_500;
export const TEXT_MAX = 120_000;
export const ATTACHMENT_MIN = 1_000_000;
export const ATTACHMENT_MAX = 6_000_000;

/** Log-normal text size, median about 7 KB, clamped to TEXT_MIN..TEXT_MAX. */
function textSize(rand: () => number): number {
  // Box-Muller from two uniforms; sigma 1 gives the long tail real text mail has (quoted threads, HTML).
  const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Math.round(Math.min(TEXT_MAX, Math.max(TEXT_MIN, Math.exp(Math.log(7_000) + z))));
}

function pickFolder(rand: () => number): string[] {
  let r = rand();
  for (const f of FOLDERS) {
    r -= f.weight;
    if (r < 0) return f.path;
  }
  return FOLDERS[0].path;
}

/** The plan of one message: deterministic in (seed, mailbox, index) alone, so any slice can be generated alone. */
export function planMessage(seed: number, mailbox: number, index: number, attachmentRate = 0.03): MessagePlan {
  const s = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(mailbox + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f)) >>> 0;
  const rand = prng(s);
  const folder = pickFolder(rand);
  const flags: string[] = [];
  if (rand() < 0.8) flags.push("\\Seen");
  if (rand() < 0.1) flags.push("\\Answered");
  if (rand() < 0.05) flags.push("\\Flagged");
  const start = Date.UTC(2019, 0, 1);
  const internalDate = new Date(Math.floor((start + rand() * (Date.UTC(2025, 0, 1) - start)) / 1000) * 1000);
  const textBytes = textSize(rand);
  const attachmentBytes = rand() < attachmentRate ? Math.round(ATTACHMENT_MIN + rand() * (ATTACHMENT_MAX - ATTACHMENT_MIN)) : 0;
  return { mailbox, index, folder, flags, internalDate, textBytes, attachmentBytes, seed: s };
}

export function* planMailbox(o: CorpusOptions, mailbox: number): Generator<MessagePlan> {
  for (let i = 0; i < o.messagesPerMailbox; i++) yield planMessage(o.seed, mailbox, i, o.attachmentRate);
}

const WORDS = (
  "migration mailbox quota folder invoice meeting agenda report draft budget review schedule project customer " +
  "server backup release contract summary minutes travel holiday offer update question answer shipment order"
).split(" ");

function textLines(rand: () => number, bytes: number): string[] {
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    const words = Array.from({ length: 8 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    const line = words.join(" ");
    lines.push(line);
    n += line.length + 2;
  }
  return lines;
}

/**
 * The harness's prng (mulberry32) as an object, the same sequence draw for draw: an attachment takes its bytes a
 * 32-bit word at a time instead of through a float per word, the bulk of the time to render a corpus.
 */
class Stream {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  word(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  readonly next = (): number => this.word() / 4294967296;
}

const LITTLE_ENDIAN = os.endianness() === "LE";

/** Pseudo-random base64 for `decoded` bytes of attachment (incompressible, like a PDF), 76 characters a line, each line ending in LF. */
function base64Block(s: Stream, decoded: number): Buffer {
  const words = new Uint32Array(Math.ceil(decoded / 4));
  const raw = Buffer.from(words.buffer);
  // a typed array writes in the host's byte order; the bytes are defined little-endian
  if (LITTLE_ENDIAN) for (let i = 0; i < words.length; i++) words[i] = s.word();
  else for (let i = 0; i < words.length; i++) raw.writeUInt32LE(s.word(), 4 * i);
  const b64 = Buffer.from(raw.subarray(0, decoded).toString("base64"), "latin1");
  const out = Buffer.allocUnsafe(b64.length + Math.ceil(b64.length / 76));
  let o = 0;
  for (let i = 0; i < b64.length; i += 76) {
    o += b64.copy(out, o, i, Math.min(i + 76, b64.length));
    out[o++] = 10;
  }
  return out;
}

/** The message's bytes with LF line endings (as a maildir stores them; IMAP serves them with CRLF). */
export function renderMessage(p: MessagePlan): Buffer {
  const s = new Stream(p.seed ^ 0x5bd1e995);
  const rand = s.next;
  const id = `<bench.${p.seed.toString(16)}.${p.mailbox}.${p.index}@old.example.com>`;
  const headers = [
    `From: Sender ${p.index % 97} <sender${p.index % 97}@partner.example.net>`,
    `To: User ${p.mailbox} <user${p.mailbox}@old.example.com>`,
    `Subject: ${WORDS[p.index % WORDS.length]} ${p.mailbox}/${p.index}`,
    `Date: ${rfc5322Date(p.internalDate)}`,
    `Message-ID: ${id}`,
    `MIME-Version: 1.0`,
  ];
  const text = textLines(rand, p.textBytes);
  if (p.attachmentBytes === 0)
    return Buffer.from([...headers, "Content-Type: text/plain; charset=utf-8", "", ...text, ""].join("\n"), "utf8");
  const b = `=_bench_${p.seed.toString(16)}`;
  const head = [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${b}"`,
    "",
    `--${b}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    ...text,
    `--${b}`,
    `Content-Type: application/octet-stream; name="attachment-${p.index}.bin"`,
    "Content-Transfer-Encoding: base64",
    `Content-Disposition: attachment; filename="attachment-${p.index}.bin"`,
    "",
    "",
  ].join("\n");
  return Buffer.concat([Buffer.from(head, "utf8"), base64Block(s, p.attachmentBytes), Buffer.from(`--${b}--\n`, "utf8")]);
}

/** A message's size as a maildir file holds it (LF line endings) and as IMAP reports and moves it (CRLF). */
export interface SizeEstimate {
  fileBytes: number;
  imapBytes: number;
}

// Fitted on 10,000 rendered messages: a text line averages 81 bytes with its CRLF, and the headers plus the
// last line's overshoot add 294 bytes and 8.5 lines; the multipart wrapping adds 280 bytes and 6 lines.
const TEXT_BYTES_PER_LINE = 81;
const TEXT_EXTRA_BYTES = 294;
const TEXT_EXTRA_LINES = 8.5;
const ATTACHMENT_EXTRA_BYTES = 280;
const ATTACHMENT_EXTRA_LINES = 6;

/** The rendered size from the plan alone, without rendering (within about 70 bytes; exact on average). */
export function estimateSize(p: MessagePlan): SizeEstimate {
  let lines = p.textBytes / TEXT_BYTES_PER_LINE + TEXT_EXTRA_LINES;
  let fileBytes = p.textBytes - p.textBytes / TEXT_BYTES_PER_LINE + TEXT_EXTRA_BYTES;
  if (p.attachmentBytes > 0) {
    const chars = 4 * Math.ceil(p.attachmentBytes / 3);
    const b64Lines = Math.ceil(chars / 76);
    fileBytes += chars + b64Lines + ATTACHMENT_EXTRA_BYTES;
    lines += b64Lines + ATTACHMENT_EXTRA_LINES;
  }
  return { fileBytes: Math.round(fileBytes), imapBytes: Math.round(fileBytes + lines) };
}
