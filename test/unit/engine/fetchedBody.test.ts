// Reading a message body out of an untagged FETCH response, as the source's bulk connection receives it.
import { strict as assert } from "node:assert";
import { fetchedBody } from "../../../engine/fetchResponse";

const chunks = (...parts: string[]) => parts.map((p) => Buffer.from(p, "latin1"));

describe("FETCH body responses", () => {
  it("takes the UID and the body literal's chunks as they are, in either order of the items", () => {
    const body = chunks("Subject: a\r\n", "\r\nhello\r\n");
    assert.deepEqual(fetchedBody({ text: "* 3 FETCH (UID 17 BODY[] {21})", literals: [body] }), { uid: 17, chunks: body, size: 21 });
    const r = fetchedBody({ text: "* 3 FETCH (BODY[] {21} UID 17)", literals: [body] });
    assert.equal(r?.uid, 17);
    assert.equal(r?.chunks, body, "the same chunk list, not a copy");
  });

  it("with the Message-ID header asked for too: the Message-ID, and the body's own literal", () => {
    const header = chunks("Message-ID: <a@b>\r\n\r\n");
    const body = chunks("Message-ID: <a@b>\r\n", "\r\nhi\r\n");
    const r = fetchedBody({ text: "* 2 FETCH (UID 8 BODY[HEADER.FIELDS (MESSAGE-ID)] {21} BODY[] {25})", literals: [header, body] });
    assert.deepEqual(r, { uid: 8, chunks: body, size: 25, messageId: "<a@b>" });
    const none = fetchedBody({
      text: "* 2 FETCH (UID 8 BODY[HEADER.FIELDS (MESSAGE-ID)] {2} BODY[] {4})",
      literals: [chunks("\r\n"), chunks("hi\r\n")],
    });
    assert.equal(none?.messageId, "", "a message without one");
  });

  it("finds the body literal when another literal comes before it", () => {
    const other = chunks("x");
    const body = chunks("body");
    assert.equal(fetchedBody({ text: "* 1 FETCH (X-GM-LABELS ({1}) UID 5 BODY[] {4})", literals: [other, body] })?.chunks, body);
  });

  it("reads a body sent as a quoted string, unescaped", () => {
    const r = fetchedBody({ text: '* 1 FETCH (UID 9 BODY[] "a\\"b")', literals: [] });
    assert.deepEqual(r && { uid: r.uid, body: Buffer.concat(r.chunks).toString(), size: r.size }, { uid: 9, body: 'a"b', size: 3 });
  });

  it("ignores responses without a body: a flag update, a NIL body (the message is gone), anything else", () => {
    assert.equal(fetchedBody({ text: "* 3 FETCH (UID 17 FLAGS (\\Seen))", literals: [] }), undefined);
    assert.equal(fetchedBody({ text: "* 3 FETCH (UID 17 BODY[] NIL)", literals: [] }), undefined);
    assert.equal(fetchedBody({ text: "* 4 EXPUNGE", literals: [] }), undefined);
    assert.equal(fetchedBody({ text: "* 3 FETCH (BODY[] {3})", literals: [chunks("abc")] }), undefined, "no UID: cannot be matched");
  });
});
