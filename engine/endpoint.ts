// Where a mailbox lives and how to log in to it. Parsing is pure; passwords never appear in labels.
import { isIP } from "node:net";
import { UsageError } from "./errors";

export type TlsMode = "implicit" | "starttls";

export interface Endpoint {
  host: string;
  port: number;
  tls: TlsMode;
  user: string;
  /** Secret. Never logged, never part of an error message. */
  password?: string;
  /** Secret. An OAuth2 access token (XOAUTH2), used instead of the password when set. */
  accessToken?: string;
  /**
   * Where fresh OAuth2 tokens come from (client-credentials flow). Called before every connection, so a copy
   * that outlives a token (about an hour at Microsoft) reconnects with a new one. Wins over `accessToken`.
   */
  accessTokenProvider?: (opts: { forceRefresh: boolean }) => Promise<string>;
  /**
   * Log in as this administrator on the user's behalf (SASL PLAIN, `user` as the authorization identity: Dovecot
   * master users, Cyrus admins); `password` is then the administrator's. An MSP rarely has every user's password.
   */
  admin?: string;
  /** Allow a plaintext login to a host that is not on this machine. */
  insecure?: boolean;
  /** PEM of a CA to trust in addition to the system ones. */
  ca?: string;
}

/** The TLS mode of a host that does not say: STARTTLS on 143, the IMAP port; implicit TLS anywhere else. */
export function defaultTlsMode(port: number | undefined): TlsMode {
  return port === 143 ? "starttls" : "implicit";
}

/** "user@host:port", the name the user knows the mailbox by; safe to print. */
export function mailboxLabel(e: Pick<Endpoint, "user" | "host" | "port">): string {
  return `${e.user}@${e.host}:${e.port}`;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1";
  return false;
}

/**
 * Parses `imap://USER@HOST:PORT` or `imaps://USER@HOST:PORT`. The password is never taken from the URL:
 * it comes from the environment variable the caller names, so it stays out of shell history and `ps`.
 */
export function parseImapUrl(
  url: string,
  opts: { what: string; password?: string; passwordVariable?: string; insecure?: boolean },
): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${opts.what}: "${url}" is not a URL; expected imap://USER@HOST:PORT or imaps://USER@HOST:PORT`);
  }
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "imap" && scheme !== "imaps") {
    throw new UsageError(`${opts.what}: scheme "${scheme}" is not supported; use imap:// (STARTTLS) or imaps:// (implicit TLS)`);
  }
  if (u.password) {
    throw new UsageError(
      `${opts.what}: do not put the password in the URL; set ${opts.passwordVariable ?? "the password variable"} instead`,
    );
  }
  const user = decodeURIComponent(u.username);
  if (!user) throw new UsageError(`${opts.what}: the URL names no user; expected ${scheme}://USER@HOST:PORT`);
  if (!u.hostname) throw new UsageError(`${opts.what}: the URL names no host; expected ${scheme}://USER@HOST:PORT`);
  const port = u.port ? Number(u.port) : scheme === "imaps" ? 993 : 143;
  if (u.pathname && u.pathname !== "/") {
    throw new UsageError(`${opts.what}: unexpected path "${u.pathname}" in the URL; a URL names a whole mailbox`);
  }
  if (opts.password === undefined || opts.password === "") {
    throw new UsageError(
      `${opts.what}: no password for ${user}@${u.hostname}; set ${opts.passwordVariable ?? "the password variable"} in the environment`,
    );
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port,
    tls: scheme === "imaps" ? "implicit" : "starttls",
    user,
    password: opts.password,
    insecure: opts.insecure ?? false,
  };
}
