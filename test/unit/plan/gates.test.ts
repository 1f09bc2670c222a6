import assert from "node:assert/strict";
import fc from "fast-check";
import {
  blockedMessage,
  decideMove,
  formatWait,
  GATES,
  gateBlockers,
  type GateRecord,
  type GateSettings,
  type MigrationFact,
  type OverrideUse,
  nextRecord,
  nextStageBlockers,
  parseGateRecord,
  type WorldFacts,
} from "../../../plan/gates";
import { parseGatesConfig } from "../../../plan/gatesConfig";
import { STAGES } from "../../../plan/types";

const NOW = new Date("2026-12-10T12:00:00Z");
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const MAILBOXES = ["alice@example.com", "bob@example.com"];
const settings: GateSettings = { oldTtl: 3600, finalizeAfter: 5 * 86400, force: false };
const verified = (source: string, generation = 1): MigrationFact => ({
  source,
  generation,
  verified: true,
  missing: 0,
  lastPassAt: ago(600),
});
const NS = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"];

/** A copy stack whose world is ready for cutover; each test breaks one thing. */
function readyForCutover(): WorldFacts {
  return {
    now: NOW,
    last: { stage: "copy", loweredTtlSince: ago(2 * 86400), migrations: MAILBOXES.map((m) => verified(m)), overrides: [] },
    delegation: { expected: NS, found: ["BOB.ns.cloudflare.com.", "ada.ns.cloudflare.com"], via: "the system resolver" },
    preflight: { at: ago(60), problems: [] },
  };
}

function readyForFinalize(): WorldFacts {
  return {
    now: NOW,
    last: {
      stage: "cutover",
      loweredTtlSince: ago(8 * 86400),
      cutoverAt: ago(6 * 86400),
      migrations: MAILBOXES.map((m) => verified(m, 2)),
      overrides: [],
    },
  };
}

const gatesOf = (facts: WorldFacts, into: Parameters<typeof gateBlockers>[0] = "cutover", s = settings) =>
  gateBlockers(into, facts.last?.stage, MAILBOXES, facts, s);

describe("plan/gates: into cutover", () => {
  it("nothing blocks when every migration is verified, the TTL is old enough, the delegation moved and preflight passed", () => {
    assert.deepEqual(gatesOf(readyForCutover()), []);
  });

  it("a migration with missing mail blocks, naming the mailbox and the count", () => {
    const f = readyForCutover();
    f.last!.migrations[1] = { source: "bob@example.com", generation: 1, verified: false, missing: 3, lastPassAt: ago(60) };
    const b = gatesOf(f);
    assert.equal(b.length, 1);
    assert.equal(b[0]!.gate, "migrations-verified");
    assert.match(b[0]!.message, /^bob@example\.com: 3 source messages are not on the destination after the last pass/);
  });

  it("a mailbox with no deployed migration, an unverified pass, or a failed pass each block", () => {
    const f = readyForCutover();
    f.last!.migrations = [{ source: "alice@example.com", generation: 1, verified: false, missing: 0 }];
    const b = gatesOf(f).map((x) => x.message);
    assert.deepEqual(
      b.map((m) => m.split(":")[0]),
      ["alice@example.com", "bob@example.com"],
    );
    assert.match(b[0]!, /was not verified/);
    assert.match(b[1]!, /no copy deployed yet/);
    f.last!.migrations = [verified("alice@example.com"), { ...verified("bob@example.com"), lastError: "authentication failed" }];
    assert.match(gatesOf(f)[0]!.message, /bob@example\.com: the last pass failed \(authentication failed\)/);
  });

  it("the lowered TTL must have been published at least the old TTL ago: the wait and the time it ends are named", () => {
    const f = readyForCutover();
    f.last!.loweredTtlSince = ago(1000);
    const b = gatesOf(f);
    assert.deepEqual(
      b.map((x) => x.gate),
      ["ttl-propagated"],
    );
    assert.match(b[0]!.message, /published at 2026-12-10T11:43:20\.000Z, 16 min 40 s ago/);
    assert.match(b[0]!.message, /wait 43 min 20 s more \(until 2026-12-10T12:43:20\.000Z\)/);
    f.last!.loweredTtlSince = ago(3600);
    assert.deepEqual(gatesOf(f), []);
  });

  it("no record of the lowered TTL blocks and says to run up to record it", () => {
    const f = readyForCutover();
    delete f.last!.loweredTtlSince;
    assert.match(gatesOf(f)[0]!.message, /no record of when the lowered TTL was published/);
  });

  it("the delegation must name exactly the new zone's nameservers", () => {
    const f = readyForCutover();
    f.delegation = { expected: NS, found: ["ns1.oldhost.net", "ns2.oldhost.net"], via: "the parent zone's server 127.0.0.1:5300" };
    const b = gatesOf(f);
    assert.equal(b[0]!.gate, "delegation");
    assert.equal(
      b[0]!.message,
      "the domain is delegated to ns1.oldhost.net, ns2.oldhost.net (asked via the parent zone's server 127.0.0.1:5300), not to the new zone's ada.ns.cloudflare.com, bob.ns.cloudflare.com; set these nameservers at the registrar, and wait for the parent zone's NS TTL",
    );
    f.delegation = { expected: NS, found: [NS[0]!], via: "x" };
    assert.equal(gatesOf(f).length, 1, "one of two nameservers is not enough");
    f.delegation = { found: NS, via: "x" };
    assert.match(gatesOf(f)[0]!.message, /nameservers are not known yet.*mailshift:gates\.nameServers/);
    f.delegation = { expected: NS, via: "the resolver 127.0.0.1:53", error: "ECONNREFUSED" };
    assert.match(gatesOf(f)[0]!.message, /could not be asked \(ECONNREFUSED\) via the resolver 127\.0\.0\.1:53/);
  });

  it("every preflight problem is a blocker; no preflight at all blocks too", () => {
    const f = readyForCutover();
    f.preflight = {
      at: ago(5),
      problems: ["bob@example.com source bob@imap:993: login failed", "alice@example.com destination x: port closed"],
    };
    assert.deepEqual(
      gatesOf(f).map((b) => b.gate),
      ["preflight", "preflight"],
    );
    delete f.preflight;
    assert.match(gatesOf(f)[0]!.message, /no preflight has run/);
  });

  it("lists every blocker at once, in gate order", () => {
    const f: WorldFacts = { now: NOW, last: { stage: "copy", migrations: [], overrides: [] } };
    assert.deepEqual(
      gatesOf(f).map((b) => b.gate),
      ["migrations-verified", "migrations-verified", "ttl-propagated", "delegation", "preflight"],
    );
  });
});

