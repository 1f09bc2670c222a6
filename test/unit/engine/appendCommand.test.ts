// The APPEND command mailshift writes itself: what goes on the wire, and where it must wait for the server.
import { strict as assert } from "node:assert";
import {
  appendSegments,
  expandUidSet,
  MAX_NON_SYNC_LITERAL,
  UnsendableError,
  withCrlfLines,
  type LiteralSupport,
  type OutgoingMessage,
} from "../../../engine/appendCommand";

const msg = (body: string, flags: string[] = []): OutgoingMessage => ({
  raw: [Buffer.from(body)],
  flags,
  internalDate: new Date(Date.UTC(2021, 2, 4, 5, 6, 7)),
});
const wire = (segments: Buffer[][]) => segments.map((s) => Buffer.concat(s).toString("utf8"));
const PLUS: LiteralSupport = { plus: true, minus: false, utf8: false };
const NONE: LiteralSupport = { plus: false, minus: false, utf8: false };

describe("APPEND command bytes", () => {
  it("with LITERAL+ sends a MULTIAPPEND as one segment, each message with its flags, date and exact bytes", () => {
    const segs = appendSegments("M1", "Archive/2021", [msg("a\r\nb\r\n", ["\\Seen", "$Label1"]), msg("xyz")], PLUS);
    assert.deepEqual(wire(segs), [
      'M1 APPEND "Archive/2021" (\\Seen $Label1) "04-Mar-2021 05:06:07 +0000" {6+}\r\na\r\nb\r\n () "04-Mar-2021 05:06:07 +0000" {3+}\r\nxyz\r\n',
    ]);
  });

  it("with LITERAL+ still waits for + before a literal over 1 MiB, so a server over its size limit can refuse first", () => {
    const big = { raw: [Buffer.alloc(MAX_NON_SYNC_LITERAL + 1, 0x61)], flags: [], internalDate: new Date(Date.UTC(2021, 2, 4, 5, 6, 7)) };
    const segs = appendSegments("M3", "INBOX", [msg("hi"), big, msg("yo")], PLUS);
    assert.equal(segs.length, 2, "cut once, after the large literal's announcement");
    assert.match(
      Buffer.concat(segs[0]).toString("latin1"),
      new RegExp(`\\{2\\+\\}\\r\\nhi \\(\\) "[^"]+" \\{${MAX_NON_SYNC_LITERAL + 1}\\}\\r\\n$`),
    );
    assert.match(Buffer.concat(segs[1]).toString("latin1"), /^a+ \(\) "[^"]+" \{2\+\}\r\nyo\r\n$/);
    assert.equal(
      appendSegments("M4", "INBOX", [{ ...big, raw: [Buffer.alloc(MAX_NON_SYNC_LITERAL, 0x61)] }], PLUS).length,
      1,
      "exactly 1 MiB still goes at once",
    );
  });

  it("without LITERAL+ cuts after each literal announcement, so the sender waits for + before the bytes", () => {
    const segs = appendSegments("M2", "INBOX", [msg("hello"), msg("world", ["\\Flagged"])], NONE);
    assert.deepEqual(wire(segs), [
      'M2 APPEND "INBOX" () "04-Mar-2021 05:06:07 +0000" {5}\r\n',
      'hello (\\Flagged) "04-Mar-2021 05:06:07 +0000" {5}\r\n',
      "world\r\n",
    ]);
  });

  it("with LITERAL- only literals up to 4,096 bytes go without waiting", () => {
    const big = "x".repeat(4097);
    const segs = appendSegments("M3", "INBOX", [msg("small"), msg(big)], { plus: false, minus: true, utf8: false });
    assert.equal(segs.length, 2);
    assert.match(wire(segs)[0], /\{5\+\}\r\nsmall \(\) "[^"]+" \{4097\}\r\n$/);
  });

  it("passes the message buffers through untouched (no copy of a large message)", () => {
    const m = msg("body");
    const segs = appendSegments("M4", "INBOX", [m], PLUS);
    assert.ok(segs[0].includes(m.raw[0]), "the message's own Buffer is one of the pieces written");
  });

  it("quotes mailbox names and encodes non-ASCII as modified UTF-7 unless UTF8=ACCEPT is on", () => {
    assert.match(wire(appendSegments("M5", 'Say "hi"\\x', [msg("a")], PLUS))[0], /^M5 APPEND "Say \\"hi\\"\\\\x" /);
    assert.match(wire(appendSegments("M6", "Entwürfe", [msg("a")], PLUS))[0], /^M6 APPEND "Entw&APw-rfe" /);
    assert.match(wire(appendSegments("M7", "Entwürfe", [msg("a")], { ...PLUS, utf8: true }))[0], /^M7 APPEND "Entwürfe" /);
  });

  it("refuses, as this message's refusal, a flag or name that would break the command", () => {
    assert.throws(
      () => appendSegments("M8", "INBOX", [msg("a", ["bad flag"])], PLUS),
      (e: unknown) => e instanceof UnsendableError && e.responseStatus === "BAD" && /"bad flag"/.test(e.message),
    );
    assert.throws(() => appendSegments("M8", "INBOX", [msg("a", ["x{5}"])], PLUS), UnsendableError);
    assert.throws(() => appendSegments("M9", "IN\r\nBOX", [msg("a")], { ...PLUS, utf8: true }), UnsendableError);
    // without UTF8=ACCEPT control characters are modified UTF-7 like any other non-printable: never raw
    assert.doesNotMatch(wire(appendSegments("M9", "IN\r\nBOX", [msg("a")], PLUS))[0].split("{")[0], /[\r\n]/);
  });

  it("makes bare LFs CRLF for a server that refuses them, and leaves everything else as it is", () => {
    assert.deepEqual(withCrlfLines([Buffer.from("a\nb\r\nc\rd\n")])?.map(String), ["a\r\nb\r\nc\rd\r\n"]);
    assert.deepEqual(withCrlfLines([Buffer.from("\nx")])?.map(String), ["\r\nx"]);
    assert.deepEqual(
      withCrlfLines([Buffer.from("a\r"), Buffer.from("\nb\n")])?.map(String),
      ["a\r\nb\r\n"],
      "a CRLF split across chunks is not bare",
    );
    assert.equal(withCrlfLines([Buffer.from("a\r\nb\r\n")]), undefined, "nothing to change: no copy");
  });

  it("expands APPENDUID uid sets in order", () => {
    assert.deepEqual(expandUidSet("7"), [7]);
    assert.deepEqual(expandUidSet("7:9,12"), [7, 8, 9, 12]);
    assert.deepEqual(expandUidSet("x"), []);
  });
});
