// The DNS move: every record of the old zone (mailshift:zoneFile) declared in the Cloudflare zone beside the mail
// records, each through cloudflareFit (what Cloudflare cannot hold is reported, never dropped silently) and
// stageMerge (where an imported record and a generated one meet, the stage decides). Pure: MailDns only declares
// the result.
//
// Resource names are stable across stages, so a stage change updates records in place:
// - a generated record is named by its PlannedRecord key (dns-apex-mx-0, as without the import);
// - an imported record kept in place of generated ones borrows their keys (the old MX at prepare is dns-apex-mx-0,
//   and at cutover the same resource becomes the Exchange MX);
// - any other imported record is named by type, name and a digest of its content.
import { createHash } from "node:crypto";
import { fitForCloudflare } from "../dns/cloudflareFit";
import { canonicalName, recordKey, toCloudflareShape, type ZoneRecord } from "../dns/records";
import { isSpfTxt } from "../dns/spf";
import { mergeForStage, type GeneratedRecord, type MergeDecision } from "./stageMerge";
import type { PlannedRecord, TenantRef } from "./dns";
import type { Stage } from "./types";

/** One cloudflare.DnsRecord to declare. */
export interface DeclaredRecord {
  /** The resource name below the component: stable across stages. */
  resourceKey: string;
  /** The PlannedRecord key when the record is mailshift's own (what index.ts wires Exchange to). */
  plannedKey?: string;
  source: "imported" | "generated";
  name: string;
  type: string;
  content: string | { ref: TenantRef };
  priority?: number;
  ttl: number;
  proxied: false;
  comment: string;
}

/** A generated mail record in the form `mailshift dns-check --mail FILE` reads (content may wait for the tenant). */
export interface CheckMailRecord {
  name: string;
  type: string;
  content: string | { ref: TenantRef };
  priority?: number;
  ttl: number;
  role: string;
}

export interface ZoneRecordsPlan {
  records: DeclaredRecord[];
  /** One line per meeting point of imported and generated records: what this stage publishes, and why. */
  decisions: string[];
  /** Zone-file records not created, with the reason and what to do. */
  reported: string[];
  /** Zone-file records created with a change (TTL), with the reason. */
  adjusted: string[];
  /** The published zone in normalized form (tenant values as placeholders): what the SPF proof reads. */
  published: ZoneRecord[];
}

/** The stageMerge role of a mailshift record, from its key. */
export function roleOf(key: string): string {
  if (/^(apex-mx-\d+|sub-mx)$/.test(key)) return "mx";
  if (key === "apex-spf" || key === "sub-spf") return "spf";
  if (key === "autodiscover") return "autodiscover";
  if (key === "apex-ms-verification") return "verification";
  if (key.startsWith("dkim-") || key === "sub-dkim") return "dkim";
  if (key === "dmarc" || key === "sub-dmarc") return "dmarc";
  return key;
}

/** Stand-in content for a value only the tenant knows: unique, so it never equals an imported record. */
const placeholder = (ref: TenantRef) =>
  ref === "verificationTxt" ? `"(${ref} from the tenant)"` : `(${ref.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-from-the-tenant)`;

/** A planned record in the normalized form stageMerge compares (MX priority in the content, names canonical). */
export function plannedToZone(p: PlannedRecord): ZoneRecord {
  const content = typeof p.content === "string" ? p.content : placeholder(p.content.ref);
  const name = canonicalName(p.name);
  if (p.type === "MX") return { name, type: "MX", content: `${p.priority ?? 0} ${canonicalName(content)}`, ttl: p.ttl };
  return { name, type: p.type, content: p.type === "CNAME" ? canonicalName(content) : content, ttl: p.ttl };
}

/** The records of the plan alone (no zone import): declared as MailDns always declared them. */
export function mailRecordsOnly(planned: readonly PlannedRecord[]): DeclaredRecord[] {
  return planned.map((p) => ({
    resourceKey: p.key,
    plannedKey: p.key,
    source: "generated",
    name: p.name,
    type: p.type,
    content: p.content,
    ...(p.priority !== undefined ? { priority: p.priority } : {}),
    ttl: p.ttl,
    proxied: false,
    comment: `mailshift: ${p.purpose}`,
  }));
}

/** The generated mail records for `mailshift dns-check --mail` (every one, published or held at this stage). */
export function checkMailRecords(planned: readonly PlannedRecord[]): CheckMailRecord[] {
  return planned.map((p) => ({
    name: p.name,
    type: p.type,
    content: p.content,
    ...(p.priority !== undefined ? { priority: p.priority } : {}),
    ttl: p.ttl,
    role: roleOf(p.key),
  }));
}

