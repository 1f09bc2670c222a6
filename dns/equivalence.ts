// The equivalence check: ask the old authoritative servers and the new zone (its nameservers, or before they
// exist the planned records) the same questions, for every name and type in either zone, and sort every
// difference into "expected" (this stage changes it on purpose, or it was reported at import) or not.
import type { CloudflareFit } from "./cloudflareFit";
import { queryDns, rcodeName, type NameServer, type QueryOptions } from "./query";
import { canonicalName, groupRrsets, inZone, rrsetKey, type ZoneRecord } from "./records";
import type { MergeDecision } from "../plan/stageMerge";
import { DECODED_TYPES } from "./wire";

/** Cloudflare serves TTL 1 ("automatic") as 300 seconds. */
export const AUTOMATIC_TTL = 300;

export interface EquivalenceInput {
  zone: string;
  /** The zone as exported from the old host: what the old servers should answer. */
  imported: readonly ZoneRecord[];
  /** What the new zone publishes at this stage (the stage merge's records). */
  planned: readonly ZoneRecord[];
  /** Why planned differs from imported on purpose. */
  decisions: readonly MergeDecision[];
  /** What the import left out or changed, each with its reason. */
  fit?: Pick<CloudflareFit, "reported" | "adjusted">;
  old: NameServer;
  /** The new zone's nameserver; absent: the planned records stand for its answers. */
  new?: NameServer;
  query?: QueryOptions;
  concurrency?: number;
}

export type RrsetStatus = "equal" | "expected" | "different" | "not-compared";

export interface RrsetComparison {
  name: string;
  type: string;
  status: RrsetStatus;
  old: ZoneRecord[];
  new: ZoneRecord[];
  /** For expected: why; for different: what differs; for not-compared: why not. */
  detail: string;
}

export interface EquivalenceReport {
  zone: string;
  oldServer: string;
  newSide: string;
  questions: number;
  equal: number;
  expected: RrsetComparison[];
  differences: RrsetComparison[];
  notCompared: RrsetComparison[];
  /** True when every answer is equal or differs as expected (nothing different, nothing left uncompared). */
  ok: boolean;
}

const show = (r: ZoneRecord) => `${r.content} (TTL ${r.ttl})`;
const sameSet = (a: readonly ZoneRecord[], b: readonly ZoneRecord[]) => {
  const k = (x: readonly ZoneRecord[]) =>
    x
      .map((r) => `${r.content}\t${r.ttl}`)
      .sort()
      .join("\n");
  return k(a) === k(b);
};

/** What differs between two answers, in words: only-old, only-new, TTL changes. */
export function describeDifference(old: readonly ZoneRecord[], fresh: readonly ZoneRecord[]): string {
  const parts: string[] = [];
  const onlyOld = old.filter((o) => !fresh.some((n) => n.content === o.content));
  const onlyNew = fresh.filter((n) => !old.some((o) => o.content === n.content));
  const ttl = old.flatMap((o) =>
    fresh.filter((n) => n.content === o.content && n.ttl !== o.ttl).map((n) => `${o.content}: TTL ${o.ttl} -> ${n.ttl}`),
  );
  if (onlyOld.length) parts.push(`only on the old side: ${onlyOld.map(show).join(", ")}`);
  if (onlyNew.length) parts.push(`only on the new side: ${onlyNew.map(show).join(", ")}`);
  if (ttl.length) parts.push(ttl.join(", "));
  return parts.join("; ") || "the same";
}

function reasonFor(name: string, type: string, input: EquivalenceInput): string | undefined {
  const reasons: string[] = [];
  for (const d of input.decisions) {
    const touches = [...d.published, ...d.withheld].some((r) => canonicalName(r.name) === name && r.type === type);
    if (touches && d.outcome !== "already-present") reasons.push(d.reason);
  }
  for (const r of input.fit?.reported ?? [])
    if (canonicalName(r.record.name) === name && r.record.type === type) reasons.push(`not imported: ${r.reason}`);
  for (const a of input.fit?.adjusted ?? []) if (canonicalName(a.record.name) === name && a.record.type === type) reasons.push(a.reason);
  return reasons.length ? [...new Set(reasons)].join("; ") : undefined;
}

