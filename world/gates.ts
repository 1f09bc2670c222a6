// The stage gates wired into a Pulumi program (index.ts, sandbox/program.ts). At the start of every preview and
// up it reads the world: the stack's own last outputs (a StackReference to itself: `gateState`), the parent
// zone's delegation (live), a preflight of every mailbox; plan/gates.ts decides. Every resource the program
// declares afterwards waits for that decision (a stack transformation adds it to dependsOn), so a blocked gate
// fails preview and up before anything changes, with one Pulumi error that lists every blocker. After the up,
// `gateState` records what the next run reads, and `nextStageBlockers` says what blocks the next stage.
import * as pulumi from "@pulumi/pulumi";
import { defaultTlsMode, type Endpoint, type TlsMode } from "../engine/endpoint";
import {
  blockedMessage,
  decideMove,
  type GateDecision,
  type GateRecord,
  type GateSettings,
  type MigrationFact,
  nextRecord,
  nextStageBlockers,
  parseGateRecord,
  type PreflightFact,
  type WorldFacts,
} from "../plan/gates";
import { judgePreflight, renderPreflight, type PreflightReport, type ProbeResult, type Side } from "../plan/preflight";
import type { MigrationPlan, PlannedMigration } from "../plan/plan";
import { STAGES } from "../plan/types";
import type { MailboxMigration } from "../providers/mailboxMigration/resource";
import { readDelegation } from "./delegation";
import { probeEndpoint } from "./probe";

/** One side of one mailbox to probe; `notProbed` says why it is not (yet). */
export interface PreflightTarget {
  mailbox: string;
  side: Side;
  endpoint: Endpoint;
  /** Where its password comes from, for the fix. */
  credential: string;
  auditedBytes?: number;
  notProbed?: string;
}

/** Probes every target, a few at a time, and judges the results (plan/preflight.ts). */
export async function runPreflight(targets: readonly PreflightTarget[], parallel = 4): Promise<PreflightReport> {
  const results: ProbeResult[] = new Array(targets.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const t = targets[i]!;
      results[i] = t.notProbed
        ? {
            mailbox: t.mailbox,
            side: t.side,
            label: `${t.endpoint.user}@${t.endpoint.host}:${t.endpoint.port}`,
            host: t.endpoint.host,
            port: t.endpoint.port,
            tls: t.endpoint.tls,
            credential: t.credential,
            notProbed: t.notProbed,
          }
        : await probeEndpoint(t.mailbox, t.side, t.endpoint, t.credential, t.auditedBytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, targets.length) }, lane));
  return judgePreflight(results);
}

/** A RunError printed as its message alone: after the program's first turn the SDK would otherwise print its stack. */
function gateError(message: string): pulumi.RunError {
  const e = new pulumi.RunError(message);
  e.stack = message;
  return e;
}

export interface OpenGates {
  /** The decision, once the world is read; never settles when the move is blocked (the run fails instead). */
  decision: Promise<GateDecision>;
  facts: Promise<WorldFacts>;
  preflight: Promise<PreflightReport | undefined>;
  /** Records this run's outputs: call after the migrations are declared. */
  record(a: {
    migrations: Readonly<Record<string, MailboxMigration>>;
    zoneNameServers?: pulumi.Input<string[]>;
    /** What publishes this stage's records (their ids): the TTL and cutover times are recorded after them. */
    after?: pulumi.Input<unknown>[];
  }): { gateState: pulumi.Output<GateRecord>; nextStageBlockers: pulumi.Output<string[]>; preflight: pulumi.Output<unknown> };
}

/**
 * Reads the world and decides the move to plan.stage. Call it before the program declares any resource: the
 * resources declared after it wait for the decision.
 */
