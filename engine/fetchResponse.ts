// Reading untagged FETCH responses as the bulk connection receives them: the response's text (literal
// announcements in place) and each literal's bytes as the chunks they arrived in. Pure. A small scanner over
// the top-level items instead of a general IMAP parser: FETCH answers are the only responses read in bulk.
import { carriedFlags } from "./flags";
import { messageIdOf, type MessageMeta } from "./identity";

/** One untagged response: its text with literal announcements in place, and each literal's bytes as chunks. */
export interface Untagged {
  text: string;
  literals: Buffer[][];
}

export type ItemValue =
  | { kind: "atom"; text: string } // a number, NIL or another atom
  | { kind: "string"; text: string } // a quoted string, unescaped
  | { kind: "list"; text: string } // a parenthesized list, its inside as sent
  | { kind: "literal"; chunks: Buffer[] };

/** The items of a `* n FETCH (...)` response by upper-cased name (`BODY[]`, `UID`, ...); undefined otherwise. */
export function fetchItems(u: Untagged): Map<string, ItemValue> | undefined {
  const head = /^\* \d+ FETCH \(/i.exec(u.text);
  if (!head) return undefined;
  const t = u.text;
  const items = new Map<string, ItemValue>();
  let i = head[0].length;
  let literal = 0;
  const end = t.length - 1; // the closing parenthesis
  if (t[end] !== ")") return undefined;
  while (i < end) {
    while (t[i] === " ") i++;
    if (i >= end) break;
    // The name: an atom, with a section in brackets that may hold spaces and parentheses (BODY[HEADER.FIELDS (X)]).
    let j = i;
    while (j < end && t[j] !== " " && t[j] !== "[") j++;
    if (t[j] === "[") {
      const close = t.indexOf("]", j);
      if (close < 0) return undefined;
      j = close + 1;
      if (t[j] === "<") {
        const origin = t.indexOf(">", j); // a partial fetch's origin
        if (origin < 0) return undefined;
        j = origin + 1;
      }
    }
    const name = t.slice(i, j).toUpperCase();
    i = j + 1;
    let value: ItemValue;
    if (t[i] === "(") {
      let depth = 0;
      let k = i;
      for (; k < end; k++) {
        if (t[k] === "(") depth++;
        else if (t[k] === ")" && --depth === 0) break;
      }
      value = { kind: "list", text: t.slice(i + 1, k) };
      // Literals inside a list (a label list, say) still take their place in the order of literals.
      literal += (value.text.match(/\{\d+\}/g) ?? []).length;
      i = k + 1;
    } else if (t[i] === '"') {
      let k = i + 1;
      let s = "";
      for (; k < end && t[k] !== '"'; k++) s += t[k] === "\\" ? t[++k] : t[k];
      value = { kind: "string", text: s };
      i = k + 1;
    } else if (t[i] === "{" || (t[i] === "~" && t[i + 1] === "{")) {
      const close = t.indexOf("}", i);
      if (close < 0) return undefined;
      const chunks = u.literals[literal++];
      if (!chunks) return undefined;
      value = { kind: "literal", chunks };
      i = close + 1;
    } else {
      let k = i;
      while (k < end && t[k] !== " ") k++;
      value = { kind: "atom", text: t.slice(i, k) };
      i = k;
    }
    items.set(name, value);
  }
  return items;
}

function bytesOf(v: ItemValue | undefined): Buffer[] | undefined {
  if (v?.kind === "literal") return v.chunks;
  if (v?.kind === "string") return [Buffer.from(v.text, "latin1")];
  return undefined; // NIL: the server has no such data (an expunged message)
}

function uidOf(items: Map<string, ItemValue>): number | undefined {
  const v = items.get("UID");
  const n = v?.kind === "atom" ? Number(v.text) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The Message-ID from a FETCH response's BODY[HEADER.FIELDS (MESSAGE-ID)]; undefined when it was not asked. */
function messageIdItem(items: Map<string, ItemValue>): string | undefined {
  const header = [...items.entries()].find(([k]) => k.startsWith("BODY[HEADER.FIELDS"))?.[1];
  if (!header) return undefined;
  const chunks = bytesOf(header);
  return messageIdOf(chunks ? Buffer.concat(chunks) : undefined);
}

/**
 * UID and body of a FETCH response (`item`: BODY[], or a partial one such as BODY[]<0>), and the Message-ID where it
 * was asked for too; undefined for any other (a flag update, an expunged message).
 */
export function fetchedBody(u: Untagged, item = "BODY[]"): { uid: number; chunks: Buffer[]; size: number; messageId?: string } | undefined {
  const items = fetchItems(u);
  if (!items) return undefined;
  const uid = uidOf(items);
  const chunks = bytesOf(items.get(item));
  if (uid === undefined || !chunks) return undefined;
  const body = { uid, chunks, size: chunks.reduce((n, c) => n + c.length, 0) };
  const messageId = messageIdItem(items);
  return messageId === undefined ? body : { ...body, messageId };
}

const MONTHS: Record<string, number> = { JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5, JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11 };

/** IMAP date-time ("17-Jul-1996 02:44:25 -0700", day maybe space-padded) in ms since the epoch. */
export function parseImapDateTime(s: string): number | undefined {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const month = MONTHS[m[2].toUpperCase()];
  if (month === undefined) return undefined;
  const offset = (m[7] === "-" ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset;
}

/**
 * The identity and flags of a listing's FETCH response (UID FLAGS INTERNALDATE RFC822.SIZE, and the Message-ID
 * header: "" when it was not asked for, as when there is none).
 */
export function fetchedMeta(u: Untagged): MessageMeta | undefined {
  const items = fetchItems(u);
  if (!items) return undefined;
  const uid = uidOf(items);
  const flags = items.get("FLAGS");
  const date = items.get("INTERNALDATE");
  const size = items.get("RFC822.SIZE");
  if (uid === undefined || flags?.kind !== "list" || date?.kind !== "string" || size?.kind !== "atom") return undefined;
  return {
    uid,
    flags: carriedFlags(flags.text.split(" ").filter(Boolean)),
    internalDate: parseImapDateTime(date.text) ?? 0,
    size: Number(size.text),
    messageId: messageIdItem(items) ?? "",
  };
}
