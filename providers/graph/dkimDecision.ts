// What Exchange Online's answers about a domain's DKIM signing config mean for mailshift. Pure, so every branch
// is tested without a tenant. The admin API's InvokeCommand answers { value: [ { ...cmdlet output } ] }, or
// { error: { code, message } } with the cmdlet's exception in the message.
import { graphMessage, type GraphAnswer } from "./domainDecision";

export interface DkimState {
  selector1CNAME: string;
  selector2CNAME: string;
  enabled: boolean;
}

function adminApiError(what: string, a: GraphAnswer, fix: string): Error {
  const e = new Error(`Exchange Online admin API ${what} failed with HTTP ${a.status}: ${graphMessage(a) || "(no message)"}. ${fix}`);
  e.name = "ExchangeAdminError";
  return e;
}

const PERMISSION_FIX =
  "Give the app of mailshift:exchange.graphClientId the application permission Exchange.ManageAsApp (Office 365 Exchange Online) with admin consent and the Entra role Exchange Administrator; " +
  "or paste the CNAMEs into mailshift:exchange.dkim (selector1CNAME, selector2CNAME) from Get-DkimSigningConfig";

const NOT_FOUND = /ManagementObjectNotFound|couldn't be found|could not be found|not found/i;
const CNAME_MISSING = /CNAME record does not exist|CnameMissing|No DKIM keys saved|Sync Error/i;

/** Get-DkimSigningConfig: the state, "absent" (create it), or stop. */
export function decideDkimRead(domain: string, a: GraphAnswer): DkimState | "absent" {
  if (a.status === 200) {
    const row = ((a.body as { value?: unknown })?.value as Record<string, unknown>[] | undefined)?.[0];
    if (!row) return "absent";
    return dkimStateFrom(domain, row);
  }
  if ((a.status === 400 || a.status === 404) && NOT_FOUND.test(graphMessage(a))) return "absent";
  if (a.status === 401 || a.status === 403) throw adminApiError(`reading ${domain}'s DKIM config`, a, PERMISSION_FIX);
  throw adminApiError(`reading ${domain}'s DKIM config`, a, "Check that the domain is verified in the tenant, then run pulumi up again");
}

/** The two CNAME targets and the switch out of one Get-/New-DkimSigningConfig row. */
export function dkimStateFrom(domain: string, row: Record<string, unknown>): DkimState {
  const cname = (k: string): string => {
    const v = row[k];
    if (typeof v !== "string" || v.trim() === "") {
      const e = new Error(
        `Exchange reported no ${k} for ${domain}'s DKIM config; run \`Get-DkimSigningConfig -Identity ${domain} | Format-List ${k}\` and paste it into mailshift:exchange.dkim, or run pulumi up again in a few minutes`,
      );
      e.name = "ExchangeAdminError";
      throw e;
    }
    return v.trim().replace(/\.$/, "").toLowerCase();
  };
  return { selector1CNAME: cname("Selector1CNAME"), selector2CNAME: cname("Selector2CNAME"), enabled: row.Enabled === true };
}

/** New-DkimSigningConfig: created (its row), or it already existed (read it again). */
export function decideDkimCreate(domain: string, a: GraphAnswer): DkimState | "exists" {
  if (a.status === 200 || a.status === 201) {
    const row = ((a.body as { value?: unknown })?.value as Record<string, unknown>[] | undefined)?.[0];
    return row ? dkimStateFrom(domain, row) : "exists";
  }
  if (a.status === 400 && /already exists/i.test(graphMessage(a))) return "exists";
  if (a.status === 401 || a.status === 403) throw adminApiError(`creating ${domain}'s DKIM keys`, a, PERMISSION_FIX);
  throw adminApiError(
    `creating ${domain}'s DKIM keys`,
    a,
    "The domain must be verified in the tenant first (the DomainVerification resource); run pulumi up again",
  );
}

/** Set-DkimSigningConfig -Enabled $true: done, not yet (Exchange cannot see the CNAMEs yet), or stop. */
export function decideDkimEnable(domain: string, a: GraphAnswer): "enabled" | "retry" {
  if (a.status === 200 || a.status === 204) return "enabled";
  if (a.status === 400 && CNAME_MISSING.test(graphMessage(a))) return "retry";
  if (a.status === 401 || a.status === 403) throw adminApiError(`enabling DKIM signing for ${domain}`, a, PERMISSION_FIX);
  throw adminApiError(`enabling DKIM signing for ${domain}`, a, "Run pulumi up again; if it persists, enable it in the Defender portal");
}
