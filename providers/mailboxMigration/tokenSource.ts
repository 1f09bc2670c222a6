// OAuth2 client-credentials grant for Exchange Online IMAP (XOAUTH2). Tokens live about an hour, so the provider
// fetches one at the start of every operation instead of storing one in the state.
import { redact } from "./secrets";
import { MigrationError } from "./secrets";
import type { OAuth2TokenSource } from "./types";

export const DEFAULT_SCOPE = "https://outlook.office365.com/.default";

export function tokenUrlOf(s: OAuth2TokenSource): string {
  return s.tokenUrl ?? `https://login.microsoftonline.com/${encodeURIComponent(s.tenantId)}/oauth2/v2.0/token`;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

/** Fetches an access token; `what` names the endpoint in errors ("source alice@outlook.office365.com:993"). */
export async function fetchAccessToken(s: OAuth2TokenSource, what: string, fetchImpl: FetchLike = fetch as unknown as FetchLike): Promise<string> {
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
      redact(`${what}: cannot reach the OAuth2 token endpoint ${url}: ${(err as Error).message}. Check the tenant id and the network.`, secrets),
    );
  }
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below
  }
  if (status >= 200 && status < 300 && typeof parsed.access_token === "string" && parsed.access_token) return parsed.access_token;
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
