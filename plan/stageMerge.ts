// Where an imported record and a generated mail record meet, the stage decides which one is published.
// MX, SPF and autodiscover switch at cutover: before it the old host keeps receiving mail and the imported
// records stay (with lowered TTLs so the switch propagates fast); from cutover on the generated ones win.
// Other mail records (domain verification, DKIM, DMARC) are published from prepare on, unless they would displace
// an imported record: then they too wait for cutover.
import { isSpfTxt, txtToString } from "../dns/spf";
import { canonicalName, recordKey, type ZoneRecord } from "../dns/records";
import { STAGES, type Stage } from "./types";

/** Roles whose records switch at cutover. */
export const SWITCHING_ROLES: ReadonlySet<string> = new Set(["mx", "spf", "autodiscover"]);

export interface GeneratedRecord extends ZoneRecord {
  /** What the record is for: mx, spf, autodiscover, verification, dkim, dmarc, ... */
  role: string;
}

export interface PublishedRecord extends ZoneRecord {
  source: "imported" | "generated";
  role?: string;
}

export type MergeOutcome =
  | "imported-kept" // the old record stays; the generated one waits for cutover
  | "generated-replaces-imported" // the generated record is published instead of the old one
  | "generated-added" // nothing imported meets it; published
  | "generated-held" // nothing imported meets it, but its role switches at cutover
  | "already-present"; // the imported record is the same; published once

export interface MergeDecision {
  name: string;
  type: string;
  role: string;
  outcome: MergeOutcome;
  published: ZoneRecord[];
  withheld: ZoneRecord[];
  /** One sentence for preview. */
  reason: string;
}

export interface MergeResult {
  records: PublishedRecord[];
  decisions: MergeDecision[];
}

export interface MergeOptions {
  /** Before cutover, imported records that will switch are published with at most this TTL (seconds). */
  lowTtl?: number;
}

function txtKind(content: string): string | undefined {
  if (isSpfTxt(content)) return "spf";
  const s = txtToString(content);
  if (/^v=DMARC1(;|\s|$)/i.test(s)) return "dmarc";
  if (/^v=DKIM1(;|\s|$)/i.test(s)) return "dkim";
  return undefined;
}

/** Whether a generated record and an imported one compete for the same place in the zone. */
export function meets(generated: ZoneRecord, imported: ZoneRecord): boolean {
  if (canonicalName(generated.name) !== canonicalName(imported.name)) return false;
  if (generated.type === "CNAME" || imported.type === "CNAME") return true;
  if (generated.type !== imported.type) return false;
  if (generated.type !== "TXT") return true; // the rrset is replaced as a whole
  if (generated.content === imported.content) return true;
  const kind = txtKind(generated.content);
  return kind !== undefined && kind === txtKind(imported.content);
}

const stageIndex = (s: Stage) => STAGES.indexOf(s);

/** Decide what is published at `stage`. Every generated record gets a decision; so does every imported one it displaces. */
export function mergeForStage(
  imported: readonly ZoneRecord[],
  generated: readonly GeneratedRecord[],
  stage: Stage,
  options: MergeOptions = {},
): MergeResult {
  if (!STAGES.includes(stage)) throw new Error(`unknown stage ${JSON.stringify(stage)}: use one of ${STAGES.join(", ")}`);
  const switched = stageIndex(stage) >= stageIndex("cutover");
  const decisions: MergeDecision[] = [];
  const displaced = new Set<string>();
  const lowered = new Map<string, number>();
  const publishedGenerated: PublishedRecord[] = [];

  // Group generated records by (name, type, role): an MX rrset of two records is one decision. TXT records
  // stand alone (an SPF and a verification TXT share a name without competing), so each is its own decision.
  const groups = new Map<string, GeneratedRecord[]>();
  for (const g of generated) {
    const k = `${canonicalName(g.name)}\t${g.type}\t${g.role}${g.type === "TXT" ? `\t${g.content}` : ""}`;
    groups.set(k, [...(groups.get(k) ?? []), g]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const name = canonicalName(first.name);
    const met = imported.filter((i) => group.some((g) => meets(g, i)));
    const switching = SWITCHING_ROLES.has(first.role);
    const base = { name, type: first.type, role: first.role };
    const sameAsImported = met.length === group.length && group.every((g) => met.some((i) => recordKey(i) === recordKey(g)));
    // Before cutover nothing the old host relies on is displaced: a generated record that meets a different
    // imported one waits, whatever its role (an Exchange DKIM selector must not break the old host's signing).
    if (!switched && (switching || (met.length > 0 && !sameAsImported))) {
      const low = options.lowTtl;
      const kept = met.map((i) => (low !== undefined && i.ttl > low ? { ...i, ttl: low } : i));
      for (const i of met) if (low !== undefined && i.ttl > low) lowered.set(recordKey(i), low);
      decisions.push({
        ...base,
        outcome: met.length > 0 ? "imported-kept" : "generated-held",
        published: kept,
        withheld: group,
        reason:
          met.length > 0
            ? `${stage}: the old ${first.role} records stay until cutover` +
              (kept.some((k, n) => k.ttl !== met[n]!.ttl) ? `, with TTL lowered to ${low}s so the switch propagates fast` : "")
            : `${stage}: ${first.role} records are published at cutover`,
      });
      continue;
    }
    for (const i of met) displaced.add(recordKey(i));
    publishedGenerated.push(...group.map((g) => ({ ...g, source: "generated" as const, role: g.role })));
    const when = switching
      ? `${stage}: from cutover the new ${first.role} records are published`
      : `${stage}: ${first.role} records are published from prepare on`;
    decisions.push({
      ...base,
      outcome: met.length === 0 ? "generated-added" : sameAsImported ? "already-present" : "generated-replaces-imported",
      published: group.map(({ role: _role, ...r }) => r),
      withheld: sameAsImported ? [] : met,
      reason:
        met.length === 0
          ? when
          : sameAsImported
            ? `${stage}: the zone already has these ${first.role} records; published once`
            : `${when}, replacing ${met.map((m) => `${m.type} ${m.content}`).join(", ")}`,
    });
  }

  const records: PublishedRecord[] = [];
  for (const i of imported) {
    const key = recordKey(i);
    if (displaced.has(key)) continue;
    const ttl = lowered.get(key);
    records.push({ ...i, ttl: ttl ?? i.ttl, source: "imported" });
  }
  records.push(...publishedGenerated);
  return { records, decisions };
}
