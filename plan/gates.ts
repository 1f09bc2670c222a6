// Stage gates: whether the world is ready for a stage, decided from facts read at run time (world/ reads them:
// the stack's own last outputs, live DNS, a preflight). Pure. Each blocker is one sentence that names the
// mailbox, record or time and says what to do; an override passes over named gates and is recorded.
import { STAGES, type Stage } from "./types";

/** Every gate, by the name mailshift:override.gates lists. */
export const GATES = [
  "stage-order",
  "migrations-verified",
  "ttl-propagated",
  "delegation",
  "preflight",
  "time-since-cutover",
  "final-pass-verified",
] as const;
export type GateName = (typeof GATES)[number];

/** Which gates guard the way into each stage. */
export const GATES_INTO: Readonly<Record<Stage, readonly GateName[]>> = {
  prepare: ["stage-order"],
  copy: ["stage-order"],
  cutover: ["stage-order", "migrations-verified", "ttl-propagated", "delegation", "preflight"],
  finalize: ["stage-order", "time-since-cutover", "final-pass-verified"],
};

/** One mailbox's migration as the stack last deployed it (the MailboxMigration resource's outputs). */
export interface MigrationFact {
  /** The source address, as in mailshift:mailboxes. */
  source: string;
  /** syncGeneration of the last complete pass (copy 1, cutover 2, finalize 3). */
  generation: number;
  verified: boolean;
  /** Source messages not on the destination after the last pass (skipped ones included). */
  missing: number;
  lastPassAt?: string;
  /** The error of the last failed pass, when the last attempt failed. */
  lastError?: string;
}

/** What the stack recorded on its last `pulumi up` (its `gateState` output); absent before the first. */
export interface GateRecord {
  stage: Stage;
  /** When the lowered TTL was first published (the up that published it). */
  loweredTtlSince?: string;
  /** When the stack first deployed cutover (cleared by a rollback to an earlier stage). */
  cutoverAt?: string;
  migrations: MigrationFact[];
  preflight?: PreflightFact;
  /** Overrides used, as recorded: which gate, why, at which stage change, when. */
  overrides: OverrideUse[];
  /** The new zone's nameservers as the last up knew them (what the delegation must point to). */
  zoneNameServers?: string[];
}

export interface PreflightFact {
  at: string;
  /** One sentence per problem; empty when it passed. */
  problems: string[];
}

/** The parent zone's delegation, as a live query found it. */
export interface DelegationFact {
  /** The new zone's nameservers; undefined while they are not known (zone not created yet, or not configured). */
  expected?: string[];
  /** The nameservers the parent delegates the domain to; undefined when the query failed. */
  found?: string[];
  /** Where it was asked: "the system resolver", "127.0.0.1:5300". */
  via: string;
  error?: string;
}

export interface WorldFacts {
  now: Date;
  /** The stack's last `gateState` output; undefined before the first `pulumi up` with gates. */
  last?: GateRecord;
  delegation?: DelegationFact;
  /** A preflight of this run, or the last one recorded. */
  preflight?: PreflightFact;
}

export interface GateSettings {
  /** The old TTL (seconds): how long resolvers may keep the records cached from before they were lowered. */
  oldTtl: number;
  /** Seconds after cutover before finalize (senders retry for up to 5 days). */
  finalizeAfter: number;
  /** mailshift:force: a stage change that skips one is allowed. */
  force: boolean;
  /** mailshift:previousStage, now only a cross-check against the stage the stack last deployed. */
  previousStage?: Stage;
  override?: { gates: GateName[]; reason: string };
}

export interface Blocker {
  gate: GateName;
  /** One sentence: what blocks, named, and what to do. */
  message: string;
}

export interface OverrideUse {
  gate: GateName;
  reason: string;
  /** "copy -> cutover" */
  change: string;
  at: string;
  /** What it passed over. */
  passedOver: string;
}

const stageIndex = (s: Stage) => STAGES.indexOf(s);

export const DEFAULT_FINALIZE_AFTER = 5 * 24 * 3600;

/** "4 days 23 h", "3 min 20 s", "12 s": how people read a wait. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (d > 0) return `${d} day${d > 1 ? "s" : ""}${h ? ` ${h} h` : ""}`;
  if (h > 0) return `${h} h${m ? ` ${m} min` : ""}`;
  if (m > 0) return `${m} min${r ? ` ${r} s` : ""}`;
  return `${r} s`;
}

/** Seconds from `since` to `now`; undefined when `since` is not a time. */
function elapsed(since: string | undefined, now: Date): number | undefined {
  const t = since === undefined ? Number.NaN : Date.parse(since);
  return Number.isNaN(t) ? undefined : (now.getTime() - t) / 1000;
}

