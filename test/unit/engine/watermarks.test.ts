import { strict as assert } from "node:assert";
import fc from "fast-check";
import { newMailIsAllMissing, resyncPath, watermarkAfterCopy, type FolderMark, type GroupWatermark } from "../../../engine/watermarks";

const mark = (path: string, over: Partial<FolderMark> = {}): FolderMark => ({
  path,
  uidValidity: "7",
  uidNext: 101,
  messages: 100,
  highestModseq: "500",
  ...over,
});
const group = (sources: FolderMark[], destination = mark("Dest")): GroupWatermark => ({ sources, destination });
const proof = group(
  [mark("INBOX"), mark("INBOX.Old", { uidNext: 11, messages: 10, highestModseq: "40" })],
  mark("Dest", { messages: 110, uidNext: 111 }),
);

describe("which work a resync pass needs, from its watermarks", () => {
  it("a destination moved in HIGHESTMODSEQ alone (a METADATA entry written) is searched, not listed: incremental with the modseq to search from", () => {
    const now = structuredClone(proof);
    now.destination.highestModseq = "501";
    assert.deepEqual(resyncPath(proof, now), {
      kind: "incremental",
      sources: [
        { provenBelow: 101, changedSince: undefined, upTo: 100 },
        { provenBelow: 11, changedSince: undefined, upTo: 10 },
      ],
      destinationChangedSince: "500",
    });
    const lower = structuredClone(proof);
    lower.destination.highestModseq = "499";
    assert.deepEqual(resyncPath(proof, lower), { kind: "full" }, "a modseq that went back is another folder");
    const alsoCounts = structuredClone(now);
    alsoCounts.destination.messages -= 1;
    assert.deepEqual(resyncPath(proof, alsoCounts), { kind: "full" });
  });

  it("a watermark that cannot be true (fewer destination messages than source messages) is no proof: listed", () => {
    // A stored entry rewritten to today's marks after mail was deleted on the destination, or new source mail
    // claimed as proven.
    const forged = group([mark("INBOX", { messages: 120, uidNext: 121 })], mark("Dest", { messages: 110, uidNext: 111 }));
    assert.deepEqual(resyncPath(forged, structuredClone(forged)), { kind: "full" });
    const grown = structuredClone(forged);
    grown.sources[0] = { ...grown.sources[0], uidNext: 125, messages: 124, highestModseq: "510" };
    assert.deepEqual(resyncPath(forged, grown), { kind: "full" });
    const empty = group([mark("INBOX", { messages: 0, uidNext: 121 })], mark("Dest", { messages: 0, uidNext: 111 }));
    assert.equal(resyncPath(forged, empty).kind, "empty", "sources with no mail need no proof");
  });

  it("skips a group where nothing moved; lists in full without a proof or without HIGHESTMODSEQ on a source", () => {
    assert.deepEqual(resyncPath(proof, structuredClone(proof)), { kind: "skip" });
    assert.deepEqual(resyncPath(undefined, proof), { kind: "full" });
    assert.deepEqual(resyncPath(proof, undefined), { kind: "full" }, "a folder that could not be STATUSed");
    const noModseq = group(
      proof.sources.map((s) => ({ ...s, highestModseq: undefined })),
      { ...proof.destination, highestModseq: undefined },
    );
    assert.deepEqual(resyncPath(noModseq, structuredClone(noModseq)), { kind: "full" });
  });

  it("trusts a destination without CONDSTORE (Exchange Online) on its counts: skip, incremental, or full when they moved", () => {
    const noDestModseq = group(structuredClone(proof.sources), { ...proof.destination, highestModseq: undefined });
    assert.deepEqual(resyncPath(noDestModseq, structuredClone(noDestModseq)), { kind: "skip" });
    const grown = structuredClone(noDestModseq);
    grown.sources[0] = { ...grown.sources[0], uidNext: 105, messages: 104, highestModseq: "504" };
    assert.equal(resyncPath(noDestModseq, grown).kind, "incremental");
    for (const change of [(g: GroupWatermark) => (g.destination.messages -= 1), (g: GroupWatermark) => (g.destination.uidNext += 1)]) {
      const now = structuredClone(noDestModseq);
      change(now);
      assert.deepEqual(resyncPath(noDestModseq, now), { kind: "full" });
    }
    assert.deepEqual(resyncPath(proof, noDestModseq), { kind: "full" }, "a destination that lost HIGHESTMODSEQ");
  });

  it("new mail on a source, destination untouched: reads only the new UIDs, and looks for flag changes below them", () => {
    const now = structuredClone(proof);
    now.sources[0] = { ...now.sources[0], uidNext: 111, messages: 110, highestModseq: "520" };
    assert.deepEqual(resyncPath(proof, now), {
      kind: "incremental",
      sources: [
        { provenBelow: 101, changedSince: "500", upTo: 110 },
        { provenBelow: 11, changedSince: undefined, upTo: 10 },
      ],
    });
  });

  it("a source that only lost mail or changed flags is still incremental (the flag check decides); an empty one needs no check", () => {
    const now = structuredClone(proof);
    now.sources[1] = { ...now.sources[1], messages: 9, highestModseq: "41" };
    const p = resyncPath(proof, now);
    assert.equal(p.kind, "incremental");
    assert.deepEqual(p.kind === "incremental" && p.sources[1], { provenBelow: 11, changedSince: "40", upTo: 10 });
    const empty = group([mark("INBOX", { uidNext: 1, messages: 0, highestModseq: "1" })], proof.destination);
    const grown = group([mark("INBOX", { uidNext: 4, messages: 3, highestModseq: "4" })], proof.destination);
    assert.deepEqual(resyncPath(empty, grown), { kind: "incremental", sources: [{ provenBelow: 1, changedSince: undefined, upTo: 3 }] });
  });

  it("lists nothing for a group whose sources hold no message, with or without a proof, whatever the destination holds", () => {
    const none = (over: Partial<FolderMark> = {}) => mark("INBOX.Drafts", { uidNext: 1, messages: 0, ...over });
    assert.deepEqual(resyncPath(undefined, group([none()])), { kind: "empty" }, "a first pass");
    assert.deepEqual(
      resyncPath(undefined, group([none({ uidNext: 50 }), none({ path: "INBOX.Junk" })], mark("Dest", { messages: 7 }))),
      { kind: "empty" },
      "all emptied since, destination not",
    );
    const proven = group([none()]);
    assert.deepEqual(resyncPath(proven, structuredClone(proven)), { kind: "skip" }, "a proof that holds is still a skip");
    assert.deepEqual(resyncPath(undefined, group([none(), mark("INBOX")])), { kind: "full" }, "one source with mail");
  });

  it("lists in full when the destination's messages moved (its HIGHESTMODSEQ alone: searched, above), or a source was rebuilt (UIDVALIDITY), renamed, or went back", () => {
    const changes: [string, (g: GroupWatermark) => void][] = [
      ["destination expunge", (g) => (g.destination.messages -= 1)],
      ["destination new mail", (g) => (g.destination.uidNext += 1)],
      ["destination rebuilt", (g) => (g.destination.uidValidity = "8")],
      ["source rebuilt", (g) => (g.sources[0].uidValidity = "8")],
      ["source path", (g) => (g.sources[0].path = "INBOX.Other")],
      ["source UIDNEXT went back", (g) => (g.sources[0].uidNext -= 1)],
      ["source lost HIGHESTMODSEQ", (g) => (g.sources[1].highestModseq = undefined)],
      ["one source more", (g) => g.sources.push(mark("INBOX.New"))],
    ];
    for (const [what, change] of changes) {
      const now = structuredClone(proof);
      change(now);
      assert.deepEqual(resyncPath(proof, now), { kind: "full" }, what);
    }
  });

  it("property: never skips unless every mark is equal; incremental ranges start at the proof and end before today's UIDNEXT", () => {
    const arbMark = (path: string) =>
      fc.record({
        path: fc.constant(path),
        uidValidity: fc.constantFrom("1", "2"),
        uidNext: fc.integer({ min: 1, max: 20 }),
        messages: fc.integer({ min: 0, max: 20 }),
        highestModseq: fc.option(fc.constantFrom("5", "6"), { nil: undefined }),
      });
    const arbGroup = fc.record({ sources: fc.tuple(arbMark("A"), arbMark("B")).map((t) => [...t]), destination: arbMark("D") });
    fc.assert(
      fc.property(arbGroup, arbGroup, (prev, now) => {
        const p = resyncPath(prev, now);
        // The destination's HIGHESTMODSEQ may be absent (no CONDSTORE) as long as it is absent both times.
        const equal = JSON.stringify(prev) === JSON.stringify(now) && prev.sources.every((s) => s.highestModseq !== undefined);
        assert.equal(p.kind === "skip", equal);
        if (p.kind !== "incremental") return;
        assert.deepEqual(now.destination, prev.destination);
        p.sources.forEach((s, i) => {
          assert.equal(s.provenBelow, prev.sources[i].uidNext);
          assert.equal(s.upTo, now.sources[i].uidNext - 1);
          assert.equal(now.sources[i].uidValidity, prev.sources[i].uidValidity);
          if (prev.sources[i].highestModseq !== now.sources[i].highestModseq && prev.sources[i].uidNext > 1)
            assert.equal(s.changedSince, prev.sources[i].highestModseq);
        });
      }),
    );
  });
});

