import { strict as assert } from "node:assert";
import { decodeEntry, encodeEntry, entryName, MAX_ENTRY_BYTES } from "../../../engine/watermarkStore";
import type { Watermarks } from "../../../engine/watermarks";

const source = "alice@old.example:143";
const w: Watermarks = {
  INBOX: {
    sources: [{ path: "INBOX", uidValidity: "1700000000", uidNext: 2501, messages: 2500, highestModseq: "9001" }],
    destination: { path: "INBOX", uidValidity: "1800000000", uidNext: 2501, messages: 2500, highestModseq: "2600" },
  },
  "Sent Items": {
    sources: [{ path: "INBOX.Sent", uidValidity: "1700000001", uidNext: 11, messages: 10, highestModseq: "12" }],
    destination: { path: "Sent Items", uidValidity: "1800000001", uidNext: 11, messages: 10 },
  },
};

describe("watermarks kept on the destination (METADATA entry)", () => {
  it("one private entry per source mailbox, read back as written", () => {
    assert.match(entryName(source), /^\/private\/vendor\/mailshift\/watermarks\/[0-9a-f]{16}$/);
    assert.equal(entryName(source), entryName(source.toUpperCase()));
    assert.notEqual(entryName(source), entryName("bob@old.example:143"));
    assert.deepEqual(decodeEntry(encodeEntry(source, w), source), w);
  });

  it("an entry of another source, of another format, or damaged gives nothing; a damaged group is dropped alone", () => {
    const text = encodeEntry(source, w);
    assert.equal(decodeEntry(text, "bob@old.example:143"), undefined);
    assert.equal(decodeEntry("not json", source), undefined);
    assert.equal(decodeEntry(text.replace('"v":1', '"v":2'), source), undefined);
    const e = JSON.parse(text);
    e.groups.INBOX.s[0][2] = "2501"; // a UIDNEXT that is not a number
    assert.deepEqual(decodeEntry(JSON.stringify(e), source), { "Sent Items": w["Sent Items"] });
    e.groups["Sent Items"].d[4] = "12; DROP"; // a HIGHESTMODSEQ that is not one
    assert.equal(decodeEntry(JSON.stringify(e), source), undefined);
  });

  it("keeps within the size a server takes: groups beyond it are left out (listed next time)", () => {
    const many: Watermarks = {};
    for (let i = 0; i < 2000; i++) many[`Folder ${i}`] = { ...w.INBOX, destination: { ...w.INBOX.destination, path: `Folder ${i}` } };
    const text = encodeEntry(source, many);
    assert.ok(Buffer.byteLength(text) <= MAX_ENTRY_BYTES);
    const back = decodeEntry(text, source)!;
    const kept = Object.keys(back).length;
    assert.ok(kept > 100 && kept < 2000, `${kept} groups kept`);
    for (const [folder, g] of Object.entries(back)) assert.deepEqual(g, many[folder]);
  });
});
