import { strict as assert } from "node:assert";
import { connectionsAhead } from "../../../engine/connectionsAhead";
import type { FolderGroup } from "../../../engine/folderMap";
import type { FolderMark } from "../../../engine/watermarks";

const mark = (path: string, messages: number): FolderMark => ({ path, uidValidity: "7", uidNext: messages + 1, messages, highestModseq: "9" });
const group = (source: string, destination: string, create = false): FolderGroup => ({
  destination,
  destinationName: destination,
  sources: [{ path: source, delimiter: ".", selectable: true }],
  sourceNames: [source],
  create,
  notes: [],
});
const marks = (source: FolderMark[], destination: FolderMark[]) => ({
  source: new Map(source.map((m) => [m.path, m])),
  destination: new Map(destination.map((m) => [m.path, m])),
});

describe("which connections a pass opens ahead, while its folders are created", () => {
  it("a first copy: the reader and the first append connection", () => {
    const m = marks([mark("INBOX", 10), mark("INBOX.Work", 5)], [mark("INBOX", 0)]);
    assert.deepEqual(connectionsAhead([group("INBOX", "INBOX"), group("INBOX.Work", "Work", true)], m), { reader: true, appender: true });
    assert.deepEqual(connectionsAhead([group("INBOX.Work", "Work", true)], m), { reader: true, appender: true }, "into a folder still to be created");
  });

  it("a stateless pass over a complete copy: the reader only (whether anything is missing is not known yet)", () => {
    const m = marks([mark("INBOX", 10)], [mark("INBOX", 10)]);
    assert.deepEqual(connectionsAhead([group("INBOX", "INBOX")], m), { reader: true, appender: false });
  });

  it("nothing when every folder is skipped by its watermark, is empty on the source, was refused, or has no marks", () => {
    const m = marks([mark("INBOX", 10), mark("INBOX.Drafts", 0)], [mark("INBOX", 10), mark("Drafts", 0)]);
    const watermarks = { INBOX: { sources: [mark("INBOX", 10)], destination: mark("INBOX", 10) } };
    const refused = { ...group("INBOX", "Bad.Name", true), refused: "refused" };
    assert.deepEqual(connectionsAhead([group("INBOX", "INBOX"), group("INBOX.Drafts", "Drafts"), refused], m, watermarks), { reader: false, appender: false });
    assert.deepEqual(connectionsAhead([group("INBOX", "INBOX")], undefined), { reader: false, appender: false }, "no LIST-STATUS");
  });
});
