// Generated mail for what the real corpus lacks (see its README): no Message-ID, one Message-ID on
// different messages, large attachments, many messages, non-ASCII folder names. Seeded and deterministic:
// the same call gives the same bytes on every machine. RFC 5322 with CRLF line endings.
import type { RawMessage } from "./corpus";

/** mulberry32: small, fast, good enough to make test data varied and reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** An RFC 5322 date-time in UTC ("+0000"). */
export function rfc5322Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** A whole-second date in 2019..2024 picked by the generator. */
function dateFrom(rand: () => number): Date {
  const start = Date.UTC(2019, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  return new Date(Math.floor((start + rand() * span) / 1000) * 1000);
}

const WORDS = (
  "migration mailbox quota folder invoice meeting agenda report draft budget review schedule project " +
  "customer server backup release contract summary minutes travel holiday offer update question answer"
).split(" ");

function sentence(rand: () => number, words: number): string {
  const w = Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return `${w.join(" ")}.`;
}

function paragraph(rand: () => number, lines: number): string[] {
  return Array.from({ length: lines }, () => sentence(rand, 6 + Math.floor(rand() * 8)));
}

interface Parts {
  headers: [string, string][];
  body: string[];
}

function build(p: Parts): Buffer {
  const head = p.headers.map(([k, v]) => `${k}: ${v}`);
  return Buffer.from([...head, "", ...p.body, ""].join("\r\n"), "utf8");
}

function textMessage(rand: () => number, o: { subject: string; messageId?: string; date: Date; bodyLines: string[] }): Buffer {
  const headers: [string, string][] = [
    ["From", "Test Sender <sender@old.example.com>"],
    ["To", "Test User <user@old.example.com>"],
    ["Subject", o.subject],
    ["Date", rfc5322Date(o.date)],
  ];
  if (o.messageId) headers.push(["Message-ID", o.messageId]);
  headers.push(["MIME-Version", "1.0"], ["Content-Type", "text/plain; charset=utf-8"], ["Content-Transfer-Encoding", "8bit"]);
  return build({ headers, body: [...o.bodyLines, "", sentence(rand, 4)] });
}

/** A plain message with no Message-ID header at all. Different seeds give different messages. */
export function withoutMessageId(seed: number): RawMessage {
  const rand = prng(seed ^ 0x1d);
  const date = dateFrom(rand);
  const raw = textMessage(rand, {
    subject: `No Message-ID (seed ${seed})`,
    date,
    bodyLines: [`This message has no Message-ID header; seed ${seed}.`, ...paragraph(rand, 3)],
  });
  return { raw, flags: [], internalDate: date, origin: `generate.withoutMessageId(${seed})` };
}

/**
 * Messages that servers store with other bytes than they were sent, the way real mail is: bare CRs in the body
 * (Courier strips them; Dovecot drops a CR before CRLF), raw 8-bit bytes in a header (Cyrus's munge8bit turns each into "X"),
 * also in the Message-ID itself. `withId` false: without a Message-ID, where only the content can recognise a copy.
 */
export function alteredOnAppend(seed: number, withId: boolean): RawMessage[] {
  const rand = prng(seed ^ 0x3c);
  const date = dateFrom(rand);
  const id = (n: number, tail = "") => (withId ? `<altered-${seed}-${n}${tail}@generated.mailshift.test>` : undefined);
  const bareCr = textMessage(rand, {
    subject: `Bare CRs (seed ${seed})`,
    messageId: id(1),
    date,
    bodyLines: ["first\r", "second\rthird\r\r", ...paragraph(rand, 2)],
  });
  const eightBit = Buffer.concat([
    Buffer.from(`From: =?utf-8?q?Test?= <sender@old.example.com>\r\nSubject: Caf`, "latin1"),
    Buffer.from([0xc3, 0xa9]),
    Buffer.from(
      ` 8-bit header (seed ${seed})\r\nDate: ${rfc5322Date(date)}\r\n${withId ? `Message-ID: ${id(2)}\r\n` : ""}\r\n${paragraph(rand, 3).join("\r\n")}\r\n`,
      "latin1",
    ),
  ]);
  const messages = [
    { raw: bareCr, flags: ["\\Seen"], internalDate: date, origin: `generate.alteredOnAppend(${seed}) bare CR` },
    // The same second as the first: only their content tells them apart.
    { raw: eightBit, flags: [], internalDate: date, origin: `generate.alteredOnAppend(${seed}) 8-bit header` },
  ];
  if (withId) {
    const eightBitId = Buffer.concat([
      Buffer.from(`Subject: 8-bit Message-ID (seed ${seed})\r\nDate: ${rfc5322Date(date)}\r\nMessage-ID: <caf`, "latin1"),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from(`-${seed}@generated.mailshift.test>\r\n\r\nbody\r\n`, "latin1"),
    ]);
    messages.push({
      raw: eightBitId,
      flags: ["\\Flagged"],
      internalDate: date,
      origin: `generate.alteredOnAppend(${seed}) 8-bit Message-ID`,
    });
  }
  return messages;
}

/** `count` different messages (different subjects and bodies) that all carry one Message-ID. */
export function sharedMessageId(count: number, seed: number): RawMessage[] {
  const rand = prng(seed ^ 0x5a);
  const messageId = `<shared-${seed}@generated.mailshift.test>`;
  const base = dateFrom(rand);
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(base.getTime() + i * 60_000);
    const raw = textMessage(rand, {
      subject: `Shared Message-ID, version ${i + 1} of ${count} (seed ${seed})`,
      messageId,
      date,
      bodyLines: [`Version ${i + 1}: a different message under the same Message-ID ${messageId}.`, ...paragraph(rand, 2 + i)],
    });
    return { raw, flags: i % 2 === 0 ? ["\\Seen"] : [], internalDate: date, origin: `generate.sharedMessageId(${count}, ${seed})[${i}]` };
  });
}

