// Who signs each name's mail with an aligned DKIM key, and from which stage. Pure: the DMARC rules (plan/dmarc.ts)
// and the DNS records (plan/dns.ts) read it.
//
// The apex is signed by Exchange Online. Its two CNAME targets are Exchange's to give, never guessed: new tenants
// get selector1-<domain>._domainkey.<prefix>.<x>-v1.dkim.mail.microsoft, older ones <tenant>.onmicrosoft.com, and
// only Get-DkimSigningConfig knows which. mailshift reads them through the Exchange Online admin API with the Graph
// app's token (providers/graph/dkimSigning.ts) and enables signing itself once the CNAMEs are served by the zone
// Microsoft resolves; a stack that cannot reach that API pastes them (mailshift:exchange.dkim) and the operator
// enables signing with the command below, stating it in exchange.dkim.enabled.
// The subdomain is signed by the new IMAP host when mailshift:newHost.dkim names its selector and key: mailshift
// publishes that key, so the stack knows the signature verifies. Without it the stack cannot know, and says so.
import { cfgPath } from "./errors";
import { stageIndex } from "./stage";
import type { MailshiftConfig, Stage } from "./types";

export type ApexDkim =
  | { signer: "none"; reason: string }
  /** CNAMEs read from Exchange and signing enabled by mailshift from `enableFrom` on. */
  | { signer: "exchange"; cnames: "admin-api"; enableFrom: Stage }
  /** CNAMEs pasted from Get-DkimSigningConfig; `enabled` is the operator's word that Set-DkimSigningConfig ran. */
  | { signer: "exchange"; cnames: "config"; selector1CNAME: string; selector2CNAME: string; enabled: boolean };

export type SubDkim = { signer: "new-host"; selector: string; txt: string } | { signer: "none"; reason: string };

export interface DkimPlan {
  apex: ApexDkim;
  /** Absent when no mailbox goes to the subdomain. */
  sub?: SubDkim;
}

export type DkimInput = Pick<MailshiftConfig, "domain" | "subdomain" | "exchange" | "newHost" | "cloudflareZone"> & {
  routes: { exchange: boolean; imap: boolean };
};

/** The Exchange Online PowerShell line that turns signing on, for a stack whose CNAMEs are pasted. */
export function dkimEnableCommand(domain: string): string {
  return `Set-DkimSigningConfig -Identity ${domain} -Enabled $true`;
}

export function planDkim(c: DkimInput): DkimPlan {
  const apex = apexDkim(c);
  if (!(c.routes.imap && c.subdomain && c.newHost)) return { apex };
  const d = c.newHost.dkim;
  return {
    apex,
    sub: d
      ? { signer: "new-host", selector: d.selector, txt: d.txt }
      : {
          signer: "none",
          reason: `${cfgPath("newHost", "dkim")} is not set, so the stack cannot know that the new host signs ${c.subdomain}'s mail with a published key`,
        },
  };
}

function apexDkim(c: DkimInput): ApexDkim {
  if (!c.routes.exchange || !c.exchange)
    return { signer: "none", reason: `no mailbox goes to exchange, so nothing mailshift sets up signs ${c.domain}'s mail` };
  const pasted = c.exchange.dkim;
  if (pasted) return { signer: "exchange", cnames: "config", ...pasted };
  // Microsoft checks the CNAMEs before it enables signing: a zone mailshift creates answers only once the registrar
  // delegates to it (cutover's gate); an existing zone answers as soon as the records are declared.
  return { signer: "exchange", cnames: "admin-api", enableFrom: c.cloudflareZone.kind === "create" ? "cutover" : "prepare" };
}

/** Whether the apex's mail is DKIM-signed with an aligned key (d= the domain) at `stage`. */
export function apexSigned(d: DkimPlan, stage: Stage): boolean {
  const a = d.apex;
  if (a.signer === "none") return false;
  if (a.cnames === "config") return a.enabled;
  return stageIndex(stage) >= stageIndex(a.enableFrom);
}

/** Whether the subdomain's mail is DKIM-signed with a key mailshift publishes. */
export function subSigned(d: DkimPlan): boolean {
  return d.sub?.signer === "new-host";
}

/** Whether mailshift asks Exchange to sign at `stage` (the DkimSigning resource's `enable`). */
export function enableSigningAt(d: DkimPlan, stage: Stage): boolean {
  return d.apex.signer === "exchange" && d.apex.cnames === "admin-api" && apexSigned(d, stage);
}

/** For people (the dkimSigning output): who signs each name's mail, where the keys come from, what is left to do. */
export function dkimStatus(
  d: DkimPlan & { enableExchangeSigning?: boolean },
  c: Pick<MailshiftConfig, "domain" | "subdomain">,
  stage: Stage,
): string[] {
  const a = d.apex;
  const out: string[] = [];
  if (a.signer === "none") out.push(`${c.domain}: not DKIM-signed: ${a.reason}`);
  else if (a.cnames === "admin-api")
    out.push(
      `${c.domain}: Exchange signs; selector1/selector2 CNAME targets read from Exchange (Get-DkimSigningConfig through the admin API); ` +
        (d.enableExchangeSigning
          ? "mailshift enables signing at this stage (Set-DkimSigningConfig -Enabled $true once the CNAMEs resolve)"
          : apexSigned(d, stage)
            ? "signing waits until the CNAMEs are published (the old host's selector records stay until cutover)"
            : `mailshift enables signing from ${a.enableFrom} on, once the zone that holds the CNAMEs is the one the registrar names`),
    );
  else
    out.push(
      `${c.domain}: Exchange signs; CNAME targets pasted in ${cfgPath("exchange", "dkim")}; ` +
        (a.enabled
          ? `signing enabled by the operator (${cfgPath("exchange", "dkim", "enabled")})`
          : `signing not enabled: once the CNAMEs resolve, run \`${dkimEnableCommand(c.domain)}\` and set ${cfgPath("exchange", "dkim", "enabled")} true`),
    );
  if (d.sub && c.subdomain)
    out.push(
      d.sub.signer === "new-host"
        ? `${c.subdomain}: the new host signs with selector ${d.sub.selector}; mailshift publishes its key at ${d.sub.selector}._domainkey.${c.subdomain}`
        : `${c.subdomain}: not DKIM-signed as far as the stack knows: ${d.sub.reason}; its DMARC policy stays none`,
    );
  return out;
}
