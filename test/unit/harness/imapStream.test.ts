// The fault proxy's line splitting: whatever the chunking, lines are whole, literal bytes are never read as
// lines, and what goes in comes out byte for byte; rewrites must keep a line's literal announcement.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ImapLineSplitter, literalAtEnd, serializeUnit, type StreamUnit } from "../../../engine/imapStream";
import { rewrittenUnits } from "../../../harness/faultProxy";

/** A stream of IMAP-ish lines, some announcing literals whose bytes contain CRLFs and fake literal marks. */
const segment = fc.oneof(
  fc.record({ text: fc.stringMatching(/^[A-Za-z0-9 ()*\\"[\].]{0,40}$/) }),
  fc.record({
    text: fc.stringMatching(/^[A-Za-z0-9 ()*]{0,20}$/),
    literal: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.concat([Buffer.from(a), Buffer.from("\r\nA1 OK {99}\r\n")])),
    plus: fc.constantFrom("", "+", "-"),
  }),
);

function build(segs: { text: string; literal?: Buffer; plus?: string }[]): { wire: Buffer; lines: string[]; literals: Buffer[] } {
  const parts: Buffer[] = [];
  const lines: string[] = [];
  const literals: Buffer[] = [];
  for (const s of segs) {
    // a line that would end in something looking like a literal mark is made not to
    const text = s.text.replace(/\}$/, "}x");
    if (s.literal) {
      const line = `${text}{${s.literal.length}${s.plus ?? ""}}`;
      lines.push(line);
      literals.push(s.literal);
      parts.push(Buffer.from(`${line}\r\n`, "latin1"), s.literal);
    } else {
      lines.push(text);
      parts.push(Buffer.from(`${text}\r\n`, "latin1"));
    }
  }
  return { wire: Buffer.concat(parts), lines, literals };
}

function chunked(wire: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, wire.length]) {
    out.push(wire.subarray(prev, c));
    prev = c;
  }
  return out;
}

function split(chunks: Buffer[]): { units: StreamUnit[]; splitter: ImapLineSplitter } {
  const splitter = new ImapLineSplitter();
  const units: StreamUnit[] = [];
  for (const c of chunks) units.push(...splitter.push(c));
  return { units, splitter };
}

describe("fault proxy: literal-aware line splitting", () => {
  it("gives back the input byte for byte, whole lines, and literal bytes only as literals, however the stream is chunked", () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (segs, cuts) => {
        const { wire, lines, literals } = build(segs);
        const { units, splitter } = split(chunked(wire, cuts));
        assert.ok(splitter.atBoundary, "nothing left half-read at the end");
        assert.deepEqual(Buffer.concat(units.map(serializeUnit)), wire);
        assert.deepEqual(
          units.filter((u) => u.kind === "line").map((u) => (u.kind === "line" ? u.text : "")),
          lines,
        );
        // literal parts, joined per literal, are exactly the literals
        const got: Buffer[] = [];
        let current: Buffer[] = [];
        for (const u of units) {
          if (u.kind !== "literal") continue;
          current.push(u.data);
          if (u.rest === 0) {
            got.push(Buffer.concat(current));
            current = [];
          }
        }
        assert.deepEqual(
          got,
          literals.filter((l) => l.length > 0),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("reads {n}, {n+}, {n-} and ~{n} as literal announcements only at the end of a line", () => {
    assert.deepEqual(literalAtEnd("* 1 FETCH (BODY[] {120}"), { size: 120, sync: true });
    assert.deepEqual(literalAtEnd("A1 APPEND INBOX () {5+}"), { size: 5, sync: false });
    assert.deepEqual(literalAtEnd("A1 APPEND INBOX () {5-}"), { size: 5, sync: false });
    assert.deepEqual(literalAtEnd("A1 APPEND INBOX ~{7}"), { size: 7, sync: true });
    assert.equal(literalAtEnd("* OK {12} is not at the end"), undefined);
    assert.equal(literalAtEnd("* OK braces {x}"), undefined);
  });

  it("waits for the end of a line split across chunks, and for the rest of a literal", () => {
    const s = new ImapLineSplitter();
    assert.deepEqual(s.push(Buffer.from("* 1 FETCH (BODY[] {1")), []);
    assert.equal(s.atBoundary, false);
    const u = s.push(Buffer.from("0}\r\n0123\r\n")) as StreamUnit[];
    assert.equal(u[0].kind === "line" && u[0].text, "* 1 FETCH (BODY[] {10}");
    assert.equal(u[1].kind === "literal" && u[1].rest, 4);
    assert.equal(s.atBoundary, false);
    const v = s.push(Buffer.from("4567)\r\n"));
    assert.equal(v[0].kind === "literal" && v[0].data.toString(), "4567");
    assert.equal(v[1].kind === "line" && v[1].text, ")");
    assert.ok(s.atBoundary);
  });

  it("lets a rewrite change a line that announces a literal only if the announcement stays at its end", () => {
    const line = { kind: "line" as const, text: "A1 APPEND INBOX (\\Flagged) {10}", eol: "\r\n", literal: { size: 10, sync: true } };
    assert.deepEqual(rewrittenUnits(line, "A1 APPEND INBOX () {10}").map(serializeUnit).join(""), "A1 APPEND INBOX () {10}\r\n");
    assert.throws(() => rewrittenUnits(line, "A1 APPEND INBOX () {11}"), /must keep its literal announcement/);
    assert.throws(() => rewrittenUnits(line, []), /cannot be dropped/);
    const plain = { kind: "line" as const, text: "* OK hi", eol: "\r\n" };
    assert.throws(() => rewrittenUnits(plain, "* OK {3}"), /may not announce a new literal/);
    assert.throws(() => rewrittenUnits(plain, "a\r\nb"), /line break/);
    assert.equal(rewrittenUnits(plain, ["* OK a", "* OK b"]).map(serializeUnit).join(""), "* OK a\r\n* OK b\r\n");
    assert.deepEqual(rewrittenUnits(plain, []), []);
  });
});
