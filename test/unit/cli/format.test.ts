import { strict as assert } from "node:assert";
import fc from "fast-check";
import { count } from "../../../report/format";

describe("count: numbers in the summaries", () => {
  it("writes integers with thousands separators exactly as toLocaleString('en-US') does", () => {
    for (const n of [0, 7, 999, 1000, 25000, 250000, 1234567, -1000, -12, Number.MAX_SAFE_INTEGER])
      assert.equal(count(n), n.toLocaleString("en-US"), String(n));
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => count(n) === n.toLocaleString("en-US")));
  });

  it("leaves fractions and non-finite numbers to toLocaleString", () => {
    for (const n of [2.5, 1234.5678, NaN, Infinity]) assert.equal(count(n), n.toLocaleString("en-US"));
  });
});
