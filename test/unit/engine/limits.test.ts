import { strict as assert } from "node:assert";
import { appendConnectionsFor, sizeRefusal } from "../../../engine/limits";

describe("message size limits", () => {
  it("skips a message over the destination's APPENDLIMIT or the user's maximum, saying which, and sends the rest", () => {
    assert.equal(sizeRefusal(5_000_000, undefined, 5_000_000), undefined, "exactly the limit is accepted");
    assert.match(
      sizeRefusal(5_000_001, undefined, 5_000_000)!,
      /^larger than the destination accepts \(APPENDLIMIT 5000000 bytes; this message is 5000001\)$/,
    );
    assert.match(sizeRefusal(300, 200, undefined)!, /^larger than the maximum message size \(300 > 200 bytes\)$/);
    assert.match(sizeRefusal(300, 200, 250)!, /APPENDLIMIT 250/, "the server's limit is the one that would refuse it");
    assert.equal(sizeRefusal(100, 200, 250), undefined);
  });
});

describe("append connections per folder", () => {
  it("one for Courier (its folder lock can stall a second connection for 120 s), as many as asked elsewhere", () => {
    assert.equal(
      appendConnectionsFor("* OK [CAPABILITY IMAP4rev1 UIDPLUS] Courier-IMAP ready. Copyright 1998-2019 Double Precision, Inc.", 4),
      1,
    );
    assert.equal(appendConnectionsFor("* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot (Debian) ready.", 4), 4);
    assert.equal(appendConnectionsFor("Cyrus IMAP 3.6.1 server ready", 2), 2);
  });
});
