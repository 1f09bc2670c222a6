// Sorts a failure into what the engine does next. Pure: it reads the error's fields, nothing else.

export type FailureKind =
  | "auth" // credentials refused: stop, tell the user
  | "unknown-host" // the name does not resolve: stop at once
  | "unreachable" // nothing listens: stop after the connect retries
  | "overquota" // destination full: stop the mailbox
  | "refused-message" // this one message is refused (too large, malformed): skip it, record why
  | "transient" // connection dropped, timeout, server restarting, throttled: retry with backoff
  | "tls" // certificate or handshake problem: stop, say which host and why
  | "not-imap" // something else answers on that port: stop, say to check the port and scheme
  | "fatal"; // anything else: stop with the server's words

/** The fields of an imapflow / Node socket error we look at. */
export interface ErrorFacts {
  code?: string;
  message?: string;
  responseStatus?: string;
  responseText?: string;
  serverResponseCode?: string;
  authenticationFailed?: boolean;
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "CONNECT_TIMEOUT"]);
/** No such host: a typo, not a server that is restarting. */
const UNKNOWN_HOST = new Set(["ENOTFOUND"]);
const TRANSIENT = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ETIMEOUT",
  "NoConnection",
  "EConnectionClosed",
  "ClosedAfterConnectText",
  "GREETING_TIMEOUT",
  "ETHROTTLE",
  "StateLogout",
]);

export function errorFacts(err: unknown): ErrorFacts {
  if (typeof err !== "object" || err === null) return { message: String(err) };
  const e = err as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    code: s(e.code),
    message: s(e.message),
    responseStatus: s(e.responseStatus),
    responseText: s(e.responseText),
    serverResponseCode: s(e.serverResponseCode),
    authenticationFailed: e.authenticationFailed === true,
  };
}

/** The server's own words, or the error message: what a person reads to understand the failure. */
export function serverWords(f: ErrorFacts): string {
  const code = f.serverResponseCode ? `[${f.serverResponseCode}] ` : "";
  return (code + (f.responseText || f.message || f.code || "unknown error")).trim();
}

/** The peer on that port is something other than an IMAP server (or TLS where there is none, or the reverse). */
export function isNotImap(f: ErrorFacts): boolean {
  return (
    /^ParserError/.test(f.code ?? "") ||
    ["InvalidResponse", "ClosedAfterConnectText", "ClosedAfterConnectTLS", "GREETING_TIMEOUT", "UnexpectedTag"].includes(f.code ?? "") ||
    /WRONG_VERSION_NUMBER|packet length too long|unknown protocol/i.test(`${f.code ?? ""} ${f.message ?? ""}`)
  );
}

export function classifyConnectFailure(f: ErrorFacts): FailureKind {
  if (f.authenticationFailed || f.serverResponseCode === "AUTHENTICATIONFAILED") return "auth";
  if (isNotImap(f)) return "not-imap";
  if (f.code && UNKNOWN_HOST.has(f.code)) return "unknown-host";
  if (f.code && UNREACHABLE.has(f.code)) return "unreachable";
  if (f.code && /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER)/.test(f.code)) return "tls";
  if (f.code && TRANSIENT.has(f.code)) return "transient";
  if (f.serverResponseCode === "UNAVAILABLE" || f.serverResponseCode === "INUSE") return "transient";
  return "fatal";
}

/** A failed APPEND: only this message, the whole mailbox, or the connection. */
export function classifyAppendFailure(f: ErrorFacts): FailureKind {
  // A lost connection never refuses a message, whatever the server said as it hung up (BYE "Message too large").
  if (f.code && TRANSIENT.has(f.code)) return "transient";
  const text = `${f.responseText ?? ""} ${f.message ?? ""}`.toLowerCase();
  const code = (f.serverResponseCode ?? "").toUpperCase();
  if (code === "OVERQUOTA" || (/quota exceeded|over quota|mailbox is full|quota/.test(text) && !/too large|too big|size/.test(text))) {
    return "overquota";
  }
  if (code === "TOOBIG" || code === "LIMIT" || code === "APPENDLIMIT") return "refused-message";
  if (/too large|too big|exceeded.*size|size.*exceeded|maximum size/.test(text)) return "refused-message";
  if (/throttled/.test(text)) return "transient";
  if (f.code && TRANSIENT.has(f.code)) return "transient";
  if (f.responseStatus === "NO" || f.responseStatus === "BAD") return "refused-message";
  if (f.code && UNREACHABLE.has(f.code)) return "transient";
  return "transient";
}

/** A failure while listing, fetching or storing: the connection, or something to stop for. */
export function classifySessionFailure(f: ErrorFacts): FailureKind {
  if (f.code && (TRANSIENT.has(f.code) || UNREACHABLE.has(f.code))) return "transient";
  if (f.responseStatus === "BYE") return "transient";
  if (f.serverResponseCode === "UNAVAILABLE" || f.serverResponseCode === "INUSE") return "transient";
  if (/throttled/i.test(f.responseText ?? "")) return "transient";
  return "fatal";
}

/**
 * Exchange Online's answer when a client goes too fast: "Request is throttled. Suggested Backoff Time: N
 * milliseconds". Returns N (the time to wait before going on), or undefined when the failure is not throttling.
 */
export function throttleDelayMs(f: ErrorFacts): number | undefined {
  const text = `${f.responseText ?? ""} ${f.message ?? ""}`;
  if (!/throttl/i.test(text)) return undefined;
  const m = /backoff time:\s*(\d+)\s*(milli)?seconds?/i.exec(text);
  if (!m) return 1000;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/** The server says the folder is not there (deleted since it was listed). */
export function isNonexistentFolder(f: ErrorFacts): boolean {
  if (f.responseStatus !== "NO") return false;
  return (
    f.serverResponseCode === "NONEXISTENT" ||
    /doesn't exist|does not exist|not exist|unknown mailbox|no such mailbox/i.test(f.responseText ?? "")
  );
}
