// MULTIAPPEND (RFC 3502): many messages in one APPEND command. The server stores them in one transaction,
// which on Dovecot is ten times faster than one APPEND per message, and it is atomic: on NO, none of the
// batch is stored, so the caller can fall back to single APPENDs to find the message that was refused.
//
// imapflow has no MULTIAPPEND, and keeps one command in flight per connection; this goes through its
// command queue (`exec`, internal API of the pinned imapflow version) so the connection, TLS and
// authentication stay imapflow's. test/imap covers it against real Dovecot.
import type { ImapFlow } from "imapflow";
import { imapDateTime } from "./imapDate";
import { wireMailboxName } from "./mailboxName";

export interface OutgoingMessage {
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

type Attribute = { type: string; value: unknown } | Attribute[];
interface ExecResult {
  next(): void;
  response?: { attributes?: { section?: { value?: unknown }[] }[] };
}
interface ExecCapable {
  exec(command: string, attributes: Attribute[]): Promise<ExecResult>;
  enabled: Set<string>;
  capabilities: Map<string, unknown>;
}

export function supportsMultiAppend(client: ImapFlow): boolean {
  return (client as unknown as ExecCapable).capabilities.has("MULTIAPPEND");
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

/** Appends the batch; returns the destination UIDs in batch order when the server says them (UIDPLUS). */
export async function multiAppend(client: ImapFlow, path: string, messages: readonly OutgoingMessage[]): Promise<number[] | undefined> {
  const c = client as unknown as ExecCapable;
  const attributes: Attribute[] = [{ type: "STRING", value: wireMailboxName(path, c.enabled.has("UTF8=ACCEPT")) }];
  for (const m of messages) {
    attributes.push(m.flags.map((f) => ({ type: "ATOM", value: f })));
    attributes.push({ type: "STRING", value: imapDateTime(m.internalDate) });
    attributes.push({ type: "LITERAL", value: m.raw });
  }
  const response = await c.exec("APPEND", attributes);
  response.next();
  const section = response.response?.attributes?.[0]?.section;
  if (String(section?.[0]?.value ?? "").toUpperCase() !== "APPENDUID") return undefined;
  const uids = expandUidSet(String(section?.[2]?.value ?? ""));
  return uids.length === messages.length ? uids : undefined;
}