async function answer(server: NameServer, name: string, type: string, options: QueryOptions | undefined): Promise<ZoneRecord[]> {
  const res = await queryDns(server, name, type, options);
  if (res.rcode !== 0 && res.rcode !== 3) {
    throw new Error(
      `DNS server ${server.host}:${server.port} answered ${rcodeName(res.rcode)} for ${name} ${type}: it does not serve this zone; check its configuration`,
    );
  }
  const pick = (rs: ZoneRecord[]) => rs.filter((r) => r.name === name && r.type === type);
  const got = pick(res.answers);
  // A delegation's NS records come back in the authority section of a referral.
  return got.length === 0 && type === "NS" ? pick(res.authority) : got;
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Run the check. Throws when a server does not answer or does not serve the zone. */
export async function checkEquivalence(input: EquivalenceInput): Promise<EquivalenceReport> {
  const zone = canonicalName(input.zone);
  const importedSets = groupRrsets(input.imported.filter((r) => inZone(r.name, zone)));
  const plannedSets = groupRrsets(
    input.planned.filter((r) => inZone(r.name, zone)).map((r) => ({ ...r, ttl: r.ttl === 1 ? AUTOMATIC_TTL : r.ttl })),
  );
  const keys = [...new Set([...importedSets.keys(), ...plannedSets.keys()])].sort();
  const results: RrsetComparison[] = [];
  await pool(keys, input.concurrency ?? 16, async (key) => {
    const [name, type] = key.split("\t") as [string, string];
    const imported = importedSets.get(key) ?? [];
    const planned = plannedSets.get(key) ?? [];
    const decoded = DECODED_TYPES.has(type);
    const old = await answer(input.old, name, type, input.query);
    const fresh = input.new
      ? await answer(input.new, name, type, input.query)
      : planned.map(({ name: n, type: t, content, ttl }) => ({ name: n, type: t, content, ttl }));
    const base = { name, type, old, new: fresh };
    // Types mailshift does not decode come back as `\# len hex`: two servers' answers compare byte for byte,
    // but against the zone file's text only by how many records there are.
    const matchesFile = (answers: readonly ZoneRecord[], file: readonly ZoneRecord[]) =>
      decoded ? sameSet(answers, file) : answers.length === file.length;
    if (!decoded && !input.new && old.length > 0 && fresh.length > 0) {
      results.push({
        ...base,
        status: "not-compared",
        detail: `${type} answers are not decoded by mailshift; give --new to compare the two servers' answers`,
      });
      return;
    }
    if (decoded || input.new ? sameSet(old, fresh) : old.length === fresh.length) {
      results.push({ ...base, status: "equal", detail: "" });
      return;
    }
    if (input.new && name === zone && (type === "SOA" || type === "NS") && matchesFile(old, imported)) {
      // The new provider serves its own SOA and apex NS; the registrar change is what moves NS.
      results.push({
        ...base,
        status: "expected",
        detail: `${describeDifference(old, fresh)}; the new provider serves its own ${type} at the apex`,
      });
      return;
    }
    const why = reasonFor(name, type, input);
    const intended = !sameSet(imported, planned) && matchesFile(fresh, planned) && matchesFile(old, imported);
    if (intended && why) {
      results.push({ ...base, status: "expected", detail: `${describeDifference(old, fresh)}; ${why}` });
      return;
    }
    const notes: string[] = [describeDifference(old, fresh)];
    if (!matchesFile(old, imported)) notes.push("the old server no longer answers what the zone file says: export the zone again");
    else if (!matchesFile(fresh, planned))
      notes.push(`the new side does not answer what is planned (${planned.map(show).join(", ") || "nothing"})`);
    results.push({ ...base, status: "different", detail: notes.join("; ") });
  });
  results.sort((a, b) => rrsetKey(a.name, a.type).localeCompare(rrsetKey(b.name, b.type)));
  const of = (s: RrsetStatus) => results.filter((r) => r.status === s);
  const differences = of("different");
  return {
    zone,
    oldServer: `${input.old.host}:${input.old.port}`,
    newSide: input.new ? `${input.new.host}:${input.new.port}` : "the planned records",
    questions: results.length,
    equal: of("equal").length,
    expected: of("expected"),
    differences,
    notCompared: of("not-compared"),
    ok: differences.length === 0 && of("not-compared").length === 0,
  };
}