const nsName = (n: string) => n.toLowerCase().replace(/\.$/, "");

function migrationBlockers(
  gate: GateName,
  mailboxes: readonly string[],
  facts: readonly MigrationFact[],
  minGeneration: number,
  passName: string,
  rerun: string,
): Blocker[] {
  const out: Blocker[] = [];
  for (const source of mailboxes) {
    const f = facts.find((m) => m.source === source);
    const say = (what: string) => out.push({ gate, message: `${source}: ${what}` });
    if (!f) say(`no copy deployed yet; ${rerun}`);
    else if (f.lastError) say(`the last pass failed (${f.lastError}); fix that and ${rerun}`);
    else if (f.generation < minGeneration) say(`the last pass is generation ${f.generation}, not yet the ${passName}; ${rerun}`);
    else if (f.missing > 0)
      say(
        `${f.missing} source message${f.missing > 1 ? "s are" : " is"} not on the destination after the last pass${f.lastPassAt ? ` (${f.lastPassAt})` : ""}; ${rerun} (\`pulumi up --refresh\` copies what is pending), or list the migration's \`skipped\` output and override with a reason`,
      );
    else if (!f.verified) say(`the last pass${f.lastPassAt ? ` (${f.lastPassAt})` : ""} was not verified; ${rerun}`);
  }
  return out;
}

/**
 * What blocks a move into `into`, the stack having last deployed `from` (undefined: never deployed with gates).
 * `mailboxes`: the source addresses of the mailboxes that move (mailshift:mailboxes).
 * Staying on a stage or going back is never gated by the world: only `stage-order` applies then.
 */
