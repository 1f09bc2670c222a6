// What `mailshift verify` prints: the per-folder table and a verdict a person can act on.
import { strict as assert } from "node:assert";
import { renderVerify } from "../../../cli/render";
import type { VerifyReport } from "../../../engine";

function report(over: Partial<VerifyReport> & { rewrittenInbox?: number; missingInbox?: number }): VerifyReport {
  const missing = Array.from({ length: over.missingInbox ?? 0 }, (_, i) => ({
    folder: "INBOX",
    uid: i + 1,
    messageId: `<m${i}@x>`,
    size: 1000,
    internalDate: "2026-01-01T00:00:00.000Z",
  }));
  const rewritten = over.rewrittenInbox ?? 0;
  return {
    source: "ann@old.example",
    destination: "ann@new.example",
    deep: true,
    excluded: [],
    folders: [
      {
        folder: "INBOX",
        destination: "INBOX",
        onSource: 10,
        found: 10 - missing.length,
        missing,
        flagMismatches: 0,
        rewritten,
        altered: Array.from({ length: rewritten }, (_, i) => ({
          uid: 20 + i,
          messageId: i ? `<r${i}@x>` : "",
          how: i ? ("size" as const) : ("line breaks" as const),
        })),
      },
    ],
    verified: missing.length === 0,
    missing: missing.length,
    rewritten,
    ...over,
  };
}

describe("mailshift verify's output", () => {
  it("says verified when every message is there byte for byte", () => {
    const out = renderVerify(report({}));
    assert.match(out, /every message's bytes compared/);
    assert.match(out, /^verified: every source message is on the destination$/m);
  });

  it("lists each missing message and counts them in the verdict", () => {
    const out = renderVerify(report({ missingInbox: 2 }));
    assert.match(out, /missing: INBOX uid 1 <m0@x>/);
    assert.match(out, /NOT verified: 2 source messages are missing on the destination/);
  });

  it("tells altered copies apart from missing: each listed with what the server changed, and verified", () => {
    const out = renderVerify(report({ rewrittenInbox: 4 }));
    assert.match(out, /altered by the destination: INBOX uid 20 \(no Message-ID\): line breaks/);
    assert.match(out, /altered by the destination: INBOX uid 21 <r1@x>: size/);
    assert.match(out, /^verified: every source message is on the destination, 4 of them stored altered by the destination server/m);
    assert.doesNotMatch(out, /NOT verified/);
  });
});