describe("plan/gates: into finalize", () => {
  it("passes 5 days after cutover with a verified pass after cutover", () => {
    assert.deepEqual(gatesOf(readyForFinalize(), "finalize"), []);
  });

  it("blocks before the configured time since cutover, naming when it ends", () => {
    const f = readyForFinalize();
    f.last!.cutoverAt = ago(86400);
    const b = gatesOf(f, "finalize");
    assert.deepEqual(
      b.map((x) => x.gate),
      ["time-since-cutover"],
    );
    assert.match(
      b[0]!.message,
      /cutover was deployed at 2026-12-09T12:00:00\.000Z, 1 day ago; .* wait 4 days more \(until 2026-12-14T12:00:00\.000Z\)/,
    );
    // seconds in a rehearsal
    f.last!.cutoverAt = ago(30);
    assert.deepEqual(gatesOf(f, "finalize", { ...settings, finalizeAfter: 20 }), []);
  });

  it("needs the pass after cutover (generation 2) verified for every mailbox", () => {
    const f = readyForFinalize();
    f.last!.migrations[0] = verified("alice@example.com", 1);
    const b = gatesOf(f, "finalize");
    assert.equal(b[0]!.gate, "final-pass-verified");
    assert.match(b[0]!.message, /alice@example\.com: the last pass is generation 1, not yet the delta pass after cutover/);
  });

  it("without a record of cutover, blocks", () => {
    const f = readyForFinalize();
    delete f.last!.cutoverAt;
    assert.match(gatesOf(f, "finalize")[0]!.message, /no record of deploying cutover/);
  });
});

describe("plan/gates: stage order, staying, going back", () => {
  it("staying on a stage or going back one is not gated by the world", () => {
    const empty: WorldFacts = { now: NOW, last: { stage: "cutover", migrations: [], overrides: [] } };
    assert.deepEqual(gateBlockers("cutover", "cutover", MAILBOXES, empty, settings), []);
    assert.deepEqual(gateBlockers("copy", "cutover", MAILBOXES, empty, settings), []);
  });

  it("a skip is refused unless forced, against the stage the stack last deployed", () => {
    const f: WorldFacts = { now: NOW, last: { stage: "prepare", loweredTtlSince: ago(1e6), migrations: [], overrides: [] } };
    const b = gateBlockers("cutover", "prepare", MAILBOXES, f, settings);
    assert.equal(b[0]!.gate, "stage-order");
    assert.match(b[0]!.message, /the stack last deployed prepare, so cutover skips copy; deploy copy first/);
    assert.equal(
      gateBlockers("cutover", "prepare", MAILBOXES, f, { ...settings, force: true }).some((x) => x.gate === "stage-order"),
      false,
    );
    assert.match(
      gateBlockers("copy", undefined, MAILBOXES, { now: NOW }, settings)[0]!.message,
      /has not deployed a stage yet, so copy skips prepare/,
    );
  });

  it("mailshift:previousStage is a cross-check: it must agree with the deployed stage, and stands in before the first record", () => {
    const f = readyForCutover();
    const b = decideMove("cutover", MAILBOXES, f, { ...settings, previousStage: "prepare" });
    assert.match(b.blocking[0]!.message, /mailshift:previousStage says prepare but the stack last deployed copy; remove it/);
    const old = decideMove("copy", MAILBOXES, { now: NOW }, { ...settings, previousStage: "prepare" });
    assert.deepEqual(old, { from: "prepare", blocking: [], overridden: [] });
  });
});