export function gateBlockers(
  into: Stage,
  from: Stage | undefined,
  mailboxes: readonly string[],
  facts: WorldFacts,
  s: GateSettings,
): Blocker[] {
  const out: Blocker[] = [];
  const gates = GATES_INTO[into];
  // on a move, previousStage (when still set) must be where the stack stands; staying, it names the move made
  if (s.previousStage !== undefined && from !== undefined && into !== from && s.previousStage !== from)
    out.push({
      gate: "stage-order",
      message: `mailshift:previousStage says ${s.previousStage} but the stack last deployed ${from}; remove it (\`pulumi config rm mailshift:previousStage\`: the stack's own outputs say which stage it deployed)`,
    });
  const fromIndex = from === undefined ? -1 : stageIndex(from);
  const toIndex = stageIndex(into);
  if (Math.abs(toIndex - fromIndex) > 1 && !s.force) {
    const step = toIndex > fromIndex ? STAGES[fromIndex + 1]! : STAGES[fromIndex - 1]!;
    out.push({
      gate: "stage-order",
      message: `${from === undefined ? "the stack has not deployed a stage yet" : `the stack last deployed ${from}`}, so ${into} skips ${
        toIndex > fromIndex ? STAGES.slice(fromIndex + 1, toIndex).join(", ") : STAGES.slice(toIndex + 1, fromIndex).join(", ")
      }; deploy ${step} first (\`pulumi config set mailshift:stage ${step}\`), or set mailshift:force true if you mean it`,
    });
  }
  // the world is asked only on the way forward
  if (toIndex <= fromIndex) return out;
  const now = facts.now;
  if (gates.includes("migrations-verified"))
    out.push(
      ...migrationBlockers(
        "migrations-verified",
        mailboxes,
        facts.last?.migrations ?? [],
        1,
        "copy",
        "run `pulumi up --refresh` at stage copy again",
      ),
    );
  if (gates.includes("ttl-propagated")) {
    const since = facts.last?.loweredTtlSince;
    const age = elapsed(since, now);
    if (age === undefined)
      out.push({
        gate: "ttl-propagated",
        message:
          "no record of when the lowered TTL was published; run `pulumi up` at the current stage (it records the time), then wait the old TTL",
      });
    else if (age < s.oldTtl)
      out.push({
        gate: "ttl-propagated",
        message: `the lowered TTL was published at ${since}, ${formatWait(age)} ago; resolvers may still cache the old records for the old TTL (${formatWait(s.oldTtl)}): wait ${formatWait(s.oldTtl - age)} more (until ${new Date(Date.parse(since!) + s.oldTtl * 1000).toISOString()})`,
      });
  }
  if (gates.includes("delegation")) {
    const d = facts.delegation;
    if (!d)
      out.push({
        gate: "delegation",
        message: "the parent zone's delegation was not checked; run `pulumi preview` where DNS can be queried",
      });
    else if (!d.expected || d.expected.length === 0)
      out.push({
        gate: "delegation",
        message:
          "the new zone's nameservers are not known yet (a created zone gets them from `pulumi up`); deploy the zone, or set mailshift:gates.nameServers to the nameservers Cloudflare shows for it",
      });
    else if (d.error || !d.found)
      out.push({
        gate: "delegation",
        message: `the NS records could not be asked (${d.error ?? "no answer"}) via ${d.via}; check that DNS answers, then preview again`,
      });
    else {
      const want = new Set(d.expected.map(nsName));
      const got = new Set(d.found.map(nsName));
      if (want.size !== got.size || [...want].some((n) => !got.has(n)))
        out.push({
          gate: "delegation",
          message: `the domain is delegated to ${[...got].sort().join(", ") || "no nameserver"} (asked via ${d.via}), not to the new zone's ${[...want].sort().join(", ")}; set these nameservers at the registrar, and wait for the parent zone's NS TTL`,
        });
    }
  }
  if (gates.includes("preflight")) {
    const p = facts.preflight;
    if (!p) out.push({ gate: "preflight", message: "no preflight has run; run `npx mailshift preflight` or `pulumi preview`" });
    else for (const problem of p.problems) out.push({ gate: "preflight", message: `preflight (${p.at}): ${problem}` });
  }
  if (gates.includes("time-since-cutover")) {
    const at = facts.last?.cutoverAt;
    const age = elapsed(at, now);
    if (age === undefined)
      out.push({ gate: "time-since-cutover", message: "the stack has no record of deploying cutover; deploy cutover first" });
    else if (age < s.finalizeAfter)
      out.push({
        gate: "time-since-cutover",
        message: `cutover was deployed at ${at}, ${formatWait(age)} ago; senders may retry to the old MX for ${formatWait(s.finalizeAfter)}: wait ${formatWait(s.finalizeAfter - age)} more (until ${new Date(Date.parse(at!) + s.finalizeAfter * 1000).toISOString()})`,
      });
  }
  if (gates.includes("final-pass-verified"))
    out.push(
      ...migrationBlockers(
        "final-pass-verified",
        mailboxes,
        facts.last?.migrations ?? [],
        stageIndex("cutover"),
        "delta pass after cutover",
        "run `pulumi up --refresh` at stage cutover again",
      ),
    );
  return out;
}

export interface GateDecision {
  /** The stage the stack last deployed (its record, or mailshift:previousStage before the first record). */
  from?: Stage;
  /** Blockers of the move into this run's stage that no override passes over: the run fails with them. */
  blocking: Blocker[];
  /** Blockers an override passed over, recorded in the outputs. */
  overridden: OverrideUse[];
}

/** The move this run makes (from the deployed stage to mailshift:stage), with the override applied. */
export function decideMove(into: Stage, mailboxes: readonly string[], facts: WorldFacts, s: GateSettings): GateDecision {
  // a stack deployed before gates recorded anything: mailshift:previousStage says where it stands
  const from = facts.last?.stage ?? s.previousStage;
  const all = gateBlockers(into, from, mailboxes, facts, s);
  const over = new Set(s.override?.gates ?? []);
  const change = `${from ?? "(none)"} -> ${into}`;
  return {
    ...(from ? { from } : {}),
    blocking: all.filter((b) => !over.has(b.gate)),
    overridden: all
      .filter((b) => over.has(b.gate))
      .map((b) => ({ gate: b.gate, reason: s.override!.reason, change, at: facts.now.toISOString(), passedOver: b.message })),
  };
}

/** The error a blocked move fails with: every blocker, each with its gate, and how to override. */
export function blockedMessage(into: Stage, from: Stage | undefined, blocking: readonly Blocker[]): string {
  const n = blocking.length;
  const gates = new Set(blocking.map((b) => b.gate)).size;
  return [
    `the move ${from ? `from ${from} ` : ""}to ${into} is blocked: ${n} blocker${n > 1 ? "s" : ""} from ${gates} gate${gates > 1 ? "s" : ""}`,
    ...blocking.map((b) => `  - [${b.gate}] ${b.message}`),
    "Fix each, or pass over named gates on purpose: pulumi config set --path 'mailshift:override.gates[0]' GATE && pulumi config set --path mailshift:override.reason 'WHY'",
  ].join("\n");
}