export function openGates(plan: MigrationPlan, targets: readonly PreflightTarget[]): OpenGates {
  const config = plan.config;
  const stage = plan.stage;
  const settings: GateSettings = {
    oldTtl: config.gates.oldTtl ?? config.ttl.normal,
    finalizeAfter: config.gates.finalizeAfter,
    force: config.force,
    ...(config.previousStage ? { previousStage: config.previousStage } : {}),
    ...(config.override ? { override: config.override } : {}),
  };
  const sources = plan.mailboxes.map((m) => m.source);
  // the file backend's organization is "organization"; the SDK under mocks has none unless the test names one
  let org = "organization";
  try {
    org = pulumi.getOrganization();
  } catch {
    // under mocks without an organization
  }
  const self = new pulumi.StackReference("mailshift-last-outputs", { name: `${org}/${pulumi.getProject()}/${pulumi.getStack()}` });
  const last = self.getOutputDetails("gateState").then((d) => parseGateRecord(d.value ?? d.secretValue));
  // with waves, the copies are the wave stacks': their migrations and preflights, read live at each run from copy on
  const waves = config.waves && STAGES.indexOf(stage) >= STAGES.indexOf("copy") ? readWaves(config.waves) : undefined;
  // preflight runs from prepare to cutover (finalize copies nothing new); its result gates the way into cutover
  const preflight = last.then((l) =>
    !config.waves && config.gates.preflight && STAGES.indexOf(stage) <= STAGES.indexOf("cutover")
      ? runPreflight(
          // before the first up, the destination accounts do not exist yet: `pulumi up` creates them
          l
            ? targets
            : targets.map((t) => (t.side === "destination" && !t.notProbed ? { ...t, notProbed: "created by the first pulumi up" } : t)),
        )
      : undefined,
  );
  const facts: Promise<WorldFacts> = Promise.all([last, preflight, waves]).then(async ([own, p, w]) => {
    const l = own && w ? { ...own, migrations: w.migrations } : own;
    const expected = config.gates.nameServers ?? l?.zoneNameServers;
    // an overridden gate is not asked (the program under mocks overrides them all: nothing leaves the machine)
    const delegation =
      (stage === "copy" || stage === "cutover") && !config.override?.gates.includes("delegation")
        ? await readDelegation(config.domain, expected, {
            ...(config.gates.parentNameServer ? { parentNameServer: config.gates.parentNameServer } : {}),
            ...(config.gates.resolver ? { resolver: config.gates.resolver } : {}),
          })
        : undefined;
    const pf: PreflightFact | undefined = p ? { at: new Date().toISOString(), problems: p.problems } : (w?.preflight ?? l?.preflight);
    return { now: new Date(), ...(l ? { last: l } : {}), ...(delegation ? { delegation } : {}), ...(pf ? { preflight: pf } : {}) };
  });
  const decided = facts.then((f) => ({ f, d: decideMove(stage, sources, f, settings) }));
  // a blocked move fails the run with every blocker, and the resources never get the go
  void decided.then(({ d }) => (d.blocking.length ? Promise.reject(gateError(blockedMessage(stage, d.from, d.blocking))) : undefined));
  const decision = decided.then(({ d }) => (d.blocking.length ? new Promise<GateDecision>(() => undefined) : d));
  const go = pulumi.output(decision.then((): pulumi.Resource[] => []));
  try {
    pulumi.runtime.registerStackTransformation((args) =>
      args.type === "pulumi:pulumi:StackReference"
        ? undefined
        : { props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: go }) },
    );
  } catch (err) {
    // a program run under setMocks has no root stack to hang transformations on (and changes nothing anyway)
    if (!/root stack resource was referenced before it was initialized/.test((err as Error).message)) throw err;
  }

  return {
    decision,
    facts,
    preflight,
    record({ migrations, zoneNameServers, after = [] }) {
      // (an Output turns the Date of `now` into a plain object: each use below sets it again)
      const facts$ = pulumi.output(facts);
      const passes = waves ? pulumi.output(waves.then((w) => w.migrations)) : migrationFacts(plan.migrations, migrations);
      const pf = pulumi.output(preflight);
      const decision$ = pulumi.output(decision);
      // A preview cannot know this run's passes nor when its records are published: it shows the record as it would
      // be with what is deployed. An up records once the DNS records (TTL lowered, MX switched) and passes are done.
      // The preflight recorded is this run's (facts.preflight), or the last one when none ran at this stage.
      // (with waves, their passes as read at this run: the preview shows what the waves deployed)
      const deployed = waves ? pulumi.output(waves.then((w) => w.migrations)) : facts$.apply((f) => f.last?.migrations ?? []);
      const gateState = pulumi.runtime.isDryRun()
        ? pulumi
            .all([facts$, decision$, deployed])
            .apply(([f, d, m]) => nextRecord(stage, { ...f, now: new Date() }, m, f.preflight, d.overridden))
        : pulumi
            .all([facts$, decision$, passes, pulumi.output(zoneNameServers ?? []), pulumi.all(after)])
            .apply(([f, d, m, ns]) => nextRecord(stage, { ...f, now: new Date() }, m, f.preflight, d.overridden, ns));
      const blockers = pulumi
        .all([facts$, gateState])
        .apply(([f, rec]) => nextStageBlockers(stage, sources, { ...f, now: new Date(), last: rec }, settings));
      const preflightOut = pf.apply((p) => (p ? { table: renderPreflight(p).split("\n"), problems: p.problems } : "not run at this stage"));
      return { gateState, nextStageBlockers: blockers, preflight: preflightOut };
    },
  };
}

