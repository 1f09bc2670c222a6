import { strict as assert } from "node:assert";
import fc from "fast-check";
import { canonical, diffMigration } from "../../../providers/mailboxMigration/diff";
import { checkInputs } from "../../../providers/mailboxMigration/check";
import { UNKNOWN } from "../../../providers/mailboxMigration/unknown";

// olds are the outputs of the last pass: the normalized inputs echoed, plus counts and drift.
function outputsOf(news: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...checkInputs(news).inputs, mailbox: "x", totals: { copied: 3 }, drift: { pending: 0 }, ...extra };
}
const base = () => ({
  source: { host: "old.example.com", port: 143, tls: "starttls", user: "bob", password: "pw-old-1" },
  destination: { host: "mail2.example.com", user: "bob@mail2.example.com", password: "pw-new-1" },
  folders: { exclude: ["Trash"] },
  syncGeneration: 1,
  statusUrn: "urn:pulumi:s::p::t::bob",
});
const news = (over: Record<string, unknown> = {}) => checkInputs({ ...base(), ...over }).inputs as unknown as Record<string, unknown>;

describe("MailboxMigration diff", () => {
  it("no change when nothing changed", () => {
    assert.deepEqual(diffMigration(outputsOf(base()), news()), { changes: false, replaces: [], changed: [] });
  });

  it("syncGeneration bumped: an update (a delta pass), not a replacement", () => {
    const d = diffMigration(outputsOf(base()), news({ syncGeneration: 2 }));
    assert.deepEqual([d.changes, d.replaces, d.changed], [true, [], ["syncGeneration"]]);
  });

  it("another destination host or user: a replacement", () => {
    const b = base();
    assert.deepEqual(diffMigration(outputsOf(b), news({ destination: { ...b.destination, host: "mail3.example.com" } })).replaces, [
      "destination",
    ]);
    assert.deepEqual(diffMigration(outputsOf(b), news({ destination: { ...b.destination, user: "robert@mail2.example.com" } })).replaces, [
      "destination",
    ]);
  });

  it("the same destination mailbox spelled in another case is not a replacement", () => {
    const b = base();
    const d = diffMigration(
      outputsOf(b),
      news({ destination: { ...b.destination, host: "MAIL2.example.com", user: "Bob@mail2.example.com" } }),
    );
    assert.deepEqual(d.replaces, []);
  });

  it("a rotated password alone: an update (resync copying only what is missing), never a replacement", () => {
    const b = base();
    const d = diffMigration(outputsOf(b), news({ destination: { ...b.destination, password: "pw-new-2" } }));
    assert.deepEqual([d.changes, d.replaces, d.changed], [true, [], ["destination"]]);
  });

  it("a destination port or TLS change is an update of the same mailbox", () => {
    const b = base();
    const d = diffMigration(outputsOf(b), news({ destination: { ...b.destination, port: 143, tls: "starttls" } }));
    assert.deepEqual([d.changes, d.replaces], [true, []]);
  });

  it("a source change, folder options, size limit, connections: updates", () => {
    const b = base();
    for (const [over, key] of [
      [{ source: { ...b.source, host: "old2.example.com" } }, "source"],
      [{ folders: { exclude: ["Trash", "Junk"] } }, "folders"],
      [{ maxMessageBytes: 1000 }, "maxMessageBytes"],
      [{ connections: 2 }, "connections"],
    ] as const) {
      const d = diffMigration(outputsOf(b), news(over));
      assert.deepEqual([d.changes, d.replaces, d.changed], [true, [], [key]], key);
    }
  });

  it("the resource's URN (renamed or re-parented resource) asks for nothing", () => {
    assert.equal(diffMigration(outputsOf(base()), news({ statusUrn: "urn:pulumi:s::p::t::other" })).changes, false);
  });

  it("mail still to copy (drift found by refresh) is an update with no input change", () => {
    const d = diffMigration(outputsOf(base(), { drift: { pending: 4 } }), news());
    assert.deepEqual([d.changes, d.replaces, d.reason], [true, [], "4 source message(s) not on the destination yet"]);
  });

  it("a pass that failed part-way is resumed by the next update", () => {
    const d = diffMigration(outputsOf(base(), { lastError: { at: "t", message: "m" } }), news());
    assert.deepEqual([d.changes, d.reason], [true, "the last pass failed part-way"]);
  });

  it("an unknown destination during preview may be another mailbox: replacement shown", () => {
    const b = base();
    const d = diffMigration(outputsOf(b), { ...news(), destination: { ...(news().destination as object), user: UNKNOWN } });
    assert.deepEqual([d.changes, d.replaces], [true, ["destination"]]);
  });

  it("property: identical inputs never differ, whatever the key order; any syncGeneration change is an update", () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.boolean(), (g1, g2, reorder) => {
        const b = { ...base(), syncGeneration: g1 };
        const reordered = reorder ? Object.fromEntries(Object.entries(b).reverse()) : b;
        assert.equal(diffMigration(outputsOf(b), news(reordered)).changes, false);
        const d = diffMigration(outputsOf(b), news({ syncGeneration: g2 }));
        assert.equal(d.changes, g1 !== g2);
        assert.deepEqual(d.replaces, []);
      }),
    );
  });

  it("property: replaced exactly when the destination host or user differs other than in case", () => {
    const name = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9.-]{0,12}$/);
    fc.assert(
      fc.property(name, name, name, name, fc.string({ minLength: 3, maxLength: 12 }), (h1, u1, h2, u2, pw) => {
        const b = base();
        const olds = outputsOf({ ...b, destination: { host: h1, user: u1, password: "pw-old" } });
        const d = diffMigration(olds, news({ destination: { host: h2, user: u2, password: pw } }));
        const other = h1.toLowerCase() !== h2.toLowerCase() || u1.toLowerCase() !== u2.toLowerCase();
        assert.deepEqual(d.replaces, other ? ["destination"] : []);
      }),
    );
  });

  it("canonical JSON ignores key order and undefined", () => {
    assert.equal(canonical({ a: 1, b: { c: [1, { d: 2, e: undefined }] } }), canonical({ b: { c: [1, { d: 2 }] }, a: 1 }));
  });
});