/**
 * The record this run leaves in the stack's outputs (`gateState`): the stage, when the lowered TTL was first
 * published and when cutover was first deployed (kept from the last record), the migrations' and preflight's
 * facts, and every override used so far.
 */
export function nextRecord(
  stage: Stage,
  facts: WorldFacts,
  migrations: MigrationFact[],
  preflight: PreflightFact | undefined,
  overridden: readonly OverrideUse[],
  zoneNameServers?: string[],
): GateRecord {
  const last = facts.last;
  const now = facts.now.toISOString();
  const i = stageIndex(stage);
  // the lowered TTL is published from prepare to cutover; finalize raises it again
  const loweredTtlSince = i < stageIndex("finalize") ? (last?.loweredTtlSince ?? now) : last?.loweredTtlSince;
  const cutoverAt = i >= stageIndex("cutover") ? (last?.cutoverAt ?? now) : undefined;
  const pf = preflight ?? last?.preflight;
  return {
    stage,
    ...(loweredTtlSince ? { loweredTtlSince } : {}),
    ...(cutoverAt ? { cutoverAt } : {}),
    migrations,
    ...(pf ? { preflight: pf } : {}),
    overrides: [...(last?.overrides ?? []), ...overridden],
    ...(zoneNameServers?.length ? { zoneNameServers } : last?.zoneNameServers ? { zoneNameServers: last.zoneNameServers } : {}),
  };
}

/** The next stage's blockers, as one line each (the `nextStageBlockers` output); none after finalize. */
export function nextStageBlockers(stage: Stage, mailboxes: readonly string[], facts: WorldFacts, s: GateSettings): string[] {
  const next = STAGES[stageIndex(stage) + 1];
  if (!next) return [];
  // the next move is made with the next configuration: this one's previousStage and force say nothing of it
  const { previousStage: _previous, ...rest } = s;
  const blockers = gateBlockers(next, stage, mailboxes, facts, { ...rest, force: false });
  if (blockers.length === 0) return [`nothing blocks ${next}: pulumi config set mailshift:stage ${next} && pulumi up`];
  return blockers.map((b) => `${next} [${b.gate}]: ${b.message}`);
}

/** Reads a `gateState` output back (the stack's own last outputs); anything unreadable counts as no record. */
export function parseGateRecord(v: unknown): GateRecord | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.stage !== "string" || !(STAGES as readonly string[]).includes(o.stage)) return undefined;
  const str = (x: unknown) => (typeof x === "string" ? x : undefined);
  const migrations = Array.isArray(o.migrations)
    ? o.migrations.flatMap((m): MigrationFact[] => {
        const r = m as Record<string, unknown>;
        if (typeof r?.source !== "string") return [];
        return [
          {
            source: r.source,
            generation: typeof r.generation === "number" ? r.generation : 0,
            verified: r.verified === true,
            missing: typeof r.missing === "number" ? r.missing : 0,
            ...(str(r.lastPassAt) ? { lastPassAt: str(r.lastPassAt)! } : {}),
            ...(str(r.lastError) ? { lastError: str(r.lastError)! } : {}),
          },
        ];
      })
    : [];
  const pf = o.preflight as { at?: unknown; problems?: unknown } | undefined;
  const preflight =
    pf && typeof pf.at === "string" && Array.isArray(pf.problems)
      ? { at: pf.at, problems: pf.problems.filter((p): p is string => typeof p === "string") }
      : undefined;
  return {
    stage: o.stage as Stage,
    ...(str(o.loweredTtlSince) ? { loweredTtlSince: str(o.loweredTtlSince)! } : {}),
    ...(str(o.cutoverAt) ? { cutoverAt: str(o.cutoverAt)! } : {}),
    migrations,
    ...(preflight ? { preflight } : {}),
    overrides: Array.isArray(o.overrides) ? (o.overrides as OverrideUse[]) : [],
    ...(Array.isArray(o.zoneNameServers) ? { zoneNameServers: o.zoneNameServers.filter((n): n is string => typeof n === "string") } : {}),
  };
}
