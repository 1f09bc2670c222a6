import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { Watermarks } from "../../../engine";
import { previousWatermarks } from "../../../providers/mailboxMigration/watermarks";
import type { MigrationInputs, MigrationOutputs } from "../../../providers/mailboxMigration/types";

const inputs: MigrationInputs = {
  source: { host: "old.example.com", port: 143, tls: "starttls", user: "bob", password: "pw-123" },
  destination: { host: "mail2.example.com", port: 993, tls: "implicit", user: "bob@example.com", password: "pw-456" },
  syncGeneration: 1,
};

const marks: Watermarks = {
  INBOX: {
    sources: [{ path: "INBOX", uidValidity: "1700000000", uidNext: 41, messages: 40, highestModseq: "77" }],
    destination: { path: "INBOX", uidValidity: "1800000000", uidNext: 41, messages: 40, highestModseq: "12" },
  },
  "Sent Items": {
    sources: [{ path: "INBOX.Sent", uidValidity: "1700000001", uidNext: 13, messages: 12, highestModseq: "30" }],
    destination: { path: "Sent Items", uidValidity: "1800000001", uidNext: 13, messages: 12, highestModseq: "5" },
  },
};

function previous(over: Partial<MigrationOutputs> = {}): Partial<MigrationOutputs> {
  return { ...inputs, watermarks: marks, ...over };
}

describe("MailboxMigration watermarks for the next pass", () => {
  it("the previous pass's marks go to the engine when the mailboxes are the same (case of host and user aside)", () => {
    assert.deepEqual(previousWatermarks(previous(), inputs), marks);
    const shouted = { ...inputs, destination: { ...inputs.destination, host: "MAIL2.example.com", user: "Bob@Example.com" } };
    assert.deepEqual(previousWatermarks(previous(), shouted), marks);
  });

  it("a rotated password keeps them: the mailbox did not change", () => {
    const rotated = { ...inputs, destination: { ...inputs.destination, password: "rotated-pw-789" } };
    assert.deepEqual(previousWatermarks(previous(), rotated), marks);
  });

  it("none on create, from a state written before watermarks, or for another source or destination mailbox", () => {
    assert.equal(previousWatermarks(undefined, inputs), undefined);
    assert.equal(previousWatermarks(previous({ watermarks: undefined }), inputs), undefined);
    for (const other of [
      { ...inputs, source: { ...inputs.source, host: "older.example.com" } },
      { ...inputs, source: { ...inputs.source, port: 993 } },
      { ...inputs, destination: { ...inputs.destination, user: "alice@example.com" } },
    ])
      assert.equal(previousWatermarks(previous(), other), undefined, JSON.stringify(other));
  });

  it("a group of the wrong shape is dropped (that folder is listed), the others kept", () => {
    const broken = { ...marks, Junk: { sources: [{ path: "Junk", uidNext: "x" }], destination: {} } } as unknown as Watermarks;
    assert.deepEqual(previousWatermarks(previous({ watermarks: broken }), inputs), marks);
  });

  it("property: whatever the state holds, the result is undefined or only well-formed groups taken from it", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.anything()), (junk) => {
        const out = previousWatermarks(previous({ watermarks: { ...junk, ...marks } as unknown as Watermarks }), inputs);
        assert.ok(out);
        for (const [k, g] of Object.entries(out)) {
          assert.equal(g, ({ ...junk, ...marks } as Record<string, unknown>)[k]);
          assert.ok(Array.isArray(g.sources) && typeof g.destination.uidNext === "number");
        }
        for (const k of Object.keys(marks)) assert.ok(k in out);
      }),
    );
  });
});
