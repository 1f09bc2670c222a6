// Which imported records Cloudflare can hold. Every record lands in exactly one list, with a reason when it is
// not imported as is: nothing is dropped silently.
import { canonicalName, recordKey, type ZoneRecord } from "./records";

/** Record types a cloudflare.DnsRecord accepts (@pulumi/cloudflare 6, "Available values"). */
export const CLOUDFLARE_TYPES: ReadonlySet<string> = new Set([
  "A",
  "AAAA",
  "CNAME",
  "MX",
  "NS",
  "OPENPGPKEY",
  "PTR",
  "TXT",
  "CAA",
  "CERT",
  "DNSKEY",
  "DS",
  "HTTPS",
  "LOC",
  "NAPTR",
  "SMIMEA",
  "SRV",
  "SSHFP",
  "SVCB",
  "TLSA",
  "URI",
]);

/** Cloudflare's TTL bounds; 1 means "automatic". */
export const CLOUDFLARE_MIN_TTL = 60;
export const CLOUDFLARE_MAX_TTL = 86400;
/** Cloudflare's limit on TXT content length. */
export const CLOUDFLARE_MAX_TXT = 2048;

export interface ReportedRecord {
  record: ZoneRecord;
  reason: string;
}
export interface AdjustedRecord {
  /** As it will be created in Cloudflare. */
  record: ZoneRecord;
  /** As it was in the zone file. */
  original: ZoneRecord;
  reason: string;
}

export interface CloudflareFit {
  /** Records to create as they are. */
  importable: ZoneRecord[];
  /** Records created with a change (a TTL out of Cloudflare's range), each with the reason. */
  adjusted: AdjustedRecord[];
  /** Records not created, each with the reason and what to do. */
  reported: ReportedRecord[];
}

/**
 * Sort imported records for Cloudflare. `zone` is the zone's name (the apex).
 * importable + adjusted + reported together hold every input record exactly once.
 */
export function fitForCloudflare(zone: string, records: readonly ZoneRecord[]): CloudflareFit {
  const apex = canonicalName(zone);
  const fit: CloudflareFit = { importable: [], adjusted: [], reported: [] };
  const namesWithOthers = new Set(records.filter((r) => r.type !== "CNAME").map((r) => canonicalName(r.name)));
  const seen = new Set<string>();
  for (const record of records) {
    const name = canonicalName(record.name);
    const report = (reason: string) => fit.reported.push({ record, reason });
    const key = recordKey(record);
    if (seen.has(key)) {
      report("the same record appears earlier in the zone file; Cloudflare holds it once");
      continue;
    }
    seen.add(key);
    if (name !== apex && !name.endsWith(`.${apex}`)) {
      report(`it is outside the zone ${apex}; import it into the zone it belongs to`);
    } else if (record.type === "SOA" && name === apex) {
      report("Cloudflare manages the zone's SOA itself");
    } else if (record.type === "NS" && name === apex) {
      report("Cloudflare assigns the zone's own nameservers; set them at the registrar when the new zone is proven equivalent");
    } else if (["DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "CDS", "CDNSKEY"].includes(record.type) && name === apex) {
      report("Cloudflare signs the zone itself; enable DNSSEC in Cloudflare and publish its DS at the registrar");
    } else if (record.type === "CNAME" && name === apex) {
      report("a CNAME at the apex cannot sit beside the SOA, NS and MX; replace it with A/AAAA records (Cloudflare would flatten it)");
    } else if (record.type === "CNAME" && namesWithOthers.has(name)) {
      report(`a CNAME cannot share ${name} with other records; remove the CNAME or the other records`);
    } else if (record.type === "SPF") {
      report("the SPF record type is obsolete (RFC 7208) and Cloudflare does not hold it; publish the same text as TXT");
    } else if (!CLOUDFLARE_TYPES.has(record.type)) {
      report(`Cloudflare cannot hold ${record.type} records; recreate what it does elsewhere or drop it deliberately`);
    } else if (record.type === "TXT" && record.content.length > CLOUDFLARE_MAX_TXT) {
      report(
        `TXT content is ${record.content.length} characters, over Cloudflare's ${CLOUDFLARE_MAX_TXT}; shorten it (a smaller DKIM key)`,
      );
    } else if (record.ttl !== 1 && (record.ttl < CLOUDFLARE_MIN_TTL || record.ttl > CLOUDFLARE_MAX_TTL)) {
      const ttl = Math.min(Math.max(record.ttl, CLOUDFLARE_MIN_TTL), CLOUDFLARE_MAX_TTL);
      fit.adjusted.push({
        record: { ...record, ttl },
        original: record,
        reason: `TTL ${record.ttl} is outside Cloudflare's ${CLOUDFLARE_MIN_TTL}-${CLOUDFLARE_MAX_TTL} seconds; created with ${ttl}`,
      });
    } else {
      fit.importable.push(record);
    }
  }
  return fit;
}
