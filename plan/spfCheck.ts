// SPF validation of the records mailshift will publish: one SPF record per name and at most 10 DNS-querying
// terms, counted recursively (dns/spf.ts) through the generated records and any other records of the zone that
// are known (e.g. imported from a zone file). Includes pointing outside are listed as warnings: their own
// lookups cannot be counted offline.
import { countSpfLookups, isSpfTxt, normalizeName, SPF_LOOKUP_LIMIT, type DnsRecordLike } from "../dns/spf";
import { PlanError } from "./errors";
import type { PlannedRecord } from "./dns";

export interface SpfReport {
  name: string;
  lookups: number;
  terms: string[];
  unresolved: string[];
}

export interface SpfCheckResult {
  reports: SpfReport[];
  warnings: string[];
}

/** Throws PlanError (path: the config key the record comes from) on a violation. */
export function checkSpf(planned: readonly PlannedRecord[], others: readonly DnsRecordLike[] = []): SpfCheckResult {
  const literal: (DnsRecordLike & { source?: string })[] = planned
    .filter((r): r is PlannedRecord & { content: string } => typeof r.content === "string")
    .map((r) => ({ name: r.name, type: r.type, content: r.content, source: r.source }));
  const plannedNames = new Set(literal.filter((r) => r.type === "TXT" && isSpfTxt(r.content)).map((r) => normalizeName(r.name)));
  // Records mailshift replaces are not "others": a zone import of the current SPF at a name mailshift manages
  // is the very record being replaced.
  const all = [
    ...literal,
    ...others.filter((o) => !(o.type.toUpperCase() === "TXT" && isSpfTxt(o.content) && plannedNames.has(normalizeName(o.name)))),
  ];
  const reports: SpfReport[] = [];
  const warnings: string[] = [];
  for (const name of plannedNames) {
    const mine = literal.filter((r) => r.type === "TXT" && isSpfTxt(r.content) && normalizeName(r.name) === name);
    const source = mine[0]!.source ?? name;
    if (mine.length > 1)
      throw new PlanError(
        source,
        `${name} would get ${mine.length} SPF records; receivers treat that as a permanent error`,
        "Merge the terms into one record",
      );
    let count: ReturnType<typeof countSpfLookups>;
    try {
      count = countSpfLookups(name, all);
    } catch (err) {
      throw new PlanError(source, `SPF at ${name}: ${(err as Error).message}`, "");
    }
    if (count.lookups > SPF_LOOKUP_LIMIT)
      throw new PlanError(
        source,
        `SPF at ${name} needs ${count.lookups} DNS lookups, more than the ${SPF_LOOKUP_LIMIT} receivers allow (${count.terms.join(", ")})`,
        "Replace includes with ip4:/ip6: ranges or drop senders that no longer send for this name",
      );
    for (const u of count.unresolved)
      warnings.push(
        `SPF at ${name}: ${u} is outside the records mailshift knows; its own lookups are not counted (${count.lookups} counted so far)`,
      );
    reports.push({ name, lookups: count.lookups, terms: count.terms, unresolved: count.unresolved });
  }
  return { reports, warnings };
}
