import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { FolderGroup } from "../../../engine/folderMap";
import type { MailboxMarks } from "../../../engine/folderGroups";
import { marksOfGroup } from "../../../engine/folderMarks";
import { forRetry, planPass, strategyOf } from "../../../engine/passPlan";
import type { FolderMark, GroupWatermark, Watermarks } from "../../../engine/watermarks";

const OWN_HOST = { host: "imap.example.net" };
const EXCHANGE = { host: "outlook.office365.com" };

const mark = (path: string, messages: number, uidNext = messages + 1): FolderMark => ({
  path,
  uidValidity: "7",
  uidNext,
  messages,
  highestModseq: String(uidNext + 100),
});

function group(i: number, messages: number, extra: Partial<FolderGroup> = {}): FolderGroup {
  return {
    destination: `D${i}`,
    destinationName: `D${i}`,
    sources: [{ path: `S${i}`, delimiter: "/", selectable: true, messages }],
    sourceNames: [`S${i}`],
    create: false,
    notes: [],
    ...extra,
  };
}

const marksOf = (groups: FolderGroup[], destMessages: (i: number) => number): MailboxMarks => ({
  source: new Map(groups.map((g) => [g.sources[0].path, mark(g.sources[0].path, g.sources[0].messages ?? 0)])),
  destination: new Map(groups.map((g, i) => [g.destination, mark(g.destination, destMessages(i))])),
});

/** The watermark a complete previous pass left for every group: the marks as they are now. */
const proofOf = (groups: FolderGroup[], marks: MailboxMarks): Watermarks =>
  Object.fromEntries(groups.map((g) => [g.destination, marksOfGroup(marks, g)!]));

const sizes = fc.array(fc.nat({ max: 5000 }), { maxLength: 30 });
const upTo8 = fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined });
const parallel = fc.record({ lanes: upTo8, connections: upTo8 });

describe("the plan of a mailbox pass", () => {
  it("hands every group to the lanes exactly once, and never opens more lanes than there are groups", () => {
    fc.assert(
      fc.property(sizes, parallel, fc.boolean(), fc.boolean(), (counts, opts, exchange, withMarks) => {
        const groups = counts.map((n, i) => group(i, n));
        const marks = withMarks ? marksOf(groups, () => 0) : undefined;
        const plan = planPass(exchange ? EXCHANGE : OWN_HOST, groups, marks, undefined, opts);
        assert.deepEqual(
          [...plan.order].sort((a, b) => a - b),
          groups.map((_, i) => i),
        );
        assert.equal(plan.groups.length, groups.length);
        assert.ok(plan.lanes >= 1);
        assert.ok(plan.lanes <= Math.max(1, groups.length), `${plan.lanes} lanes for ${groups.length} groups`);
        if (opts.lanes !== undefined) assert.ok(plan.lanes <= opts.lanes);
        if (opts.connections !== undefined) assert.equal(plan.connections, opts.connections);
        // With marks from the folder list every group's strategy is decided before the pass starts.
        if (withMarks) for (const p of plan.groups) assert.deepEqual(p.strategy, strategyOf(p.group, p.marks, p.previous));
      }),
    );
  });

  it("starts the largest group first when there is more than one lane", () => {
    fc.assert(
      fc.property(sizes, (counts) => {
        const groups = counts.map((n, i) => group(i, n));
        const plan = planPass(OWN_HOST, groups, undefined, undefined, {});
        if (plan.lanes < 2) return;
        const sizesInOrder = plan.order.map((i) => counts[i]);
        for (let k = 1; k < sizesInOrder.length; k++) assert.ok(sizesInOrder[k - 1] >= sizesInOrder[k]);
      }),
    );
  });

  it("a resync with a watermark for every group uses one lane, and skips every group where nothing moved", () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 2, max: 8 }), (counts, lanes) => {
        const groups = counts.map((n, i) => group(i, n));
        const marks = marksOf(groups, (i) => counts[i]);
        const plan = planPass(OWN_HOST, groups, marks, proofOf(groups, marks), { lanes });
        assert.equal(plan.lanes, 1);
        for (const g of plan.groups) assert.equal(g.strategy?.kind, "skip");
      }),
    );
  });

  it("connections given means one lane, unless lanes are given too", () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 8 }), (counts, connections) => {
        const groups = counts.map((n, i) => group(i, n));
        const plan = planPass(OWN_HOST, groups, undefined, undefined, { connections });
        assert.equal(plan.lanes, 1);
        assert.equal(plan.connections, connections);
      }),
    );
  });

  it("Exchange Online gets one lane and 2 connections; another host two lanes of 4", () => {
    const groups = [group(0, 10), group(1, 20), group(2, 0)];
    const exchange = planPass(EXCHANGE, groups, undefined, undefined, {});
    assert.deepEqual({ lanes: exchange.lanes, connections: exchange.connections }, { lanes: 1, connections: 2 });
    assert.deepEqual(exchange.order, [0, 1, 2], "one lane keeps the plan's order");
    const own = planPass(OWN_HOST, groups, undefined, undefined, {});
    assert.deepEqual({ lanes: own.lanes, connections: own.connections, order: own.order }, { lanes: 2, connections: 4, order: [1, 0, 2] });
  });
});

describe("a folder group's strategy", () => {
  const g = group(0, 3);
  const now = (src: number, dest: number): GroupWatermark => ({ sources: [mark("S0", src)], destination: mark("D0", dest) });

  it("lists the sources without Message-IDs only where the destination was empty at the marks", () => {
    assert.deepEqual(strategyOf(g, now(3, 0)), { kind: "full", idsWithBodies: true });
    assert.deepEqual(strategyOf(g, now(3, 2)), { kind: "full", idsWithBodies: false });
    assert.deepEqual(strategyOf(g, undefined), { kind: "full", idsWithBodies: false }, "no marks: nothing known of the destination");
  });

  it("skips what did not move, lists nothing where the sources are empty, copies only new mail after a proof", () => {
    assert.deepEqual(strategyOf(g, now(3, 3), now(3, 3)), { kind: "skip", marks: now(3, 3) });
    assert.deepEqual(strategyOf(g, now(0, 5)), { kind: "empty", marks: now(0, 5) });
    const grown: GroupWatermark = { sources: [mark("S0", 5)], destination: mark("D0", 3) };
    const s = strategyOf(g, grown, now(3, 3));
    assert.equal(s.kind, "incremental");
    assert.deepEqual(s.kind === "incremental" && s.otherwise, { kind: "full", idsWithBodies: false });
  });

  it("a refused folder and one of \\Noselect parents only are decided without marks, and hold for a retry", () => {
    const refused = group(1, 4, { refused: "the destination refused" });
    const parents = group(2, 0, { sources: [{ path: "P", delimiter: "/", selectable: false }] });
    const plan = planPass(OWN_HOST, [refused, parents, g], undefined, undefined, {});
    assert.deepEqual(
      plan.groups.map((p) => p.strategy?.kind),
      ["refused", "nothing", undefined],
    );
    assert.deepEqual(forRetry(plan.groups[0]).strategy, { kind: "refused" });
    const withMarks = planPass(
      OWN_HOST,
      [g],
      marksOf([g], () => 0),
      undefined,
      {},
    ).groups[0];
    assert.deepEqual(withMarks.strategy, { kind: "full", idsWithBodies: true });
    assert.deepEqual(forRetry(withMarks), { group: g, previous: undefined }, "a retry reads its own marks");
  });
});
