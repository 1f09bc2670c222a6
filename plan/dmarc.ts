// DMARC for the apex and the subdomain. Pure. A policy that makes receivers quarantine or reject mail is only
// safe for a name whose mail is DKIM-signed with an aligned key: SPF alone fails as soon as mail is forwarded, so
// p=reject without DKIM loses mail. Each name gets its own _dmarc record (the subdomain is not left to the apex's
// sp=), so the subdomain's policy follows its own signer. Before finalize both stay at p=none (reports only).
import { apexSigned, dkimEnableCommand, subSigned, type DkimPlan } from "./dkim";
import { cfgPath, PlanError } from "./errors";
import type { DmarcConfig, DmarcPolicy, Stage } from "./types";

export interface DmarcDecision {
  /** The apex's policy once finalized. */
  apex: DmarcPolicy;
  /** The subdomain's policy once finalized (absent without a subdomain route). */
  sub?: DmarcPolicy;
  errors: PlanError[];
  warnings: string[];
}

export interface DmarcInput {
  domain: string;
  subdomain?: string;
  dmarc: DmarcConfig;
}

const enforcing = (p: DmarcPolicy | undefined) => p === "quarantine" || p === "reject";

/** The finalized policies, or the errors of a plan that asks for enforcement where mail is not signed. */
export function decideDmarc(c: DmarcInput, dkim: DkimPlan): DmarcDecision {
  const errors: PlanError[] = [];
  const warnings: string[] = [];
  const apex = c.dmarc.policy;
  // the policy applies at finalize: what matters is whether the apex is signed then
  if (enforcing(apex) && !apexSigned(dkim, "finalize")) {
    const a = dkim.apex;
    const why =
      a.signer === "none"
        ? a.reason
        : `Exchange's DKIM signing for ${c.domain} is not enabled (${cfgPath("exchange", "dkim", "enabled")} is false)`;
    const fix =
      a.signer === "exchange"
        ? `Once the two selector CNAMEs resolve, run \`${dkimEnableCommand(c.domain)}\` in Exchange Online PowerShell and set ${cfgPath("exchange", "dkim", "enabled")} to true; or remove ${cfgPath("exchange", "dkim")} so mailshift reads and enables it through the Exchange Online admin API; or set ${cfgPath("dmarc", "policy")} to none`
        : `Set ${cfgPath("dmarc", "policy")} to none, or route the apex's mailboxes to exchange so that Exchange signs its mail`;
    errors.push(
      new PlanError(cfgPath("dmarc", "policy"), `asks for p=${apex} at ${c.domain}, but its mail is not DKIM-signed: ${why}`, fix),
    );
  }
  if (!dkim.sub || !c.subdomain) return { apex, errors, warnings };

  const asked = c.dmarc.subdomainPolicy;
  let sub: DmarcPolicy;
  if (subSigned(dkim)) sub = asked ?? apex;
  else if (enforcing(asked)) {
    sub = asked!;
    errors.push(
      new PlanError(
        cfgPath("dmarc", "subdomainPolicy"),
        `asks for p=${asked} at ${c.subdomain}, but its mail is not DKIM-signed: ${dkim.sub.signer === "none" ? dkim.sub.reason : ""}`,
        `Set ${cfgPath("newHost", "dkim")} to the selector and key the new host signs with ({ selector: default, txt: "v=DKIM1; k=rsa; p=..." }, from its DKIM settings), or set ${cfgPath("dmarc", "subdomainPolicy")} to none`,
      ),
    );
  } else {
    sub = "none";
    if (enforcing(apex) && asked === undefined)
      warnings.push(
        `_dmarc.${c.subdomain} stays p=none after finalize: ${dkim.sub.signer === "none" ? dkim.sub.reason : ""}; set ${cfgPath("newHost", "dkim")} for p=${apex} there too`,
      );
  }
  return { apex, sub, errors, warnings };
}

/** The policy published at `stage`: none (reports only) until finalize. */
export function policyAt(finalized: DmarcPolicy, stage: Stage): DmarcPolicy {
  return stage === "finalize" ? finalized : "none";
}

/** The _dmarc TXT value (unquoted). */
export function dmarcValue(policy: DmarcPolicy, rua: string | undefined): string {
  return `v=DMARC1; p=${policy}${rua ? `; rua=${rua}` : ""}`;
}
