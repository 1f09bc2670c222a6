// Exchange Online's admin API (outlook.office365.com/adminapi): one cmdlet per POST to InvokeCommand, the endpoint
// the ExchangeOnlineManagement module's own REST cmdlets call, with an app-only token for Exchange Online. No
// PowerShell on the deploying machine. The secret only goes to the login endpoint (graphToken).
import type { GraphAnswer } from "./domainDecision";
import { graphToken, type GraphCredentials } from "./graphClient";

export const EXCHANGE_ADMIN = "https://outlook.office365.com";
/** The routing hint Exchange documents for app-only calls: the tenant's system mailbox. */
export const ANCHOR_MAILBOX = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

export interface ExchangeAdminCredentials extends GraphCredentials {
  /** The tenant's initial domain (contoso.onmicrosoft.com): the anchor mailbox lives there. */
  tenantDomain: string;
  /** Default https://outlook.office365.com; tests point it at loopback. */
  exchangeUrl?: string;
}

export interface ExchangeAdminSession {
  token: string;
  url: string;
  tenantId: string;
  tenantDomain: string;
}

export async function exchangeAdminSession(c: ExchangeAdminCredentials): Promise<ExchangeAdminSession> {
  const base = c.exchangeUrl ?? EXCHANGE_ADMIN;
  const { token } = await graphToken(c, `${EXCHANGE_ADMIN}/.default`);
  return { token, url: base, tenantId: c.tenantId, tenantDomain: c.tenantDomain };
}

/** Runs one cmdlet; the answer as Exchange gave it (decisions are in dkimDecision.ts). */
export async function invokeCmdlet(s: ExchangeAdminSession, name: string, parameters: Record<string, unknown>): Promise<GraphAnswer> {
  const res = await fetch(`${s.url}/adminapi/beta/${encodeURIComponent(s.tenantId)}/InvokeCommand`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${s.token}`,
      "content-type": "application/json",
      "x-anchormailbox": `UPN:${ANCHOR_MAILBOX}@${s.tenantDomain}`,
    },
    body: JSON.stringify({ CmdletInput: { CmdletName: name, Parameters: parameters } }),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { error: { message: text.slice(0, 200) } };
  }
  return { status: res.status, body };
}
