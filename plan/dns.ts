// DNS record planning per stage. Pure: from the configuration and the stage to the exact records MailDns declares.
// - apex MX stays on the old host until cutover, then points to Exchange (target from the tenant's service
//   configuration records unless mailshift:exchange.mx gives it);
// - DKIM CNAMEs are Exchange's targets (plan/dkim.ts: read from Exchange or pasted), never derived from a name;
// - DMARC: the apex and the subdomain each get their own _dmarc record, enforcing from finalize only where mail is
//   DKIM-signed (plan/dmarc.ts);
// - TTLs are lowered from prepare on and raised back in finalize;
// - full names (never `@`), TXT quoted, proxied false (mail records cannot be proxied).
import { planDkim } from "./dkim";
import { decideDmarc, dmarcValue, policyAt } from "./dmarc";
import { cfgPath } from "./errors";
import { quoteTxt } from "./txt";
import { stageIndex } from "./stage";
import type { MailshiftConfig, Stage } from "./types";

/**
 * Values only the tenant knows, resolved at deployment when not in config: the MX target and MS= value from Graph,
 * the DKIM CNAME targets from Exchange (providers/graph).
 */
export type TenantRef = "exchangeMx" | "verificationTxt" | "dkimSelector1" | "dkimSelector2";

export interface PlannedRecord {
  /** Stable across stages, so a stage change updates a record in place: the resource name. */
  key: string;
  name: string;
  type: "MX" | "TXT" | "CNAME";
  /** Literal content (TXT already quoted), or a value the tenant supplies at deployment. */
  content: string | { ref: TenantRef };
  priority?: number;
  ttl: number;
  proxied: false;
  /** Why the record exists, for people reading the plan. */
  purpose: string;
  /** The config key the content derives from, for error messages. */
  source: string;
}

export const EXCHANGE_SPF_INCLUDE = "include:spf.protection.outlook.com";
export const AUTODISCOVER_TARGET = "autodiscover.outlook.com";

export type DnsPlanInput = Pick<
  MailshiftConfig,
  "domain" | "subdomain" | "oldHost" | "exchange" | "newHost" | "ttl" | "dmarc" | "cloudflareZone"
> & {
  /** Whether any mailbox goes to each route. */
  routes: { exchange: boolean; imap: boolean };
};

export function spfRecord(...terms: string[]): string {
  return ["v=spf1", ...terms.filter((t) => t.trim() !== ""), "~all"].join(" ");
}