function randomBytes(rand: () => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 4) {
    const v = Math.floor(rand() * 4294967296);
    out[i] = v & 0xff;
    if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < n) out[i + 3] = (v >>> 24) & 0xff;
  }
  return out;
}

/** base64 in 76-character lines, each followed by CRLF (RFC 2045). */
function base64Lines(data: Buffer): string[] {
  const b64 = data.toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines;
}

/**
 * A multipart/mixed message with a text part and a base64 attachment of seeded random bytes, sized so the
 * whole raw message is `bytes` long give or take one base64 line (78 bytes); never shorter than its headers.
 */
export function withAttachment(bytes: number, seed: number): RawMessage {
  const rand = prng(seed ^ 0x7e);
  const date = dateFrom(rand);
  const boundary = `=_mailshift_${seed}_${Math.floor(rand() * 1e9)}`;
  const shell = (attachmentLines: string[]) =>
    build({
      headers: [
        ["From", "Test Sender <sender@old.example.com>"],
        ["To", "Test User <user@old.example.com>"],
        ["Subject", `Attachment of about ${bytes} bytes (seed ${seed})`],
        ["Date", rfc5322Date(date)],
        ["Message-ID", `<attachment-${bytes}-${seed}@generated.mailshift.test>`],
        ["MIME-Version", "1.0"],
        ["Content-Type", `multipart/mixed; boundary="${boundary}"`],
      ],
      body: [
        "This is a multi-part message in MIME format.",
        `--${boundary}`,
        "Content-Type: text/plain; charset=utf-8",
        "",
        `The attached file is seeded random data (seed ${seed}).`,
        `--${boundary}`,
        `Content-Type: application/octet-stream; name="data-${seed}.bin"`,
        "Content-Transfer-Encoding: base64",
        `Content-Disposition: attachment; filename="data-${seed}.bin"`,
        "",
        ...attachmentLines,
        `--${boundary}--`,
      ],
    });
  const overhead = shell([]).length;
  // each full base64 line is 76 characters + CRLF and carries 57 bytes of data
  const data = Math.max(0, Math.floor(((bytes - overhead) / 78) * 57));
  const raw = shell(base64Lines(randomBytes(rand, data)));
  return { raw, flags: [], internalDate: date, origin: `generate.withAttachment(${bytes}, ${seed})` };
}

/**
 * `n` distinct small messages (each with its own Message-ID, subject and body), one minute apart, with a
 * seeded mix of flags as a real mailbox has: most \Seen, some \Answered, a few \Flagged.
 */
export function many(n: number, seed: number): RawMessage[] {
  const rand = prng(seed ^ 0x33);
  const base = dateFrom(rand);
  const out: RawMessage[] = [];
  for (let i = 0; i < n; i++) {
    const date = new Date(base.getTime() + i * 60_000);
    const flags: string[] = [];
    if (rand() < 0.6) flags.push("\\Seen");
    if (rand() < 0.1) flags.push("\\Answered");
    if (rand() < 0.05) flags.push("\\Flagged");
    const raw = textMessage(rand, {
      subject: `${sentence(rand, 4).slice(0, -1)} #${i + 1} (seed ${seed})`,
      messageId: `<many-${seed}-${i + 1}@generated.mailshift.test>`,
      date,
      bodyLines: paragraph(rand, 1 + Math.floor(rand() * 6)),
    });
    out.push({ raw, flags, internalDate: date, origin: `generate.many(${n}, ${seed})[${i}]` });
  }
  return out;
}

/**
 * Folder names as a user types them, "/" separating levels: umlauts, CJK, Greek, Cyrillic, and "&" (which
 * modified UTF-7 must escape). None contains "." so they fit a "." separator too.
 */
export function nonAsciiFolderNames(): string[] {
  return ["Entwürfe/Prüfung", "日本語", "Ελληνικά", "Входящие/Архив 2024", "Café & Crème"];
}