const digest = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

/** The resource key of an imported record nothing else names: type, name and a digest of the content. */
export function importedKey(r: ZoneRecord): string {
  return `zone-${r.type.toLowerCase()}-${canonicalName(r.name) || "root"}-${digest(r.content)}`;
}

export function renderDecision(d: MergeDecision): string {
  return `${d.name} ${d.type} (${d.role}): ${d.outcome}: ${d.reason}`;
}

export interface ZoneRecordsInput {
  domain: string;
  /** The zone file's records (parseZoneFile). */
  imported: readonly ZoneRecord[];
  /** mailshift's records at this stage (planDnsRecords). */
  planned: readonly PlannedRecord[];
  stage: Stage;
  /** TTL of the old MX/SPF/autodiscover records kept before cutover (mailshift:ttl.lowered). */
  lowTtl: number;
  /** Named in comments: where the imported records came from. */
  zoneFile: string;
  /** The zone file's lines not imported as written (ParsedZone.issues, rendered `file line N: ...`). */
  importReport?: readonly string[];
}

/** What the Cloudflare zone holds at this stage: imported records and mailshift's, merged. */
export function planZoneRecords(input: ZoneRecordsInput): ZoneRecordsPlan {
  const fit = fitForCloudflare(input.domain, input.imported);
  const importable = [...fit.importable, ...fit.adjusted.map((a) => a.record)];
  const byGenerated = new Map<string, PlannedRecord>();
  const generated: GeneratedRecord[] = input.planned.map((p) => {
    const g = { ...plannedToZone(p), role: roleOf(p.key) };
    byGenerated.set(`${g.role}\t${recordKey(g)}`, p);
    return g;
  });
  const merged = mergeForStage(importable, generated, input.stage, { lowTtl: input.lowTtl });
  const plannedOf = (r: ZoneRecord, role: string) => byGenerated.get(`${role}\t${recordKey(r)}`);

  // Imported records kept in place of generated ones take the generated records' names, pairwise in order.
  const borrowed = new Map<string, string>();
  for (const d of merged.decisions) {
    if (d.outcome !== "imported-kept") continue;
    d.published.forEach((i, n) => {
      const g = d.withheld[n];
      const p = g ? plannedOf(g, d.role) : undefined;
      if (p && !borrowed.has(recordKey(i)) && ![...borrowed.values()].includes(p.key)) borrowed.set(recordKey(i), p.key);
    });
  }

  const records: DeclaredRecord[] = merged.records.map((r) => {
    if (r.source === "generated") {
      const p = plannedOf(r, r.role ?? "");
      if (!p) throw new Error(`planZoneRecords: generated record ${recordKey(r)} has no planned record (a bug in mailshift)`);
      return mailRecordsOnly([p])[0]!;
    }
    const shape = toCloudflareShape(r);
    const kept = borrowed.get(recordKey(r));
    const adjusted = fit.adjusted.find((a) => recordKey(a.record) === recordKey(r));
    return {
      resourceKey: kept ?? importedKey(r),
      source: "imported",
      name: canonicalName(shape.name),
      type: shape.type,
      content: shape.content,
      ...(shape.priority !== undefined ? { priority: shape.priority } : {}),
      ttl: shape.ttl,
      proxied: false,
      comment: `mailshift: imported from ${input.zoneFile}${kept ? ` (kept until cutover instead of ${kept})` : ""}${adjusted ? `; ${adjusted.reason}` : ""}`,
    };
  });
  const show = (r: ZoneRecord) => `${canonicalName(r.name)} ${r.type} ${r.content}`;
  return {
    records,
    decisions: merged.decisions.map(renderDecision),
    reported: [...(input.importReport ?? []), ...fit.reported.map((x) => `${show(x.record)}: not imported: ${x.reason}`)],
    adjusted: fit.adjusted.map((x) => `${show(x.original)}: ${x.reason}`),
    published: merged.records.map(({ source: _s, role: _r, ...z }) => z),
  };
}

/** The published SPF records' names: what the SPF proof evaluates. */
export function spfNames(published: readonly ZoneRecord[]): string[] {
  return [...new Set(published.filter((r) => r.type === "TXT" && isSpfTxt(r.content)).map((r) => canonicalName(r.name)))];
}