/** The records mailshift owns in the zone at `stage`. */
export function planDnsRecords(c: DnsPlanInput, stage: Stage): PlannedRecord[] {
  const s = stageIndex(stage);
  const cutover = stageIndex("cutover");
  const ttl = stage === "finalize" ? c.ttl.normal : c.ttl.lowered;
  const out: PlannedRecord[] = [];
  const add = (r: Omit<PlannedRecord, "proxied" | "ttl">) => out.push({ ...r, ttl, proxied: false });
  const ex = c.routes.exchange ? c.exchange : undefined;
  const dkim = planDkim(c);
  const dmarc = decideDmarc(c, dkim);

  if (ex && s >= cutover) {
    add({
      key: "apex-mx-0",
      name: c.domain,
      type: "MX",
      content: ex.mx ?? { ref: "exchangeMx" },
      priority: 0,
      purpose: "apex MX to Exchange Online",
      source: cfgPath("exchange", "mx"),
    });
  } else {
    for (const [i, mx] of c.oldHost.mx.entries()) {
      add({
        key: `apex-mx-${i}`,
        name: c.domain,
        type: "MX",
        content: mx.host,
        priority: mx.priority,
        purpose: ex ? "apex MX on the old host until cutover" : "apex MX on the old host (no mailbox goes to exchange)",
        source: cfgPath("oldHost", "mx", i),
      });
    }
  }

  // SPF: the old host stays authorized until finalize (its queue may still send); Exchange from prepare on,
  // since Exchange users may send as soon as their mailbox exists.
  const oldTerms = stage === "finalize" && ex ? "" : c.oldHost.spf;
  add({
    key: "apex-spf",
    name: c.domain,
    type: "TXT",
    content: quoteTxt(spfRecord(oldTerms, ex ? EXCHANGE_SPF_INCLUDE : "")),
    purpose: "apex SPF",
    source: cfgPath("oldHost", "spf"),
  });

  if (ex) {
    add({
      key: "apex-ms-verification",
      name: c.domain,
      type: "TXT",
      content: ex.verificationTxt ? quoteTxt(ex.verificationTxt) : { ref: "verificationTxt" },
      purpose: "Microsoft 365 domain verification (MS=)",
      source: cfgPath("exchange", "verificationTxt"),
    });
    // Exchange's CNAME targets as Exchange reports them (pasted, or read through its admin API), from prepare on:
    // the keys exist once the domain is in the tenant, and Exchange will not sign before they resolve.
    const apex = dkim.apex;
    for (const n of [1, 2] as const) {
      const sel = `selector${n}` as const;
      add({
        key: `dkim-${sel}`,
        name: `${sel}._domainkey.${c.domain}`,
        type: "CNAME",
        content:
          apex.signer === "exchange" && apex.cnames === "config"
            ? apex[`${sel}CNAME`]
            : { ref: n === 1 ? "dkimSelector1" : "dkimSelector2" },
        purpose: `DKIM ${sel} for Exchange Online`,
        source: cfgPath("exchange", "dkim", `${sel}CNAME`),
      });
    }
    if (s >= cutover) {
      add({
        key: "autodiscover",
        name: `autodiscover.${c.domain}`,
        type: "CNAME",
        content: AUTODISCOVER_TARGET,
        purpose: "Outlook autodiscover to Exchange Online",
        source: cfgPath("exchange"),
      });
    }
  }

  const policy = policyAt(dmarc.apex, stage);
  add({
    key: "dmarc",
    name: `_dmarc.${c.domain}`,
    type: "TXT",
    content: quoteTxt(dmarcValue(policy, c.dmarc.rua)),
    purpose: stage === "finalize" ? `DMARC policy ${policy}` : "DMARC report-only until finalize",
    source: cfgPath("dmarc", "policy"),
  });

  if (c.routes.imap && c.subdomain && c.newHost) {
    add({
      key: "sub-mx",
      name: c.subdomain,
      type: "MX",
      content: c.newHost.mx,
      priority: 10,
      purpose: "subdomain MX to the new IMAP host",
      source: cfgPath("newHost", "mx"),
    });
    add({
      key: "sub-spf",
      name: c.subdomain,
      type: "TXT",
      content: quoteTxt(spfRecord(c.newHost.spf)),
      purpose: "subdomain SPF for the new IMAP host",
      source: cfgPath("newHost", "spf"),
    });
    if (dkim.sub?.signer === "new-host")
      add({
        key: "sub-dkim",
        name: `${dkim.sub.selector}._domainkey.${c.subdomain}`,
        type: "TXT",
        content: quoteTxt(dkim.sub.txt),
        purpose: "subdomain DKIM key of the new IMAP host",
        source: cfgPath("newHost", "dkim", "txt"),
      });
    // its own record, not the apex's sp=: the subdomain's policy follows its own signer (plan/dmarc.ts)
    const subPolicy = policyAt(dmarc.sub ?? "none", stage);
    add({
      key: "sub-dmarc",
      name: `_dmarc.${c.subdomain}`,
      type: "TXT",
      content: quoteTxt(dmarcValue(subPolicy, c.dmarc.rua)),
      purpose: stage === "finalize" ? `subdomain DMARC policy ${subPolicy}` : "subdomain DMARC report-only until finalize",
      source: cfgPath("dmarc", "subdomainPolicy"),
    });
  }
  return out;
}

export interface RecordChange {
  action: "add" | "change" | "remove";
  key: string;
  name: string;
  type: string;
  from?: string;
  to?: string;
}

function show(r: PlannedRecord): string {
  const c = typeof r.content === "string" ? r.content : `(${r.content.ref} from the tenant)`;
  return `${r.priority !== undefined ? `${r.priority} ` : ""}${c} ttl ${r.ttl}`;
}

/** What a stage changes compared with the records of the stage before it (none before the first). */
export function diffRecords(before: readonly PlannedRecord[], after: readonly PlannedRecord[]): RecordChange[] {
  const prev = new Map(before.map((r) => [r.key, r]));
  const next = new Map(after.map((r) => [r.key, r]));
  const out: RecordChange[] = [];
  for (const r of after) {
    const p = prev.get(r.key);
    if (!p) out.push({ action: "add", key: r.key, name: r.name, type: r.type, to: show(r) });
    else if (show(p) !== show(r) || p.name !== r.name || p.type !== r.type)
      out.push({ action: "change", key: r.key, name: r.name, type: r.type, from: show(p), to: show(r) });
  }
  for (const p of before) if (!next.has(p.key)) out.push({ action: "remove", key: p.key, name: p.name, type: p.type, from: show(p) });
  return out;
}

/** The records with the tenant's values filled in (what MailDns declares once Exchange answered). */
export function withTenantValues(records: readonly PlannedRecord[], values: Partial<Record<TenantRef, string>>): PlannedRecord[] {
  return records.map((r) => {
    if (typeof r.content === "string") return r;
    const v = values[r.content.ref];
    if (!v) throw new Error(`${r.name} ${r.type} needs ${r.content.ref} from the tenant; set ${r.source}`);
    return { ...r, content: r.type === "TXT" ? quoteTxt(v) : v };
  });
}
