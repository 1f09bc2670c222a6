// Records already in the zone (imported from its zone file, mailshift:zoneFile) that meet the records mailshift
// declares. Cloudflare refuses an identical record, a CNAME beside anything, and two SPF records at one name
// would break SPF: such records must be brought under the stack (pulumi import) or deleted before pulumi up.
import { isSpfTxt, normalizeName, txtToString, type DnsRecordLike } from "../dns/spf";
import type { PlannedRecord } from "./dns";

export interface ImportedConflict {
  key: string;
  record: DnsRecordLike;
  reason: string;
}

const isDmarc = (content: string) => /^v=DMARC1(;|\s|$)/i.test(txtToString(content));

/** Imported records that collide with planned ones, each with what to do. */
export function importedConflicts(
  planned: readonly PlannedRecord[],
  imported: readonly DnsRecordLike[],
  zoneId: string,
): ImportedConflict[] {
  const out: ImportedConflict[] = [];
  const mxTarget = (content: string) => normalizeName(content.trim().split(/\s+/).at(-1)!);
  for (const r of imported) {
    const name = normalizeName(r.name);
    const type = r.type.toUpperCase();
    const here = planned.filter((p) => normalizeName(p.name) === name);
    let hit: { p: PlannedRecord; why: string } | undefined;
    if (type === "MX") {
      const same = here.find((p) => p.type === "MX" && typeof p.content === "string" && normalizeName(p.content) === mxTarget(r.content));
      const any = here.find((p) => p.type === "MX");
      if (same) hit = { p: same, why: "Cloudflare refuses an identical record" };
      else if (any) hit = { p: any, why: "this MX would stay beside mailshift's and keep receiving mail" };
    }
    for (const p of here) {
      if (hit) break;
      if (p.type === "CNAME" || type === "CNAME") hit = { p, why: "a CNAME cannot share its name with another record" };
      else if (p.type !== type || type !== "TXT" || typeof p.content !== "string") continue;
      else if (isSpfTxt(r.content) && isSpfTxt(p.content)) hit = { p, why: "a second SPF record at one name makes SPF fail" };
      else if (isDmarc(r.content) && isDmarc(p.content)) hit = { p, why: "a second DMARC record makes DMARC ignored" };
    }
    if (!hit) continue;
    out.push({
      key: hit.p.key,
      record: r,
      reason: `${name} ${type} ${r.content} is in the zone today and meets mailshift's ${hit.p.key} (${hit.why}): import it with \`pulumi import cloudflare:index/dnsRecord:DnsRecord dns-${hit.p.key} ${zoneId}/RECORD_ID\` or delete it before pulumi up`,
    });
  }
  return out;
}
