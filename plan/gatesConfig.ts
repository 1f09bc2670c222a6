// mailshift:gates (how long each gate waits, where DNS is asked) and mailshift:override (gates passed over on
// purpose, with the reason, recorded in the outputs). Pure; errors name the config path.
import { cfgPath, childPath, PlanError } from "./errors";
import { DEFAULT_FINALIZE_AFTER, GATES, type GateName } from "./gates";
import { SCHEMA } from "./schema";
import { nearestKeys } from "./suggest";

export interface GatesConfig {
  /** Seconds: resolvers may cache the records from before the TTL was lowered this long (default ttl.normal). */
  oldTtl?: number;
  /** Seconds between cutover and finalize (default 5 days). */
  finalizeAfter: number;
  /** The new zone's nameservers, when the program cannot know them (a zone given by id). */
  nameServers?: string[];
  /** HOST:PORT of a server of the parent zone, asked for the delegation (the referral); default: the system resolver. */
  parentNameServer?: string;
  /** HOST:PORT of a resolver to ask for NS instead of the system one. */
  resolver?: string;
  /** Preflight (logins, TLS, quota) run by the program at preview and up before finalize (default true). */
  preflight: boolean;
}

export interface OverrideConfig {
  gates: GateName[];
  reason: string;
}

const OVERRIDE_KEYS = ["gates", "reason"];
const HOST_PORT = /^([a-z0-9.-]+|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d{1,5})?$/i;

function seconds(path: string, v: unknown, errors: PlanError[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 366 * 86400) return n;
  errors.push(new PlanError(path, `must be a whole number of seconds, got ${JSON.stringify(v)}`, "Write e.g. 432000 for 5 days"));
  return undefined;
}

function unknownKeys(path: string, o: Record<string, unknown>, keys: readonly string[], what: string, errors: PlanError[]): void {
  for (const k of Object.keys(o)) {
    if (keys.includes(k)) continue;
    const near = nearestKeys(k, keys);
    errors.push(
      new PlanError(
        childPath(path, k),
        `is not ${what}`,
        `${near.length ? `Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}? ` : ""}Valid keys: ${keys.join(", ")}`,
      ),
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseGatesConfig(
  rawGates: unknown,
  rawOverride: unknown,
): { gates: GatesConfig; override?: OverrideConfig; errors: PlanError[] } {
  const errors: PlanError[] = [];
  const p = (k: string) => cfgPath("gates", k);
  const g = isObject(rawGates) ? rawGates : {};
  if (rawGates !== undefined && rawGates !== null && !isObject(rawGates))
    errors.push(new PlanError(cfgPath("gates"), `must be an object, got ${JSON.stringify(rawGates)}`, "Write it as a YAML mapping"));
  unknownKeys(cfgPath("gates"), g, SCHEMA.gates.keys, SCHEMA.gates.what, errors);
  const oldTtl = seconds(p("oldTtl"), g.oldTtl, errors);
  const finalizeAfter = seconds(p("finalizeAfter"), g.finalizeAfter, errors) ?? DEFAULT_FINALIZE_AFTER;
  let nameServers: string[] | undefined;
  if (g.nameServers !== undefined) {
    if (
      Array.isArray(g.nameServers) &&
      g.nameServers.length > 0 &&
      g.nameServers.every((n) => typeof n === "string" && /^[a-z0-9.-]+$/i.test(n))
    )
      nameServers = g.nameServers.map((n: string) => n.toLowerCase().replace(/\.$/, ""));
    else errors.push(new PlanError(p("nameServers"), "must list host names", "Write e.g. [ada.ns.cloudflare.com, bob.ns.cloudflare.com]"));
  }
  const hostPort = (k: "parentNameServer" | "resolver"): string | undefined => {
    const v = g[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string" && HOST_PORT.test(v.trim())) return v.trim();
    errors.push(new PlanError(p(k), `${JSON.stringify(v)} is not HOST[:PORT]`, "Write e.g. 192.0.2.53 or 127.0.0.1:5300"));
    return undefined;
  };
  const parentNameServer = hostPort("parentNameServer");
  const resolver = hostPort("resolver");
  let preflight = true;
  if (g.preflight !== undefined) {
    if (g.preflight === false || g.preflight === "false") preflight = false;
    else if (g.preflight !== true && g.preflight !== "true")
      errors.push(new PlanError(p("preflight"), `must be true or false, got ${JSON.stringify(g.preflight)}`, "Write true or false"));
  }
  const gates: GatesConfig = {
    ...(oldTtl !== undefined ? { oldTtl } : {}),
    finalizeAfter,
    ...(nameServers ? { nameServers } : {}),
    ...(parentNameServer ? { parentNameServer } : {}),
    ...(resolver ? { resolver } : {}),
    preflight,
  };

  if (rawOverride === undefined || rawOverride === null) return { gates, errors };
  const o = isObject(rawOverride) ? rawOverride : {};
  if (!isObject(rawOverride))
    errors.push(
      new PlanError(cfgPath("override"), `must be an object with gates and reason`, 'Write { gates: [ttl-propagated], reason: "..." }'),
    );
  unknownKeys(cfgPath("override"), o, OVERRIDE_KEYS, "an override setting", errors);
  const list = Array.isArray(o.gates) ? o.gates : typeof o.gates === "string" ? [o.gates] : [];
  const named: GateName[] = [];
  list.forEach((v, i) => {
    if (typeof v === "string" && (GATES as readonly string[]).includes(v)) named.push(v as GateName);
    else {
      const near = typeof v === "string" ? nearestKeys(v, GATES) : [];
      errors.push(
        new PlanError(
          cfgPath("override", "gates", i),
          `${JSON.stringify(v)} is not a gate`,
          `${near.length ? `Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}? ` : ""}Gates: ${GATES.join(", ")}`,
        ),
      );
    }
  });
  if (named.length === 0 && list.length === 0)
    errors.push(new PlanError(cfgPath("override", "gates"), "lists no gate", `Name the gates to pass over: ${GATES.join(", ")}`));
  const reason = typeof o.reason === "string" ? o.reason.trim() : "";
  if (reason.length < 10)
    errors.push(
      new PlanError(
        cfgPath("override", "reason"),
        reason ? `"${reason}" is too short to tell anyone later why` : "is missing",
        'Say why the gate is passed over (it is recorded in the stack\'s outputs), e.g. "2 spam messages refused by the new host, accepted by the team"',
      ),
    );
  return { gates, ...(named.length ? { override: { gates: named, reason } } : {}), errors };
}
