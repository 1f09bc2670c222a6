// A minimal Microsoft Graph client: client-credentials token and JSON requests. No SDK, so the dynamic provider
// serializes small. The secret is only sent to login.microsoftonline.com and never appears in errors.
import type { GraphAnswer } from "./domainDecision";

export interface GraphCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default https://login.microsoftonline.com and https://graph.microsoft.com/v1.0; tests point them at loopback. */
  loginUrl?: string;
  graphUrl?: string;
}

export const LOGIN = "https://login.microsoftonline.com";
export const GRAPH = "https://graph.microsoft.com/v1.0";

export interface GraphSession {
  token: string;
  graphUrl: string;
}

/** A client-credentials token for `scope` (Graph by default; Exchange Online's admin API asks for its own). */
export async function graphToken(c: GraphCredentials, scope = "https://graph.microsoft.com/.default"): Promise<GraphSession> {
  const res = await fetch(`${c.loginUrl ?? LOGIN}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token)
    throw new Error(
      `Microsoft Graph sign-in for app ${c.clientId} in tenant ${c.tenantId} failed (HTTP ${res.status}: ${(body.error_description ?? "").split("\r\n")[0]}). ` +
        "Check mailshift:exchange.graphClientId and the secret set with `pulumi config set --secret mailshift:graphClientSecret`",
    );
  return { token: body.access_token, graphUrl: c.graphUrl ?? GRAPH };
}

export async function graphRequest(s: GraphSession, method: "GET" | "POST", path: string, body?: unknown): Promise<GraphAnswer> {
  const res = await fetch(`${s.graphUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { error: { message: text.slice(0, 200) } };
  }
  return { status: res.status, body: parsed };
}
