import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { FolderGroup } from "../../../engine/folderMap";
import { PassLedger } from "../../../engine/ledger";
import type { FolderSummary, Progress } from "../../../engine/summary";

const group = (names: string[], extra: Partial<FolderGroup> = {}): FolderGroup => ({
  destination: names[0],
  destinationName: names[0],
  sources: names.map((path) => ({ path, delimiter: "/", selectable: true })),
  sourceNames: names,
  create: false,
  notes: [],
  ...extra,
});
const PASS = { source: "a@old", destination: "a@new", excluded: [] };

describe("the ledger of a mailbox pass", () => {
  it("sums what each source folder's attempt recorded into the folder summaries and totals", () => {
    const ledger = new PassLedger("a@old", [group(["INBOX"], { notes: ["merged"] }), group(["Work", "Job"])], 0);
    const inbox = ledger.groups[0].beginAttempt();
    inbox.listed(0, 5, 3);
    inbox.found(2, 300);
    inbox.copied(0, 100);
    inbox.copied(0, 200);
    inbox.flagsFixed(0);
    ledger.groups[0].finish({ missing: 0, unchanged: false });
    const work = ledger.groups[1].beginAttempt();
    work.listed(0, 1, 0);
    work.listed(1, 2, 1);
    work.skipped(0, { folder: "Work", uid: 1, messageId: "<a@b>", size: 9, reason: "too big" });
    work.unsupportedFlag(1, "$Label");
    work.note(1, "deleted on the source during the run");
    ledger.groups[1].finish({ missing: 2, unchanged: false });

    const s = ledger.summary(PASS, {}, 0, 10);
    const row = (f: FolderSummary) => [f.folder, f.destination, f.onSource, f.alreadyPresent, f.copied, f.bytesCopied, f.flagsUpdated];
    assert.deepEqual(s.folders.map(row), [
      ["INBOX", "INBOX", 5, 3, 2, 300, 1],
      ["Work", "Work", 1, 0, 0, 0, 0],
      ["Job", "Work", 2, 1, 0, 0, 0],
    ]);
    assert.deepEqual(s.folders[1].skipped, [{ folder: "Work", uid: 1, messageId: "<a@b>", size: 9, reason: "too big" }]);
    assert.deepEqual(s.folders[0].notes, ["merged"], "the group's notes go with its first source folder");
    assert.deepEqual(s.folders[2].unsupportedFlags, { $Label: 1 });
    assert.deepEqual(s.folders[2].notes, ["deleted on the source during the run"]);
    assert.deepEqual(s.totals, { onSource: 8, alreadyPresent: 4, copied: 2, bytesCopied: 300, flagsUpdated: 1, skipped: 1 });
    assert.equal(s.missing, 2);
    assert.equal(s.verified, false);
    assert.equal(s.retries, 0);
    assert.equal(s.durationMs, 10);
  });

  it("counts the copies of an attempt that failed as copied by this run, not as found present by the retry", () => {
    const ledger = new PassLedger("a@old", [group(["INBOX"])], 1);
    const g = ledger.groups[0];
    const first = g.beginAttempt();
    first.listed(0, 10, 0);
    first.found(10, 1000);
    for (let i = 0; i < 4; i++) first.copied(0, 100);
    first.note(0, "only in the failed attempt");
    // The connection dropped; the retry lists again and finds the 4 copies already there.
    const second = g.beginAttempt();
    second.listed(0, 10, 4);
    second.found(6, 600);
    for (let i = 0; i < 6; i++) second.copied(0, 100);
    g.finish({ missing: 0, unchanged: false });

    const s = ledger.summary(PASS, {}, 0, 1);
    assert.deepEqual(
      [s.folders[0].onSource, s.folders[0].alreadyPresent, s.folders[0].copied, s.folders[0].bytesCopied],
      [10, 0, 10, 1000],
    );
    assert.deepEqual(s.folders[0].notes, [], "a failed attempt's notes are not the run's");
    assert.equal(s.retries, 2, "the folder list's retry and the group's");
  });

  it("property: however many attempts fail, each copy counts once; present plus copied is what the last listing saw", () => {
    const attempt = fc.record({ present: fc.nat({ max: 50 }), copies: fc.array(fc.nat({ max: 1000 }), { maxLength: 20 }) });
    fc.assert(
      fc.property(fc.array(attempt, { minLength: 1, maxLength: 6 }), (attempts) => {
        const ledger = new PassLedger("a@old", [group(["INBOX"])], 0);
        const g = ledger.groups[0];
        for (const a of attempts) {
          const rec = g.beginAttempt();
          rec.listed(0, 100, a.present);
          for (const bytes of a.copies) rec.copied(0, bytes);
        }
        g.finish({ missing: 0, unchanged: false });
        const [f] = ledger.summary(PASS, {}, 0, 0).folders;
        const last = attempts[attempts.length - 1];
        assert.equal(f.copied + f.alreadyPresent, last.present + last.copies.length);
        assert.equal(
          f.bytesCopied,
          attempts.flatMap((a) => a.copies).reduce((n, b) => n + b, 0),
        );
        assert.ok(f.alreadyPresent >= 0 && f.copied <= attempts.reduce((n, a) => n + a.copies.length, 0));
        assert.equal(ledger.summary(PASS, {}, 0, 0).retries, attempts.length - 1);
      }),
    );
  });

  it("reports progress: copied so far, and to copy as earlier attempts' copies plus the latest listing's find", () => {
    const seen: Progress[] = [];
    const ledger = new PassLedger("a@old", [group(["INBOX"]), group(["Work"])], 0, (p) => seen.push(p));
    ledger.started(1);
    const a = ledger.groups[1].beginAttempt();
    a.found(3, 30);
    a.copied(0, 10);
    const b = ledger.groups[1].beginAttempt();
    b.found(2, 20);
    b.copied(0, 10);
    assert.deepEqual(
      seen.map((p) => [p.folder, p.folderIndex, p.folderCount, p.copied, p.toCopy, p.bytesCopied, p.bytesToCopy]),
      [
        ["Work", 1, 2, 0, 3, 0, 30],
        ["Work", 1, 2, 1, 3, 10, 30],
        ["Work", 1, 2, 1, 3, 10, 30],
        ["Work", 1, 2, 2, 3, 20, 30],
      ],
    );
  });

  it("names a group that never ended, rather than summarizing a pass that did not finish", () => {
    const ledger = new PassLedger("a@old", [group(["Archive"])], 0);
    assert.throws(() => ledger.outcomes(), /folder group "Archive" has no outcome/);
  });
});
