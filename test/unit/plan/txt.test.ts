import assert from "node:assert/strict";
import fc from "fast-check";
import { txtToString } from "../../../dns/spf";
import { quoteTxt } from "../../../plan/txt";

describe("plan/txt: TXT content as Cloudflare takes it", () => {
  it("quotes, splits into strings of at most 255 bytes, and reads back to the same value", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abc =;:.-_"\\/+~'), maxLength: 900 }), (v) => {
        const q = quoteTxt(v);
        assert.equal(txtToString(q), v);
        const strings = q.match(/"((?:[^"\\]|\\.)*)"/g) ?? [];
        assert.equal(strings.join(" "), q);
        for (const s of strings) assert.ok(s.slice(1, -1).replace(/\\(.)/g, "$1").length <= 255);
      }),
    );
  });

  it("keeps a short SPF record as one quoted string", () => {
    assert.equal(quoteTxt("v=spf1 include:spf.protection.outlook.com ~all"), '"v=spf1 include:spf.protection.outlook.com ~all"');
  });
});
