import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { FolderSummary, SyncSummary, VerifyReport } from "../../../engine";
import { boundedSkipped, driftFromVerify, failedOutputs, passOutputs, SKIPPED_LIMIT } from "../../../providers/mailboxMigration/outputs";
import { checkInputs } from "../../../providers/mailboxMigration/check";

const inputs = checkInputs({
  source: { host: "old.example.com", port: 143, user: "bob", password: "pw-src-123" },
  destination: { host: "mail2.example.com", user: "bob", password: "pw-dst-456" },
  syncGeneration: 3,
}).inputs;

function folder(name: string, onSource: number, alreadyPresent: number, copied: number, skipped = 0): FolderSummary {
  return {
    folder: name,
    destination: name,
    onSource,
    alreadyPresent,
    copied,
    bytesCopied: copied * 1000,
    flagsUpdated: 0,
    skipped: Array.from({ length: skipped }, (_, i) => ({
      folder: name,
      uid: i + 1,
      messageId: `<m${i}@x>`,
      size: 9e6,
      reason: "larger than maxMessageBytes",
    })),
    unsupportedFlags: {},
    notes: [],
  };
}

function summary(folders: FolderSummary[], missing: number): SyncSummary {
  return {
    source: "bob@old.example.com:143",
    destination: "bob@mail2.example.com:993",
    folders,
    excluded: [{ folder: "Trash", reason: "excluded by folders.exclude" }],
    totals: { onSource: 0, alreadyPresent: 0, copied: 0, bytesCopied: 0, flagsUpdated: 0, skipped: 0 },
    verified: missing === 0,
    missing,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    durationMs: 60000,
    retries: 1,
    watermarks: {},
    unchangedFolders: 0,
  };
}

describe("MailboxMigration outputs", () => {
  it("per folder and total counts, bytes, when the pass ran, verified", () => {
    const o = passOutputs("create", inputs, summary([folder("INBOX", 10, 4, 6), folder("Sent", 5, 0, 3, 2)], 2));
    assert.deepEqual(o.totals, {
      onSource: 15,
      onDestination: 13,
      copied: 9,
      alreadyPresent: 4,
      skipped: 2,
      bytesCopied: 9000,
      flagsUpdated: 0,
    });
    assert.deepEqual(
      o.perFolder.map((f) => [f.folder, f.onSource, f.onDestination, f.copied, f.skipped]),
      [
        ["INBOX", 10, 10, 6, 0],
        ["Sent", 5, 3, 3, 2],
      ],
    );
    assert.equal(o.lastPassAt, "2026-01-01T00:01:00.000Z");
    assert.deepEqual(o.lastPass, {
      kind: "create",
      syncGeneration: 3,
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:01:00.000Z",
      durationMs: 60000,
      retries: 1,
    });
    assert.equal(o.verified, false);
    assert.equal(o.mailbox, "bob@old.example.com:143");
    assert.equal(o.destinationMailbox, "bob@mail2.example.com:993");
    // the two skipped messages are missing but not pending: copying them again would fail again
    assert.deepEqual([o.drift.missing, o.drift.pending], [2, 0]);
  });

  it("the skipped list is bounded and says how many it left out", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(120), { maxLength: 4 }), (counts) => {
        const s = summary(
          counts.map((n, i) => folder(`F${i}`, n, 0, 0, n)),
          0,
        );
        const all = counts.reduce((a, b) => a + b, 0);
        const b = boundedSkipped(s);
        assert.equal(b.skipped.length, Math.min(all, SKIPPED_LIMIT));
        assert.equal(b.skipped.length + b.omitted, all);
      }),
    );
  });

  it("drift from a refresh: missing per folder, less what the last pass skipped there", () => {
    const last = passOutputs("update", inputs, summary([folder("INBOX", 10, 10, 0), folder("Sent", 5, 3, 0, 2)], 2)).perFolder;
    const miss = (folder: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ folder, uid: 100 + i, messageId: "", size: 1, internalDate: "" }));
    const report: VerifyReport = {
      source: "s",
      destination: "d",
      deep: false,
      excluded: [],
      folders: [
        {
          folder: "INBOX",
          destination: "INBOX",
          onSource: 13,
          found: 10,
          missing: miss("INBOX", 3),
          flagMismatches: 0,
          rewritten: 0,
          altered: [],
        },
        {
          folder: "Sent",
          destination: "Sent Items",
          onSource: 5,
          found: 3,
          missing: miss("Sent", 2),
          flagMismatches: 0,
          rewritten: 0,
          altered: [],
        },
      ],
      verified: false,
      missing: 5,
      rewritten: 0,
    };
    const d = driftFromVerify(report, last, "2026-01-02T00:00:00.000Z");
    assert.deepEqual(d, {
      checkedAt: "2026-01-02T00:00:00.000Z",
      by: "refresh",
      missing: 5,
      pending: 3,
      folders: [
        { folder: "INBOX", missing: 3, pending: 3 },
        { folder: "Sent", missing: 2, pending: 0 },
      ],
    });
  });

  it("a failed pass keeps what was known, takes the new inputs and records the error", () => {
    const before = passOutputs("create", inputs, summary([folder("INBOX", 10, 0, 10)], 0));
    const o = failedOutputs({ ...inputs, syncGeneration: 4 }, before, "boom", "2026-01-03T00:00:00.000Z");
    assert.equal(o.syncGeneration, 4);
    assert.deepEqual(o.totals, before.totals);
    assert.equal(o.verified, false);
    assert.deepEqual(o.lastError, { at: "2026-01-03T00:00:00.000Z", message: "boom" });
  });
});