describe("plan/gates: override, record, next stage", () => {
  it("an override passes over only the gates it names, and records each with its reason", () => {
    const f = readyForCutover();
    f.last!.loweredTtlSince = ago(10);
    f.last!.migrations[0] = { ...verified("alice@example.com"), verified: false, missing: 1 };
    const d = decideMove("cutover", MAILBOXES, f, {
      ...settings,
      override: { gates: ["migrations-verified"], reason: "one spam message refused, accepted" },
    });
    assert.deepEqual(
      d.blocking.map((b) => b.gate),
      ["ttl-propagated"],
    );
    assert.equal(d.overridden.length, 1);
    assert.deepEqual(
      { ...d.overridden[0]!, passedOver: d.overridden[0]!.passedOver.slice(0, 20) },
      {
        gate: "migrations-verified",
        reason: "one spam message refused, accepted",
        change: "copy -> cutover",
        at: NOW.toISOString(),
        passedOver: "alice@example.com: 1",
      },
    );
    assert.match(
      blockedMessage("cutover", "copy", d.blocking),
      /^the move from copy to cutover is blocked: 1 blocker from 1 gate\n {2}- \[ttl-propagated\] /,
    );
  });

  it("the record keeps the first time the lowered TTL was published and the first cutover, clears cutover on a rollback", () => {
    const f: WorldFacts = { now: NOW };
    const prepare = nextRecord("prepare", f, [], undefined, []);
    assert.equal(prepare.loweredTtlSince, NOW.toISOString());
    assert.equal(prepare.cutoverAt, undefined);
    const later = new Date(NOW.getTime() + 3600_000);
    const cutover = nextRecord("cutover", { now: later, last: prepare }, [], undefined, [], NS);
    assert.equal(cutover.loweredTtlSince, NOW.toISOString());
    assert.equal(cutover.cutoverAt, later.toISOString());
    assert.deepEqual(cutover.zoneNameServers, NS);
    const again = nextRecord("cutover", { now: new Date(later.getTime() + 1000), last: cutover }, [], undefined, []);
    assert.equal(again.cutoverAt, later.toISOString());
    assert.deepEqual(again.zoneNameServers, NS, "kept when this run does not know them");
    assert.equal(nextRecord("copy", { now: later, last: cutover }, [], undefined, []).cutoverAt, undefined);
  });

  it("round-trips through the stack output, and reads junk as no record", () => {
    const r: GateRecord = nextRecord("copy", { now: NOW }, [verified("a@example.com")], { at: "t", problems: ["p"] }, []);
    assert.deepEqual(parseGateRecord(JSON.parse(JSON.stringify(r))), r);
    assert.equal(parseGateRecord(undefined), undefined);
    assert.equal(parseGateRecord({ stage: "launch" }), undefined);
  });

  it("names what blocks the next stage, or says nothing does and what to run", () => {
    const f = readyForCutover();
    assert.deepEqual(nextStageBlockers("copy", MAILBOXES, f, settings), [
      "nothing blocks cutover: pulumi config set mailshift:stage cutover && pulumi up",
    ]);
    f.last!.loweredTtlSince = ago(60);
    assert.match(nextStageBlockers("copy", MAILBOXES, f, settings)[0]!, /^cutover \[ttl-propagated\]: the lowered TTL was published/);
    assert.deepEqual(nextStageBlockers("finalize", MAILBOXES, f, settings), []);
    // this run's previousStage and force are about this move, not the next one
    f.last!.loweredTtlSince = ago(7200);
    assert.deepEqual(nextStageBlockers("copy", MAILBOXES, f, { ...settings, previousStage: "prepare", force: true }), [
      "nothing blocks cutover: pulumi config set mailshift:stage cutover && pulumi up",
    ]);
  });

  it("formats waits as people read them", () => {
    assert.deepEqual(
      [formatWait(12), formatWait(200), formatWait(3 * 3600 + 60), formatWait(5 * 86400)],
      ["12 s", "3 min 20 s", "3 h 1 min", "5 days"],
    );
  });
});

