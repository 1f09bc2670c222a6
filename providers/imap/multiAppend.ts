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
}
interface ExecCapable {
  exec(command: string, attributes: Attribute[]): Promise<ExecResult>;
  enabled: Set<string>;
  capabilities: Map<string, unknown>;
}

export function supportsMultiAppend(client: ImapFlow): boolean {
  return (client as unknown as ExecCapable).capabilities.has("MULTIAPPEND");
}

export async function multiAppend(client: ImapFlow, path: string, messages: readonly OutgoingMessage[]): Promise<void> {
  const c = client as unknown as ExecCapable;
  const attributes: Attribute[] = [{ type: "STRING", value: wireMailboxName(path, c.enabled.has("UTF8=ACCEPT")) }];
  for (const m of messages) {
    attributes.push(m.flags.map((f) => ({ type: "ATOM", value: f })));
    attributes.push({ type: "STRING", value: imapDateTime(m.internalDate) });
    attributes.push({ type: "LITERAL", value: m.raw });
  }
  const response = await c.exec("APPEND", attributes);
  response.next();
}
