// dns-check's SPF step: every SPF record the zone publishes, evaluated on the old servers and on the new side by the
// same check_host as the SPF proof (spfEval.ts, which passes the RFC 7208 test suite), for an address no record
// should authorize. A record the new side would serve that strict receivers refuse (permerror) blocks the switch,
// unless the old servers already serve it that way. dns-check asks only the zone's servers: a name outside the
// zone (include:spf.protection.outlook.com) is not asked, and the evaluation says where it stopped.
import { canonicalName, inZone, type ZoneRecord } from "./records";
import { isSpfTxt } from "./spf";
import { evaluateSpf, SpfTempError, type SpfEvaluation, type SpfLookup } from "./spfEval";

/** A TEST-NET-3 address: no SPF record authorizes it, so every term is evaluated up to the final `all`. */
export const SPF_PROBE_IP = "203.0.113.254";

const OUTSIDE = "is outside the zone; dns-check asks only the zone's servers";

export interface SpfSide {
  evaluation: SpfEvaluation;
  /** Where the evaluation stopped at a name outside the zone, if it did. */
  outside?: string;
}

export interface SpfZoneLine {
  name: string;
  old: SpfSide;
  new: SpfSide;
  /** permerror (or a DNS error inside the zone) on the new side that the old side did not have. */
  broken: boolean;
}

/** The lookup, restricted to the zone: a name outside it is not asked (a temperror naming it). */
export function zoneOnlyLookup(zone: string, lookup: SpfLookup): SpfLookup {
  return async (name, type) => {
    if (!inZone(name, zone)) throw new SpfTempError(`${canonicalName(name)} ${OUTSIDE}`);
    return lookup(name, type);
  };
}

async function side(zone: string, name: string, lookup: SpfLookup): Promise<SpfSide> {
  const evaluation = await evaluateSpf({ ip: SPF_PROBE_IP, domain: name, lookup: zoneOnlyLookup(zone, lookup) });
  const outside = evaluation.result === "temperror" && evaluation.reason?.endsWith(OUTSIDE) ? evaluation.reason.split(" ")[0] : undefined;
  return outside ? { evaluation, outside } : { evaluation };
}

const failed = (s: SpfSide) => s.evaluation.result === "permerror" || (s.evaluation.result === "temperror" && !s.outside);

/** The names in the zone with an SPF record on either side, evaluated on both. */
export async function compareZoneSpf(
  zone: string,
  records: readonly ZoneRecord[],
  old: SpfLookup,
  fresh: SpfLookup,
): Promise<SpfZoneLine[]> {
  const z = canonicalName(zone);
  const names = [
    ...new Set(records.filter((r) => r.type === "TXT" && isSpfTxt(r.content) && inZone(r.name, z)).map((r) => canonicalName(r.name))),
  ].sort();
  const lines: SpfZoneLine[] = [];
  for (const name of names) {
    const [o, n] = [await side(z, name, old), await side(z, name, fresh)];
    const same = o.evaluation.result === n.evaluation.result && o.evaluation.reason === n.evaluation.reason;
    lines.push({ name, old: o, new: n, broken: failed(n) && !same });
  }
  return lines;
}

/** One side in words: `fail after 2 lookup(s) (example.com: -all)`. */
export function describeSpfSide(s: SpfSide): string {
  const e = s.evaluation;
  if (s.outside) return `not evaluated past ${s.outside} (outside the zone) after ${e.lookups} lookup(s)`;
  return `${e.result} after ${e.lookups} lookup(s)${e.matched ? ` (${e.matched})` : e.reason ? `: ${e.reason}` : ""}`;
}
