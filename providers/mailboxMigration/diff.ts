// diff: what `pulumi preview` shows for a MailboxMigration. Pure.
//  - another destination mailbox (host or user)  -> replace: it is a different copy (the old one is only forgotten)
//  - any other input, syncGeneration included    -> update: an idempotent resync
//  - a rotated password or token alone           -> update too: the resync copies only what is missing (usually
//    nothing) and, as important, stores the new credential, which refresh (read) needs to log in
//  - the last pass or refresh found mail still to copy (drift.pending > 0) -> update, so that
//    `pulumi preview --refresh` shows the pending delta pass
import { containsUnknown, isUnknown } from "./unknown";
import { COMPARED_INPUTS, type EndpointInput } from "./types";

export interface DiffDecision {
  changes: boolean;
  replaces: string[];
  /** Which compared properties differ (for messages and tests; the dynamic host passes only changes/replaces). */
  changed: string[];
  /** Why there is an update although no input changed. */
  reason?: string;
}

/** JSON with sorted keys, so that key order never counts as a change. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

function sameIdentity(a: unknown, b: unknown): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  if (typeof a !== "string" || typeof b !== "string") return a === b;
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The destination mailbox is another one when its host or user differs (case does not count). */
export function destinationReplaced(olds: Partial<EndpointInput> | undefined, news: Partial<EndpointInput> | undefined): boolean {
  if (!olds || !news) return olds !== news;
  if (isUnknown(news)) return true;
  return !sameIdentity(olds.host, news.host) || !sameIdentity(olds.user, news.user);
}

export function diffMigration(olds: Record<string, unknown>, news: Record<string, unknown>): DiffDecision {
  const changed = COMPARED_INPUTS.filter(
    (k) => containsUnknown(news[k]) || canonical(olds[k] ?? defaults[k]) !== canonical(news[k] ?? defaults[k]),
  );
  const replaces = destinationReplaced(olds.destination as EndpointInput, news.destination as EndpointInput) ? ["destination"] : [];
  const drift = olds.drift as { pending?: number } | undefined;
  const pending = typeof drift?.pending === "number" && drift.pending > 0 ? drift.pending : 0;
  const failed = olds.lastError !== undefined && olds.lastError !== null;
  const decision: DiffDecision = { changes: changed.length > 0 || replaces.length > 0, replaces, changed: [...changed] };
  if (!decision.changes && pending > 0) {
    decision.changes = true;
    decision.reason = `${pending} source message(s) not on the destination yet`;
  } else if (!decision.changes && failed) {
    decision.changes = true;
    decision.reason = "the last pass failed part-way";
  }
  return decision;
}

const defaults: Record<string, unknown> = { syncGeneration: 0 };