/** Each migration's last pass as the gates read it, from its MailboxMigration's outputs. */
export function migrationFacts(
  planned: readonly PlannedMigration[],
  migrations: Readonly<Record<string, MailboxMigration>>,
): pulumi.Output<MigrationFact[]> {
  return pulumi.all(
    planned.map((m) => {
      const r = migrations[m.accountKey]!;
      return pulumi.all([r.lastPass, r.verified, r.drift, r.lastPassAt]).apply(
        ([pass, verified, drift, at]): MigrationFact => ({
          source: m.source,
          generation: pass?.syncGeneration ?? 0,
          verified: verified === true,
          missing: drift?.missing ?? 0,
          ...(at ? { lastPassAt: at } : {}),
        }),
      );
    }),
  );
}

/**
 * The wave stacks' last records (their `gateState` outputs), read through a StackReference each: every wave's
 * migrations, and one preflight fact whose problems name the wave (a wave without a recorded preflight is one).
 */
function readWaves(waves: Readonly<Record<string, string>>): Promise<{ migrations: MigrationFact[]; preflight: PreflightFact }> {
  const reads = Object.entries(waves).map(([wave, name]) =>
    new pulumi.StackReference(`mailshift-wave-${wave}`, { name })
      .getOutputDetails("gateState")
      .then((d) => ({ wave, name, record: parseGateRecord(d.value ?? d.secretValue) })),
  );
  return Promise.all(reads).then((rs) => {
    const ats = rs.flatMap((r) => (r.record?.preflight ? [r.record.preflight.at] : [])).sort();
    return {
      migrations: rs.flatMap((r) => r.record?.migrations ?? []),
      preflight: {
        at: ats[0] ?? new Date().toISOString(),
        problems: rs.flatMap((r) =>
          r.record?.preflight
            ? r.record.preflight.problems.map((p) => `wave ${r.wave}: ${p}`)
            : [`wave ${r.wave}: no preflight recorded yet; run \`pulumi up\` on its stack ${r.name}`],
        ),
      },
    };
  });
}

/**
 * The record a wave stack leaves (its `gateState` output), which the domain stack's gates read: the stage it
 * copied, its migrations' passes, and its preflight (run once its accounts exist; none at finalize).
 */
