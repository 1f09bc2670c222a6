// The FETCH response scanner behind the bulk listing: items in any order, sections with spaces and parentheses,
// quoted strings with escapes, literals by position; IMAP dates with their offsets.
import { strict as assert } from "node:assert";
import { fetchedMeta, fetchItems, parseImapDateTime } from "../../../engine/fetchResponse";

const lit = (s: string) => [Buffer.from(s, "latin1")];

describe("FETCH response scanner", () => {
  it("reads a listing response: UID, flags without \\Recent, internal date, size, Message-ID from the header literal", () => {
    const m = fetchedMeta({
      text: '* 7 FETCH (UID 42 FLAGS (\\Seen \\Recent $Forwarded) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 BODY[HEADER.FIELDS (MESSAGE-ID)] {40})',
      literals: [lit("Message-ID: <a.b@example.com>\r\n\r\n")],
    });
    assert.deepEqual(m, {
      uid: 42,
      flags: ["$Forwarded", "\\Seen"],
      internalDate: Date.UTC(1996, 6, 17, 9, 44, 25),
      size: 4286,
      messageId: "<a.b@example.com>",
    });
  });

  it("finds items in another order, and a header given as a quoted string or NIL", () => {
    const quoted = fetchedMeta({
      text: '* 1 FETCH (RFC822.SIZE 10 BODY[HEADER.FIELDS (MESSAGE-ID)] "Message-ID: <q@x>" INTERNALDATE " 1-Feb-2020 00:00:00 +0000" FLAGS () UID 3)',
      literals: [],
    });
    assert.equal(quoted?.messageId, "<q@x>");
    assert.equal(quoted?.internalDate, Date.UTC(2020, 1, 1));
    const none = fetchedMeta({
      text: '* 1 FETCH (UID 3 FLAGS () INTERNALDATE "01-Feb-2020 00:00:00 +0000" RFC822.SIZE 10 BODY[HEADER.FIELDS (MESSAGE-ID)] NIL)',
      literals: [],
    });
    assert.equal(none?.messageId, "");
  });

  it("takes each literal by its position, and unescapes quoted strings", () => {
    const items = fetchItems({ text: '* 2 FETCH (X-A {3} UID 9 X-B "a\\"b\\\\c" BODY[] {4})', literals: [lit("one"), lit("body")] });
    assert.deepEqual(items?.get("X-A"), { kind: "literal", chunks: lit("one") });
    assert.deepEqual(items?.get("X-B"), { kind: "string", text: 'a"b\\c' });
    assert.deepEqual(items?.get("BODY[]"), { kind: "literal", chunks: lit("body") });
    assert.deepEqual(items?.get("UID"), { kind: "atom", text: "9" });
  });

  it("ignores what is not a whole FETCH response with a UID", () => {
    assert.equal(fetchedMeta({ text: "* 3 EXISTS", literals: [] }), undefined);
    assert.equal(fetchedMeta({ text: "* 3 FETCH (FLAGS (\\Seen))", literals: [] }), undefined);
    assert.equal(fetchItems({ text: "* 3 FETCH (UID 5 BODY[] {3}", literals: [] }), undefined);
  });

  it("parses IMAP dates with any offset, and refuses what is not one", () => {
    assert.equal(parseImapDateTime("01-Jan-2000 00:00:00 +0100"), Date.UTC(1999, 11, 31, 23));
    assert.equal(parseImapDateTime("31-Dec-1999 23:00:00 -0130"), Date.UTC(2000, 0, 1, 0, 30));
    assert.equal(parseImapDateTime("01-Foo-2000 00:00:00 +0000"), undefined);
    assert.equal(parseImapDateTime("2000-01-01T00:00:00Z"), undefined);
  });
});
