// OAuth2 client-credentials grant for Exchange Online IMAP (XOAUTH2). Tokens live about an hour, so none is stored
// in the state: the engine asks the token provider before every connection, and a copy that outlives a token
// reconnects with a fresh one.
import { redact } from "./secrets";
import { MigrationError } from "./secrets";
import type { OAuth2TokenSource } from "./types";

export const DEFAULT_SCOPE = "https://outlook.office365.com/.default";

export function tokenUrlOf(s: OAuth2TokenSource): string {
  return s.tokenUrl ?? `https://login.microsoftonline.com/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/** Fetches an access token; `what` names the endpoint in errors ("source alice@outlook.office365.com:993"). */
export async function fetchAccessToken(
  s: OAuth2TokenSource,
  what: string,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
): Promise<string> {
  return (await fetchToken(s, what, fetchImpl)).token;
}

export interface FetchedToken {
  token: string;
  /** Seconds the endpoint says the token lives (`expires_in`); undefined when it did not say. */
  expiresInS?: number;
}

/** As fetchAccessToken, with the lifetime the endpoint gave. */
export async function fetchToken(
  s: OAuth2TokenSource,
  what: string,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
): Promise<FetchedToken> {
  const url = tokenUrlOf(s);
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: s.clientId,
    client_secret: s.clientSecret,
    scope: s.scope ?? DEFAULT_SCOPE,
  }).toString();
  const secrets = [s.clientSecret];
  let status = 0;
  let text = "";
  try {
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    throw new MigrationError(
      redact(
        `${what}: cannot reach the OAuth2 token endpoint ${url}: ${(err as Error).message}. Check the tenant id and the network.`,
        secrets,
      ),
    );
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below
  }
  if (status >= 200 && status < 300 && typeof parsed.access_token === "string" && parsed.access_token) {
    const e = Number(parsed.expires_in);
    return { token: parsed.access_token, expiresInS: Number.isFinite(e) && e > 0 ? e : undefined };
  }
  const detail =
    typeof parsed.error === "string"
      ? `${parsed.error}${typeof parsed.error_description === "string" ? `: ${parsed.error_description.split(/\r?\n/)[0]}` : ""}`
      : `an answer without access_token (${text.slice(0, 200)})`;
  throw new MigrationError(
    redact(
      `${what}: the OAuth2 token endpoint ${url} refused the client credentials (HTTP ${status}, ${detail}). ` +
        `Check oauth2.tenantId, oauth2.clientId and oauth2.clientSecret (has the client secret expired?).`,
      secrets,
    ),
  );
}

/** A token is not handed out for a new connection when it has less than this left (login, then a long command). */
export const TOKEN_MARGIN_MS = 5 * 60_000;

export interface TokenProviderOptions {
  fetchImpl?: FetchLike;
  /** Told every token fetched, so that errors and logs can redact it. */
  onToken?: (token: string) => void;
  now?: () => number;
}

/**
 * The engine's `accessTokenProvider` for one endpoint. Each connection asks it for a token: it hands out the last
 * one while that has more than TOKEN_MARGIN_MS to live and fetches a new one otherwise, or when `forceRefresh`
 * says the server refused the last one. Concurrent asks share one request.
 */
export function oauth2TokenProvider(
  s: OAuth2TokenSource,
  what: string,
  opts: TokenProviderOptions = {},
): (o: { forceRefresh: boolean }) => Promise<string> {
  const now = opts.now ?? Date.now;
  let current: { token: string; goodUntil: number } | undefined;
  let pending: Promise<string> | undefined;
  const refresh = (): Promise<string> => {
    pending ??= (async () => {
      try {
        const t = await fetchToken(s, what, opts.fetchImpl);
        opts.onToken?.(t.token);
        // without a lifetime the token is used for one connection only
        current = { token: t.token, goodUntil: t.expiresInS === undefined ? 0 : now() + t.expiresInS * 1000 - TOKEN_MARGIN_MS };
        return t.token;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
  return async ({ forceRefresh }) => {
    if (!forceRefresh && current && now() < current.goodUntil) return current.token;
    current = undefined;
    return refresh();
  };
}
