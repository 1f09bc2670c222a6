// Sensible parallelism per kind of destination. Exchange Online allows few IMAP connections per mailbox and
// throttles hard above that; an IMAP host of one's own takes more.
import type { Endpoint } from "./endpoint";

export const DEFAULT_CONNECTIONS = 4;
export const EXCHANGE_CONNECTIONS = 2;

export function isExchangeOnline(e: Pick<Endpoint, "host">): boolean {
  return /(^|\.)(outlook\.office365\.com|office365\.com|outlook\.com)$/i.test(e.host);
}

/** APPEND connections to open when the user did not say. */
export function defaultConnections(to: Pick<Endpoint, "host">): number {
  return isExchangeOnline(to) ? EXCHANGE_CONNECTIONS : DEFAULT_CONNECTIONS;
}