describe("plan/gatesConfig: mailshift:gates and mailshift:override", () => {
  it("defaults: 5 days after cutover, preflight on", () => {
    assert.deepEqual(parseGatesConfig(undefined, undefined), { gates: { finalizeAfter: 432000, preflight: true }, errors: [] });
  });

  it("reads seconds, nameservers and where to ask", () => {
    const { gates, errors } = parseGatesConfig(
      { oldTtl: "20", finalizeAfter: 30, nameServers: ["NS1.new.example.net."], parentNameServer: "127.0.0.1:5300", preflight: "false" },
      undefined,
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(gates, {
      oldTtl: 20,
      finalizeAfter: 30,
      nameServers: ["ns1.new.example.net"],
      parentNameServer: "127.0.0.1:5300",
      preflight: false,
    });
  });

  it("refuses a typo with the key meant, a gate that does not exist, and an override without a reason", () => {
    const { errors } = parseGatesConfig({ finalizeAftr: 3 }, { gates: ["ttl-propagatd"], reason: "ok" });
    assert.deepEqual(
      errors.map((e) => e.message.split(". ")[0]),
      [
        "mailshift:gates.finalizeAftr: is not a gates setting",
        'mailshift:override.gates[0]: "ttl-propagatd" is not a gate',
        'mailshift:override.reason: "ok" is too short to tell anyone later why',
      ],
    );
    assert.match(errors[0]!.message, /Did you mean `finalizeAfter`\?/);
    assert.match(errors[1]!.message, /Did you mean `ttl-propagated`\?/);
  });

  it("an override names its gates and its reason", () => {
    const { override, errors } = parseGatesConfig(undefined, {
      gates: ["migrations-verified"],
      reason: "two spam messages refused by the new host",
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(override, { gates: ["migrations-verified"], reason: "two spam messages refused by the new host" });
  });
});

describe("plan/gates: properties", () => {
  const stage = fc.constantFrom(...STAGES);
  const migration = fc.record({
    source: fc.constantFrom(...MAILBOXES),
    generation: fc.integer({ min: 0, max: 3 }),
    verified: fc.boolean(),
    missing: fc.integer({ min: 0, max: 3 }),
  });
  const facts = fc.record({
    last: fc.option(
      fc.record({
        stage,
        loweredTtlSince: fc.option(fc.integer({ min: 0, max: 10_000 }).map(ago), { nil: undefined }),
        cutoverAt: fc.option(fc.integer({ min: 0, max: 10 * 86400 }).map(ago), { nil: undefined }),
        migrations: fc.array(migration, { maxLength: 3 }),
        overrides: fc.constant([] as OverrideUse[]),
      }),
      { nil: undefined },
    ),
    found: fc.subarray([...NS, "ns1.oldhost.net"]),
    problems: fc.array(fc.constantFrom("a problem"), { maxLength: 2 }),
  });
  const toWorld = (f: { last: GateRecord | undefined; found: string[]; problems: string[] }): WorldFacts => ({
    now: NOW,
    ...(f.last ? { last: JSON.parse(JSON.stringify(f.last)) as GateRecord } : {}),
    delegation: { expected: NS, found: f.found, via: "x" },
    preflight: { at: "t", problems: f.problems },
  });

  it("an override splits the blockers exactly: what it names is passed over and recorded, the rest still blocks", () => {
    fc.assert(
      fc.property(stage, facts, fc.subarray([...GATES]), (into, f, named) => {
        const world = toWorld(f);
        const all = gateBlockers(into, world.last?.stage, MAILBOXES, world, settings);
        const d = decideMove(into, MAILBOXES, world, { ...settings, override: { gates: named, reason: "a reason long enough" } });
        assert.deepEqual(
          d.blocking.map((b) => b.message),
          all.filter((b) => !named.includes(b.gate)).map((b) => b.message),
        );
        assert.deepEqual(
          d.overridden.map((o) => o.passedOver),
          all.filter((b) => named.includes(b.gate)).map((b) => b.message),
        );
      }),
    );
  });

  it("a move forward into cutover passes only when every mailbox's copy is verified with nothing missing", () => {
    fc.assert(
      fc.property(facts, (f) => {
        const world = toWorld(f);
        if (world.last) world.last.stage = "copy";
        const ok = gateBlockers("cutover", world.last?.stage, MAILBOXES, world, settings).every((b) => b.gate !== "migrations-verified");
        const each = MAILBOXES.every((m) => {
          const x = world.last?.migrations.find((y) => y.source === m);
          return x !== undefined && x.generation >= 1 && x.verified && x.missing === 0;
        });
        assert.equal(ok, each);
      }),
    );
  });
});
