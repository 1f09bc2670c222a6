// Opens an authenticated imapflow client for an endpoint, with connect retries and errors that say what to do.
import { isIP } from "node:net";
import { ImapFlow, type ImapFlowOptions } from "imapflow";
import { type Endpoint, isLoopbackHost, mailboxLabel } from "./endpoint";
import { classifyConnectFailure, errorFacts, serverWords } from "./classify";
import { AuthenticationError, InsecureConnectionError, MailshiftError, UnreachableError } from "./errors";
import { backoffDelay, sleep, type RetryPolicy } from "./retry";

/** Silence after which a command counts as stalled, unless ConnectOptions says otherwise. */
export const DEFAULT_SOCKET_TIMEOUT_MS = 120_000;

export interface ConnectOptions {
  retry: RetryPolicy;
  /** Seconds of silence after which a command is considered stalled. */
  socketTimeoutMs?: number;
  /**
   * Folder names in modified UTF-7, as every client reads them: UTF8=ACCEPT is not enabled (unless the server takes
   * nothing else, UTF8=ONLY). For the destination, where mailshift creates folders: a name created in UTF-8 on
   * Courier breaks LIST for every client that did not enable UTF8=ACCEPT (older Outlook, Thunderbird, imapsync).
   */
  legacyNames?: boolean;
}

/** The TLS-related options for imapflow; plaintext to a remote host is only with `insecure`. */
export function tlsOptions(e: Endpoint): Pick<ImapFlowOptions, "secure" | "doSTARTTLS" | "tls"> {
  // SNI takes a host name only (Node warns about an IP); the certificate is checked against the host either way.
  const sni = isIP(e.host) ? {} : { servername: e.host };
  const tls = e.ca ? { ca: e.ca, ...sni } : sni;
  if (e.tls === "implicit") return { secure: true, tls };
  // STARTTLS when offered; required (before any credential is sent) unless the host is local or the user said so.
  const mustStartTls = !isLoopbackHost(e.host) && !e.insecure;
  return { secure: false, doSTARTTLS: mustStartTls ? true : undefined, tls };
}

async function credentials(
  e: Endpoint,
  forceRefresh: boolean,
): Promise<{ user: string; pass?: string; accessToken?: string; authzid?: string; loginMethod?: string }> {
  if (e.accessTokenProvider) return { user: e.user, accessToken: await e.accessTokenProvider({ forceRefresh }) };
  if (e.accessToken) return { user: e.user, accessToken: e.accessToken };
  // The admin authenticates, the mailbox is the user's: only SASL PLAIN carries both (RFC 4616's authzid).
  if (e.admin) return { user: e.admin, pass: e.password ?? "", authzid: e.user, loginMethod: "AUTH=PLAIN" };
  return { user: e.user, pass: e.password ?? "" };
}

async function openOnce(e: Endpoint, socketTimeoutMs: number, forceRefresh: boolean, legacyNames: boolean): Promise<ImapFlow> {
  const auth = await credentials(e, forceRefresh);
  const client = new ImapFlow({
    host: e.host,
    port: e.port,
    auth,
    logger: false,
    disableAutoIdle: true,
    // No COMPRESS=DEFLATE: message bytes travel on bulk connections (bulkConnection.ts) that take the raw socket
    // over, and deflating mail that is mostly compressed attachments costs more CPU than it saves.
    disableCompression: true,
    emitLogs: false,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: socketTimeoutMs,
    // imapflow's ENABLE asks for UTF8=ACCEPT (and CONDSTORE, which only the source's incremental reads need).
    disableAutoEnable: legacyNames,
    ...tlsOptions(e),
  });
  // An 'error' event without a listener would crash the process; failures surface through the pending command.
  client.on("error", () => undefined);
  await client.connect();
  if (legacyNames && client.capabilities.has("UTF8=ONLY")) {
    await closeClient(client);
    return openOnce(e, socketTimeoutMs, forceRefresh, false);
  }
  return client;
}

/** Connects and logs in, retrying what may pass (a restarting server), failing fast on what will not. */
export async function openClient(e: Endpoint, opts: ConnectOptions): Promise<ImapFlow> {
  const label = mailboxLabel(e);
  let attempt = 0;
  let refreshed = false;
  for (;;) {
    try {
      return await openOnce(e, opts.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS, refreshed, opts.legacyNames ?? false);
    } catch (err) {
      const f = errorFacts(err);
      const kind = classifyConnectFailure(f);
      if (kind === "auth" && e.accessTokenProvider && !refreshed) {
        // The token may have expired between fetching and use: one more try with a fresh one.
        refreshed = true;
        continue;
      }
      if (kind === "not-imap") {
        throw new MailshiftError(
          `the server at ${e.host}:${e.port} does not answer like an IMAP server for ${label} (${f.message ?? f.code}). ` +
            `Check the port and the scheme: imap:// is usually port 143 (STARTTLS), imaps:// port 993 (implicit TLS).`,
        );
      }
      if (kind === "unknown-host") throw new UnreachableError(label, `the host name ${e.host} does not resolve (${f.code})`);
      if (kind === "auth") {
        throw new AuthenticationError(
          label,
          e.accessToken || e.accessTokenProvider
            ? "the OAuth2 token was refused; check the app registration's IMAP permission and the mailbox permission"
            : e.admin
              ? `the administrator ${e.admin} could not log in as ${e.user}: check the admin's password, that ${e.admin} may act ` +
                "for other users (Dovecot: a master user; Cyrus: listed in admins), and that the mailbox exists"
              : "check the user name and the password variable (MAILSHIFT_FROM_PASSWORD / MAILSHIFT_TO_PASSWORD)",
          f.responseText,
        );
      }
      if (f.code === "NoConnection" && /STARTTLS/i.test(f.message ?? "") && !e.insecure) {
        throw new InsecureConnectionError(label);
      }
      if (kind === "tls") {
        throw new MailshiftError(
          `TLS with ${e.host}:${e.port} failed for ${label}: ${f.message ?? f.code}. ` +
            `If the server uses a private CA, give it with --ca FILE; check that the host name matches the certificate.`,
        );
      }
      attempt += 1;
      const retryable = kind === "unreachable" || kind === "transient";
      if (!retryable || attempt >= opts.retry.attempts) {
        if (kind === "unreachable" || kind === "transient") throw new UnreachableError(label, serverWords(f));
        throw new MailshiftError(`cannot open ${label}: ${serverWords(f)}`);
      }
      await sleep(backoffDelay(opts.retry, attempt));
    }
  }
}

/** Logs out politely; a connection that is already gone is fine. */
export async function closeClient(client: ImapFlow | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.usable) await client.logout();
    else client.close();
  } catch {
    client.close();
  }
}
