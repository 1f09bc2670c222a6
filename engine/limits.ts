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

/**
 * APPEND connections for one folder at a time. Courier's imapd takes the folder's dot-lock for every APPEND and, when
 * another connection holds it, waits for a file-watch event that can be lost: up to 120 s with nothing on the wire
 * (harness/SERVERS.md, "The stall"). One connection per folder never contends for that lock.
 */
export function appendConnectionsFor(greeting: string, wanted: number): number {
  return /\bCourier-IMAP\b/i.test(greeting) ? 1 : wanted;
}

/**
 * Why a message is not sent, when its size is over the user's maximum or the destination's APPENDLIMIT (RFC 7889;
 * Cyrus announces its maxmessagesize so and closes the connection after refusing a larger APPEND): skipped before
 * it is sent, with the reason. Undefined: send it.
 */
export function sizeRefusal(size: number, userMax: number | undefined, appendLimit: number | undefined): string | undefined {
  if (appendLimit !== undefined && size > appendLimit)
    return `larger than the destination accepts (APPENDLIMIT ${appendLimit} bytes; this message is ${size})`;
  if (userMax !== undefined && size > userMax) return `larger than the maximum message size (${size} > ${userMax} bytes)`;
  return undefined;
}
