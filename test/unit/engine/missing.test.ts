import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ambiguousKeys, compareCopy, contentDigest, messageIdOf, normalizeLineEndings, type MessageMeta } from "../../../engine/identity";
import { batches, folderDelta, storeCommands } from "../../../engine/missing";
import { flagChange, storableFlags } from "../../../engine/flags";

let nextUid = 1;
function meta(id: string, extra: Partial<MessageMeta> = {}): MessageMeta {
  return { uid: nextUid++, flags: [], internalDate: 1_700_000_000_000, size: 100, messageId: id, ...extra };
}

describe("what is missing on the destination", () => {
  it("copies everything into an empty folder, nothing into a complete one", () => {
    const src = [meta("<a>"), meta("<b>"), meta("<c>")];
    assert.equal(folderDelta([src], []).toCopy.length, 3);
    const copies = src.map((m) => ({ ...m, uid: m.uid + 1000 }));
    const d = folderDelta([src], copies);
    assert.equal(d.toCopy.length, 0);
    assert.deepEqual(d.present, [3]);
  });

  it("keeps N identical copies as N copies: two on the source and one on the destination means one to copy", () => {
    const a1 = meta("<same>");
    const a2 = { ...a1, uid: nextUid++ };
    const d = folderDelta([[a1, a2]], [{ ...a1, uid: 9001 }]);
    assert.equal(d.toCopy.length, 1);
    assert.equal(d.toCopy[0].meta.uid, a2.uid);
  });

  it("tells apart messages without a Message-ID and different messages sharing one", () => {
    // Without a Message-ID the content digest is always fetched, so two such messages never merge.
    const noId1 = meta("", { contentDigest: "c1" });
    const noId2 = meta("", { contentDigest: "c2" });
    const shared1 = meta("<dup>", { size: 120 });
    const shared2 = meta("<dup>", { size: 130 });
    assert.ok(ambiguousKeys([[noId1]]).size === 1, "a message without Message-ID is always settled by its content");
    const d = folderDelta(
      [[noId1, noId2, shared1, shared2]],
      [
        { ...shared1, uid: 5000 },
        { ...noId2, uid: 5001 },
      ],
    );
    assert.deepEqual(d.toCopy.map((r) => r.meta.uid).sort(), [noId1.uid, shared2.uid].sort());
  });

  it("uses the content digest only where the cheap identity is shared", () => {
    const x = meta("<same>");
    const y = { ...x, uid: nextUid++ };
    assert.deepEqual([...ambiguousKeys([[x, y, meta("<other>")]])].length, 1);
    x.contentDigest = "d1";
    y.contentDigest = "d2";
    const d = folderDelta([[x, y]], [{ ...y, uid: 7000 }]);
    assert.deepEqual(
      d.toCopy.map((r) => r.meta.uid),
      [x.uid],
    );
  });

  it("leaves destination-only messages alone and counts them", () => {
    const d = folderDelta([[meta("<a>")]], [meta("<a>"), meta("<mine>")]);
    assert.equal(d.toCopy.length, 0);
    assert.equal(d.destinationOnly, 1);
  });

  it("carries flag changes over, never \\Recent", () => {
    const s = meta("<a>", { flags: ["\\Seen", "$Label1"] });
    const d = folderDelta([[s]], [{ ...s, uid: 99, flags: ["\\Flagged"] }]);
    assert.deepEqual(
      d.flagFixes.map((x) => [x.add, x.remove]),
      [[["$Label1", "\\Seen"], ["\\Flagged"]]],
    );
    assert.deepEqual(flagChange(["\\Recent", "\\Seen"], ["\\Seen"]), { add: [], remove: [] });
  });

  it("reports keywords the destination cannot store instead of sending them", () => {
    const perm = new Set(["\\Seen", "\\Flagged", "\\Answered", "\\Deleted", "\\Draft"]);
    assert.deepEqual(storableFlags(["\\Seen", "$Work"], perm), { storable: ["\\Seen"], unsupported: ["$Work"] });
    assert.deepEqual(storableFlags(["\\Seen", "$Work"], new Set([...perm, "\\*"])), { storable: ["\\Seen", "$Work"], unsupported: [] });
    // A keyword it cannot store is not "removed" from the destination either.
    assert.deepEqual(flagChange(["\\Seen", "$Work"], [], perm), { add: ["\\Seen"], remove: [] });
  });

  it("groups flag fixes into few STORE commands", () => {
    const fixes = [1, 2, 3].map((u) => ({ source: 0, sourceUid: u, destUid: u + 10, add: ["\\Seen"], remove: [] }));
    assert.deepEqual(storeCommands(fixes), [{ op: "add", flags: ["\\Seen"], uids: [11, 12, 13] }]);
  });

  it("is a multiset difference: source count minus matched, never negative, never a duplicate (property)", () => {
    // Sizes differ between sides the way a rewriting server makes them differ: a Message-ID pairs across sizes,
    // and so does a message without one (at the same second, with no better match, by its date).
    const msg = fc.record({ id: fc.constantFrom("<a>", "<b>", "", "<c>"), size: fc.constantFrom(10, 20) });
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 30 }), fc.array(msg, { maxLength: 30 }), (s, d) => {
        const src = s.map((x) => meta(x.id, { size: x.size }));
        const dst = d.map((x) => meta(x.id, { size: x.size }));
        const delta = folderDelta([src], dst);
        const key = (m: MessageMeta) => m.messageId;
        const counts = (l: MessageMeta[]) => l.reduce((acc, m) => acc.set(key(m), (acc.get(key(m)) ?? 0) + 1), new Map<string, number>());
        const cs = counts(src);
        const cd = counts(dst);
        const expected = [...cs].reduce((n, [k, c]) => n + Math.max(0, c - (cd.get(k) ?? 0)), 0);
        assert.equal(delta.toCopy.length, expected);
        assert.equal(delta.present[0] + delta.toCopy.length, src.length);
        assert.equal(delta.present[0] + delta.destinationOnly, dst.length, "a destination message pairs at most once");
        // After copying, nothing is missing any more.
        const after = folderDelta([src], [...dst, ...delta.toCopy.map((r) => ({ ...r.meta, uid: r.meta.uid + 100000 }))]);
        assert.equal(after.toCopy.length, 0);
      }),
    );
  });

  it("pairs what the exact identity left over by Message-ID and date: a rewritten copy is present, not missing", () => {
    const a = meta("<a>", { size: 500, flags: ["\\Seen"] });
    const b = meta("<b>", { size: 700 });
    const rewrittenA = { ...a, uid: 9100, size: 530, flags: [] };
    const d = folderDelta([[a, b]], [rewrittenA]);
    assert.deepEqual(
      d.toCopy.map((r) => r.meta.uid),
      [b.uid],
    );
    assert.deepEqual([d.present, d.rewritten, d.destinationOnly], [[1], [1], 0]);
    assert.deepEqual(
      d.flagFixes.map((f) => [f.destUid, f.add]),
      [[9100, ["\\Seen"]]],
      "flags are carried to the rewritten copy",
    );
    // The exact copy wins over a rewritten one: the other is left alone as destination-only.
    const exact = folderDelta([[a]], [rewrittenA, { ...a, uid: 9200 }]);
    assert.deepEqual([exact.present, exact.rewritten, exact.destinationOnly], [[1], [0], 1]);
    // Another date is another message.
    assert.equal(folderDelta([[a]], [{ ...rewrittenA, internalDate: a.internalDate + 60_000 }]).toCopy.length, 1);
  });

  it("checks an arrival against what was sent with the pairing's own tiers: exact, by Message-ID, by content, by date", () => {
    const sent = meta("<x>", { size: 1000 });
    assert.equal(compareCopy(sent, { ...sent, uid: 1 }), "exact");
    assert.equal(compareCopy(sent, { ...sent, uid: 1, size: 1040 }), "id");
    assert.equal(compareCopy(sent, { ...sent, uid: 1, size: 1040, messageId: "<y>" }), "different");
    assert.equal(compareCopy(sent, { ...sent, uid: 1, internalDate: sent.internalDate + 1000 }), "different");
    const bare = meta("", { size: 1000 });
    assert.equal(compareCopy(bare, { ...bare, uid: 1, size: 1040 }), "date", "no Message-ID on either side: the date");
    assert.equal(compareCopy(bare, { ...bare, uid: 1, size: 1040, messageId: "<added@server>" }), "different");
    const munged = meta("<caf\u00e9@x>");
    assert.equal(compareCopy(munged, { ...munged, uid: 1, messageId: "<cafX@x>" }), "id", "Cyrus's munge8bit in the Message-ID");
  });

  it("pairs a copy without a Message-ID that the server altered, and counts N such copies for N such messages", () => {
    const n = meta("", { size: 300, contentDigest: "c1", lineDigest: "l1", shapeDigest: "s1" });
    const stripped = { ...n, uid: 9300, size: 297, contentDigest: "c2" };
    const d = folderDelta([[n]], [stripped]);
    assert.deepEqual([d.toCopy.length, d.rewritten, d.altered.map((a) => [a.tier, a.how])], [0, [1], [["content", "line breaks"]]]);
    // Two messages of the same second, one copy: one to copy, whichever it is.
    const twin = meta("", { size: 400, contentDigest: "c3", lineDigest: "l3", shapeDigest: "s3" });
    assert.equal(folderDelta([[n, twin]], [stripped]).toCopy.length, 1);
    // Mail of the user's own with a Message-ID at that second is not taken for a copy.
    assert.equal(folderDelta([[n]], [{ ...stripped, messageId: "<own@x>", shapeDigest: "s9" }]).toCopy.length, 1);
  });

  it("bounds fetch batches by bytes and count, a huge message alone in its batch", () => {
    const items = [10, 10, 10, 1000, 10].map((size) => ({ meta: meta("<x>", { size }) }));
    assert.deepEqual(
      batches(items, 25, 100).map((b) => b.map((i) => i.meta.size)),
      [[10, 10], [10], [1000], [10]],
    );
    assert.deepEqual(
      batches(items, 10_000, 2).map((b) => b.length),
      [2, 2, 1],
    );
  });
});

describe("message identity", () => {
  it('reads the Message-ID whatever its case and folding, and "" when there is none', () => {
    assert.equal(messageIdOf(Buffer.from("Message-ID: <x@y>\r\n\r\n")), "<x@y>");
    assert.equal(messageIdOf(Buffer.from("message-id:\r\n  <folded@y>\r\n\r\n")), "<folded@y>");
    assert.equal(messageIdOf(Buffer.from("\r\n")), "");
    assert.equal(messageIdOf(undefined), "");
  });

  it("ignores line endings in content digests but not content", () => {
    assert.equal(contentDigest(Buffer.from("a\nb\n")), contentDigest(Buffer.from("a\r\nb\r\n")));
    assert.notEqual(contentDigest(Buffer.from("a\nb\n")), contentDigest(Buffer.from("a\nc\n")));
    assert.equal(normalizeLineEndings(Buffer.from("x\ry\n\r\n")).toString(), "x\r\ny\r\n\r\n");
  });
});