describe("whether new mail can be copied without looking at the destination", () => {
  const now = group([mark("INBOX", { messages: 100 }), mark("INBOX.Old", { messages: 10 })], mark("Dest", { messages: 105 }));
  it("yes when the destination holds exactly the older source messages", () => {
    assert.equal(newMailIsAllMissing(now, [5, 0]), true, "105 on the destination + 5 new = 110 on the sources");
    assert.equal(newMailIsAllMissing(now, [0, 0]), true, "nothing new: nothing to pair");
  });
  it("no when the destination holds more (its own mail, or copies of mail expunged on the source since)", () => {
    assert.equal(newMailIsAllMissing(now, [4, 0]), false);
    assert.equal(newMailIsAllMissing(now, [7, 0]), false, "counts that do not add up are not trusted either");
  });
});

describe("the watermark right after a copy", () => {
  const before = group([mark("INBOX")], mark("Dest", { uidNext: 51, messages: 50, highestModseq: "90" }));
  const after = (dest: Partial<FolderMark>, source: Partial<FolderMark> = {}) =>
    group([mark("INBOX", source)], mark("Dest", { uidNext: 61, messages: 60, highestModseq: "130", ...dest }));

  it("is the sources as before and the destination as now, when the destination took exactly our appends", () => {
    assert.deepEqual(watermarkAfterCopy(before, after({}), 10), { sources: before.sources, destination: after({}).destination });
    assert.deepEqual(
      watermarkAfterCopy(before, after({ uidNext: 51, messages: 50 }), 0)?.destination.highestModseq,
      "130",
      "flag fixes only",
    );
    const bare = group(before.sources, { ...before.destination, highestModseq: undefined });
    assert.deepEqual(
      watermarkAfterCopy(bare, after({ highestModseq: undefined }), 10)?.destination.uidNext,
      61,
      "a destination without CONDSTORE",
    );
  });

  it("holds for a destination folder that did not exist on disk yet (Dovecot's UIDVALIDITY 0 for a new account's INBOX)", () => {
    const unborn = group(before.sources, mark("Dest", { uidValidity: "0", uidNext: 1, messages: 0, highestModseq: "1" }));
    const made = after({ uidValidity: "1796142440", uidNext: 11, messages: 10 });
    assert.deepEqual(watermarkAfterCopy(unborn, made, 10)?.destination, made.destination);
    assert.equal(
      watermarkAfterCopy(unborn, after({ uidValidity: "1796142440", uidNext: 12, messages: 11 }), 10),
      undefined,
      "someone else's append too",
    );
    const notEmpty = group(before.sources, mark("Dest", { uidValidity: "0", uidNext: 5, messages: 4 }));
    assert.equal(
      watermarkAfterCopy(notEmpty, after({ uidNext: 15, messages: 14 }), 10),
      undefined,
      "UIDVALIDITY 0 with mail in it proves nothing",
    );
  });

  it("is none when someone else appended or expunged, a source moved, or a mark is missing", () => {
    assert.equal(watermarkAfterCopy(before, after({ uidNext: 62, messages: 61 }), 10), undefined, "another append");
    assert.equal(watermarkAfterCopy(before, after({ messages: 59 }), 10), undefined, "an expunge");
    assert.equal(watermarkAfterCopy(before, after({ uidNext: 62 }), 10), undefined, "another append, then an expunge");
    assert.equal(watermarkAfterCopy(before, after({ uidValidity: "8" }), 10), undefined, "rebuilt");
    assert.equal(watermarkAfterCopy(before, after({ highestModseq: undefined }), 10), undefined, "the destination lost HIGHESTMODSEQ");
    assert.equal(
      watermarkAfterCopy(before, after({}, { uidNext: 102, messages: 101, highestModseq: "501" }), 10),
      undefined,
      "new source mail",
    );
    assert.equal(watermarkAfterCopy(before, after({}, { highestModseq: "501" }), 10), undefined, "a source flag change");
    assert.equal(watermarkAfterCopy(before, undefined, 10), undefined);
  });
});
