import assert from "node:assert/strict";
import fc from "fast-check";
import { parseConfig } from "../../../plan/config";
import { PlanErrors } from "../../../plan/errors";
import { autoQuota, MiB, parseQuota, sizeQuota } from "../../../plan/quota";
import { routeMailboxes } from "../../../plan/routing";
import { rawMailshift } from "./stackFiles";

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

  it("no quota while the audit exceeds the host's default is refused with both sizes and the fix", () => {
    assert.throws(() => sizeQuota(undefined, 1_500_000_000, 1.25, 1_000_000_000), {
      message:
        /^has no quota, so the new host's default 953\.67 MiB \(1000000000 bytes\) \(newHost\.defaultQuota\) applies, below the audited size 1\.40 GiB \(1500000000 bytes\); the copy would stop over quota\. Set quota: auto \(audited x headroom: 1\.75 GiB \(1875902464 bytes\)\) or a quota of at least 1\.40 GiB/,
    });
    assert.deepEqual(sizeQuota(undefined, 900_000_000, 1.25, 1_000_000_000), {
      bytes: undefined,
      basis: "no quota set: the host's default 953.67 MiB (1000000000 bytes) applies, audited 858.31 MiB (900000000 bytes)",
    });
    assert.equal(sizeQuota(undefined, 5e9, 1.25).bytes, undefined, "without newHost.defaultQuota there is nothing to compare");
  });

  it("every mailbox over its quota or the host default is reported in one run, each naming the mailbox", () => {
    const raw = structuredClone(rawMailshift("production")) as Record<string, unknown>;
    const mailboxes = raw.mailboxes as Record<string, unknown>[];
    delete mailboxes[3]!.quota; // bob, audited 3.6 GiB, host default 1 GB
    mailboxes[4]!.quota = "10GB"; // archive, audited 14 GiB
    raw.dmarc = { polcy: "reject" }; // and a typo elsewhere: all three in one run
    const msgs: string[] = [];
    try {
      routeMailboxes(parseConfig(raw));
    } catch (err) {
      assert.ok(err instanceof PlanErrors);
      msgs.push(...err.errors.map((e) => e.message).filter((m) => !m.startsWith("mailshift:dmarc.polcy: is not a dmarc setting")));
      assert.equal(err.errors.length, 3, err.message);
    }
    assert.equal(msgs.length, 2, msgs.join("\n"));
    assert.match(
      msgs[0]!,
      /^mailshift:mailboxes\[3\]\.quota: bob@example\.com: has no quota, so the new host's default .* below the audited size 3\.60 GiB/,
    );
    assert.match(
      msgs[1]!,
      /^mailshift:mailboxes\[4\]\.quota: archive@example\.com: quota 9\.31 GiB \(10000000000 bytes\) is below the audited size 14\.00 GiB/,
    );
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
