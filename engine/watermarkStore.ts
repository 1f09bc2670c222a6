// Watermarks kept on the destination server, so that a pass on a machine with no state (a fresh one at cutover)
// starts from the last pass's proofs: a private IMAP METADATA entry (RFC 5464) on the server ("" mailbox), one per
// source mailbox, written after every pass and read at the start of the next. An entry is only a claim: the plan
// trusts it exactly as it trusts a --state file, group by group under the same STATUS proofs (watermarks.ts), so a
// stale, damaged or forged entry costs a listing, never a message. Where the server has no METADATA (Courier,
// Exchange Online), or refuses the entry (Cyrus without `annotation_allow_undefined`), nothing is kept there.
import { createHash } from "node:crypto";
import type { ImapFlow } from "imapflow";
import type { BulkConnection } from "./bulkConnection";
import type { FolderMark, GroupWatermark, Watermarks } from "./watermarks";

const ENTRY_PREFIX = "/private/vendor/mailshift/watermarks/";

/**
 * Cyrus takes a 100 KB entry and hangs up on a 200 KB literal (BYE [TOOBIG]); a larger set of watermarks keeps
 * the groups that fit (the others are listed next time).
 */
export const MAX_ENTRY_BYTES = 100_000;

/** The entry of one source mailbox: several sources merged into one destination keep one each. Pure. */
export function entryName(source: string): string {
  return ENTRY_PREFIX + createHash("sha256").update(source.toLowerCase()).digest("hex").slice(0, 16);
}

type Mark = [path: string, uidValidity: string, uidNext: number, messages: number, highestModseq: string | null];

interface Entry {
  v: 1;
  source: string;
  groups: Record<string, { s: Mark[]; d: Mark }>;
}

const toMark = (m: FolderMark): Mark => [m.path, m.uidValidity, m.uidNext, m.messages, m.highestModseq ?? null];

function fromMark(v: unknown): FolderMark | undefined {
  if (!Array.isArray(v) || v.length !== 5) return undefined;
  const [path, uidValidity, uidNext, messages, modseq] = v as unknown[];
  const count = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  if (typeof path !== "string" || typeof uidValidity !== "string" || !count(uidNext) || !count(messages)) return undefined;
  if (modseq !== null && (typeof modseq !== "string" || !/^\d+$/.test(modseq))) return undefined;
  return {
    path,
    uidValidity,
    uidNext: uidNext as number,
    messages: messages as number,
    ...(modseq === null ? {} : { highestModseq: modseq }),
  };
}

/** The entry's text: compact JSON, groups added while they fit MAX_ENTRY_BYTES. Pure. */
export function encodeEntry(source: string, watermarks: Watermarks): string {
  const entry: Entry = { v: 1, source, groups: {} };
  let size = JSON.stringify(entry).length;
  for (const [folder, w] of Object.entries(watermarks)) {
    const g = { s: w.sources.map(toMark), d: toMark(w.destination) };
    const more = Buffer.byteLength(JSON.stringify({ [folder]: g })) + 1;
    if (size + more > MAX_ENTRY_BYTES) continue;
    entry.groups[folder] = g;
    size += more;
  }
  return JSON.stringify(entry);
}

/**
 * The watermarks in an entry's text, for this source mailbox; each group of the expected shape (anything else is
 * dropped: that folder is listed). Undefined for anything else. Pure.
 */
export function decodeEntry(text: string, source: string): Watermarks | undefined {
  let e: Partial<Entry>;
  try {
    e = JSON.parse(text) as Partial<Entry>;
  } catch {
    return undefined;
  }
  if (e?.v !== 1 || typeof e.source !== "string" || e.source.toLowerCase() !== source.toLowerCase()) return undefined;
  if (typeof e.groups !== "object" || e.groups === null) return undefined;
  const out: Watermarks = {};
  for (const [folder, g] of Object.entries(e.groups)) {
    const sources = Array.isArray(g?.s) ? g.s.map(fromMark) : [];
    const destination = fromMark(g?.d);
    if (!destination || !sources.length || sources.some((m) => !m)) continue;
    out[folder] = { sources: sources as FolderMark[], destination } satisfies GroupWatermark;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * imapflow's command runner: it has no METADATA call, but runs any command and hands over its untagged answers.
 * The answer's `next` must be called, or the connection reads nothing more.
 */
interface Exec {
  exec(
    command: string,
    attributes: unknown[],
    options?: { untagged?: Record<string, (u: { attributes?: unknown[] }) => Promise<void>> },
  ): Promise<{ next?: () => void }>;
}

async function run(client: ImapFlow, ...args: Parameters<Exec["exec"]>): Promise<void> {
  const answer = await (client as unknown as Exec).exec(...args);
  answer?.next?.();
}

const hasMetadata = (caps: ReadonlyMap<string, unknown>) => caps.has("METADATA") || caps.has("METADATA-SERVER");

function textOf(v: unknown): string | undefined {
  const value = (v as { value?: unknown } | null)?.value;
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return undefined;
}

/**
 * The stored entry's text for this source mailbox (GETMETADATA, one round trip); undefined where the server has
 * no METADATA, no entry, or answers otherwise: then the pass lists, as without state.
 */
export async function readStoredEntry(client: ImapFlow, source: string): Promise<string | undefined> {
  if (!hasMetadata(client.capabilities)) return undefined;
  const name = entryName(source);
  let text: string | undefined;
  try {
    await run(
      client,
      "GETMETADATA",
      [
        { type: "STRING", value: "" },
        { type: "STRING", value: name },
      ],
      {
        untagged: {
          METADATA: async (u) => {
            const list = u.attributes?.[1];
            if (!Array.isArray(list)) return;
            for (let i = 0; i + 1 < list.length; i += 2) if (textOf(list[i])?.toLowerCase() === name) text = textOf(list[i + 1]);
          },
        },
      },
    );
  } catch {
    return undefined;
  }
  return text;
}

/**
 * Writes this pass's watermarks as the entry (SETMETADATA), unless it holds them already (`stored`). Best effort:
 * a refusal or a failure leaves the next pass to list, which is only slower.
 */
export async function storeWatermarks(c: BulkConnection, source: string, watermarks: Watermarks, stored?: string): Promise<boolean> {
  if (!hasMetadata(c.capabilities)) return false;
  const text = encodeEntry(source, watermarks);
  if (text === stored) return true;
  try {
    await c.setServerMetadata(entryName(source), Buffer.from(text));
    return true;
  } catch {
    return false;
  }
}
