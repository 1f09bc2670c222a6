import { strict as assert } from "node:assert";
import { marksOfGroup } from "../../../engine/folderMarks";
import type { FolderGroup } from "../../../engine/folderMap";
import type { FolderMark } from "../../../engine/watermarks";

const mark = (path: string, uidNext: number): FolderMark => ({
  path,
  uidValidity: "7",
  uidNext,
  messages: uidNext - 1,
  highestModseq: "9",
});
const folder = (path: string) => ({ path, delimiter: ".", selectable: true });
const group = (sources: string[], destination: string): FolderGroup => ({
  destination,
  destinationName: destination,
  sources: sources.map(folder),
  sourceNames: sources,
  create: false,
  notes: [],
});

describe("a group's marks out of the folder list's (LIST-STATUS)", () => {
  const marks = {
    source: new Map([mark("INBOX", 11), mark("INBOX.Old", 3), mark("INBOX.Work", 5)].map((m) => [m.path, m])),
    destination: new Map([mark("INBOX", 1), mark("Archive", 2)].map((m) => [m.path, m])),
  };

  it("takes each source folder's mark in the group's order, and its destination's", () => {
    assert.deepEqual(marksOfGroup(marks, group(["INBOX.Work", "INBOX.Old"], "Archive")), {
      sources: [mark("INBOX.Work", 5), mark("INBOX.Old", 3)],
      destination: mark("Archive", 2),
    });
  });

  it("has none when a folder is missing from the list on either side (then it is asked for with STATUS)", () => {
    assert.equal(marksOfGroup(marks, group(["INBOX", "INBOX.Gone"], "INBOX")), undefined);
    assert.equal(marksOfGroup(marks, group(["INBOX.Work"], "Work")), undefined, "a destination folder created after the list");
  });
});
