import assert from "node:assert/strict";
import fc from "fast-check";
import { autoQuota, MiB, parseQuota, sizeQuota } from "../../../plan/quota";

describe("plan/quota: quota sizing", () => {
  it("auto is at least the audited size x headroom, a whole MiB, and less than one MiB more", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 42 }), fc.double({ min: 1, max: 4, noNaN: true }), (audited, headroom) => {
        const q = autoQuota(audited, headroom);
        assert.ok(q >= audited, `quota ${q} below audited ${audited}`);
        assert.ok(q >= audited * headroom);
        assert.equal(q % MiB, 0);
        assert.ok(q < audited * headroom + MiB || q === MiB);
      }),
    );
  });

  it("sizeQuota never returns less than the audited size (auto or explicit)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), (audited, explicit) => {
        const auto = sizeQuota({ kind: "auto" }, audited, 1.25);
        assert.ok(auto.bytes! >= audited);
        if (explicit >= audited) assert.equal(sizeQuota({ kind: "bytes", bytes: explicit }, audited, 1.25).bytes, explicit);
        else assert.throws(() => sizeQuota({ kind: "bytes", bytes: explicit }, audited, 1.25), /below the audited size/);
      }),
    );
  });

  it("refuses an explicit quota below the audited size with both numbers", () => {
    assert.throws(() => sizeQuota(parseQuota("1GB"), 1_500_000_000, 1.25), {
      message: /quota 953\.67 MiB \(1000000000 bytes\) is below the audited size 1\.40 GiB \(1500000000 bytes\).*at least/,
    });
  });

  it("auto without an audit says how to produce one", () => {
    assert.throws(() => sizeQuota({ kind: "auto" }, undefined, 1.25), /mailshift audit .* --json.*mailshift:auditFile/);
  });

  it("parses sizes: bytes, decimal and binary units", () => {
    assert.deepEqual(parseQuota("auto"), { kind: "auto" });
    assert.deepEqual(parseQuota(1234), { kind: "bytes", bytes: 1234 });
    assert.deepEqual(parseQuota("5GB"), { kind: "bytes", bytes: 5_000_000_000 });
    assert.deepEqual(parseQuota("2GiB"), { kind: "bytes", bytes: 2 * 1024 ** 3 });
    assert.deepEqual(parseQuota("1.5 MiB"), { kind: "bytes", bytes: 1.5 * MiB });
    for (const bad of ["", "5 parsecs", -1, 0, "0GB", 1.5, true])
      assert.throws(() => parseQuota(bad), /is not auto, a number|not a positive whole number/);
  });
});