export function waveRecord(
  plan: MigrationPlan,
  wave: string,
  migrations: Readonly<Record<string, MailboxMigration>>,
  targets: readonly PreflightTarget[],
  accountIds: pulumi.Input<string>[],
): pulumi.Output<GateRecord & { wave: string }> {
  const preflight =
    plan.config.gates.preflight && STAGES.indexOf(plan.stage) <= STAGES.indexOf("cutover")
      ? pulumi.all(accountIds).apply(async (): Promise<PreflightFact> => {
          const at = new Date().toISOString();
          return { at, problems: (await runPreflight(targets)).problems };
        })
      : pulumi.output(undefined);
  return pulumi.all([migrationFacts(plan.migrations, migrations), preflight]).apply(([m, pf]) => ({
    stage: plan.stage,
    wave,
    migrations: m,
    ...(pf ? { preflight: pf } : {}),
    overrides: [],
  }));
}

/** How a host is reached beyond its name and port, as the migrations reach it: TLS, the CA's PEM, an administrator. */
export interface PreflightHostAccess {
  tls?: TlsMode;
  ca?: string;
  insecure?: boolean;
  admin?: { user: string; password?: string };
}

/**
 * The preflight targets of a plan: each mailbox's source login on the old host and, for the new IMAP host, its
 * destination login. `password(address, side)` gives the plain value (it never leaves this process);
 * `address(host)` maps a host name to where it is reached (the sandbox's /etc/hosts).
 */
export function preflightTargets(
  plan: MigrationPlan,
  password: (address: string, which: "source" | "destination") => string | undefined,
  address: (s: { imapHost: string; imapPort: number }) => { imapHost: string; imapPort: number } = (s) => s,
  access: Partial<Record<"oldHost" | "newHost", PreflightHostAccess>> = {},
): PreflightTarget[] {
  const c = plan.config;
  const userCred = (a: string, w: string) => `mailshift:passwords["${a}"].${w}`;
  // with an administrator, every mailbox of that host logs in as it (its password: mailshift:<host>AdminPassword)
  const login = (at: "oldHost" | "newHost", a: string, w: "source" | "destination") => {
    const admin = access[at]?.admin;
    return admin
      ? { admin: admin.user, password: admin.password, credential: `mailshift:${at}AdminPassword` }
      : { password: password(a, w), credential: userCred(a, w) };
  };
  const endpoint = (
    at: "oldHost" | "newHost",
    s: { imapHost: string; imapPort: number },
    user: string,
    l: { admin?: string; password: string | undefined },
  ): Endpoint => {
    const where = address(s);
    const h = access[at] ?? {};
    return {
      host: where.imapHost,
      port: where.imapPort,
      tls: h.tls ?? defaultTlsMode(where.imapPort),
      user,
      password: l.password ?? "",
      ...(l.admin ? { admin: l.admin } : {}),
      ...(h.ca ? { ca: h.ca } : {}),
      ...(h.insecure ? { insecure: true } : {}),
    };
  };
  return plan.mailboxes.flatMap((m): PreflightTarget[] => {
    const src = login("oldHost", m.source, "source");
    const out: PreflightTarget[] = [
      {
        mailbox: m.source,
        side: "source",
        endpoint: endpoint("oldHost", c.oldHost, m.sourceUser, src),
        credential: src.credential,
        ...(src.password ? {} : { notProbed: `no password: set ${src.credential}` }),
      },
    ];
    const audited = c.audit[m.sourceUser.toLowerCase()];
    if (m.route === "imap" && c.newHost) {
      const dst = login("newHost", m.source, "destination");
      out.push({
        mailbox: m.source,
        side: "destination",
        endpoint: endpoint("newHost", c.newHost, m.destination, dst),
        credential: dst.credential,
        ...(audited !== undefined ? { auditedBytes: audited } : {}),
        ...(dst.password ? {} : { notProbed: `no password: set ${dst.credential}` }),
      });
    } else if (m.route === "exchange")
      out.push({
        mailbox: m.source,
        side: "destination",
        endpoint: { host: "outlook.office365.com", port: 993, tls: "implicit", user: m.destination },
        credential: "the IMAP app registration",
        notProbed: "Exchange Online is reached through the app registration (OAuth) by the copy; preflight does not log in there yet",
      });
    return out;
  });
}
