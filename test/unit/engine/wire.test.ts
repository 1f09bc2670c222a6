import { strict as assert } from "node:assert";
import fc from "fast-check";
import { decodeModifiedUtf7, encodeModifiedUtf7, wireMailboxName } from "../../../engine/mailboxName";
import { imapDateTime } from "../../../engine/imapDate";

describe("wire formats the engine writes itself", () => {
  it("encodes mailbox names in modified UTF-7 (RFC 3501 examples and others)", () => {
    assert.equal(encodeModifiedUtf7("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    assert.equal(encodeModifiedUtf7("Entwürfe"), "Entw&APw-rfe");
    assert.equal(encodeModifiedUtf7("Tom & Jerry"), "Tom &- Jerry");
    assert.equal(encodeModifiedUtf7("Sent Items"), "Sent Items");
    assert.equal(wireMailboxName("Entwürfe", true), "Entwürfe");
  });

  it("decodes modified UTF-7 back to the name, for any name (property)", () => {
    assert.equal(decodeModifiedUtf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語");
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (name) => decodeModifiedUtf7(encodeModifiedUtf7(name)) === name));
  });

  it("writes INTERNALDATE in UTC so the second is kept exactly", () => {
    assert.equal(imapDateTime(new Date("2002-02-01T09:05:07Z")), "01-Feb-2002 09:05:07 +0000");
    assert.equal(imapDateTime(new Date("2020-12-31T23:59:59.999Z")), "31-Dec-2020 23:59:59 +0000");
  });
});
