import { strict as assert } from "node:assert";
import fc from "fast-check";
import { logicalSegments, planFolders, serverPath, type FolderInfo, type Namespace } from "../../../engine/folderMap";

const OLD: Namespace = { prefix: "INBOX.", delimiter: "." };
const NEW: Namespace = { prefix: "", delimiter: "/" };
const f = (path: string, specialUse?: string, selectable = true): FolderInfo => ({ path, delimiter: ".", specialUse, selectable });
const n = (path: string, specialUse?: string): FolderInfo => ({ path, delimiter: "/", specialUse, selectable: true });

const destFolders = [
  n("INBOX"),
  n("Sent Items", "\\Sent"),
  n("Deleted Items", "\\Trash"),
  n("Junk Email", "\\Junk"),
  n("Drafts", "\\Drafts"),
];

function mapOf(plan: ReturnType<typeof planFolders>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of plan.groups) for (const s of g.sourceNames) out[s] = g.destination;
  return out;
}

describe("folder mapping", () => {
  it("keeps the hierarchy across separators and namespace prefixes", () => {
    const plan = planFolders(
      [f("INBOX"), f("INBOX.Projects"), f("INBOX.Projects.2024"), f("INBOX.Projects.2024.Q1")],
      OLD,
      destFolders,
      NEW,
    );
    assert.deepEqual(mapOf(plan), {
      INBOX: "INBOX",
      Projects: "Projects",
      "Projects/2024": "Projects/2024",
      "Projects/2024/Q1": "Projects/2024/Q1",
    });
  });

  it("maps special-use folders by role, whatever each side calls them, children included", () => {
    const plan = planFolders(
      [
        f("INBOX"),
        f("INBOX.Sent", "\\Sent"),
        f("INBOX.Sent.2019"),
        f("INBOX.Trash", "\\Trash"),
        f("INBOX.Spam", "\\Junk"),
        f("INBOX.Drafts", "\\Drafts"),
      ],
      OLD,
      destFolders,
      NEW,
    );
    assert.deepEqual(mapOf(plan), {
      INBOX: "INBOX",
      Sent: "Sent Items",
      "Sent/2019": "Sent Items/2019",
      Trash: "Deleted Items",
      Spam: "Junk Email",
      Drafts: "Drafts",
    });
    assert.equal(plan.groups.find((g) => g.destination === "Sent Items")?.create, false);
    assert.equal(plan.groups.find((g) => g.destination === "Sent Items/2019")?.create, true);
  });

  it("applies explicit renames (children follow) and excludes (children too)", () => {
    const plan = planFolders(
      [f("INBOX"), f("INBOX.Old"), f("INBOX.Old.A"), f("INBOX.Tmp"), f("INBOX.Tmp.x"), f("INBOX.Keep")],
      OLD,
      destFolders,
      NEW,
      { rename: { Old: "Archive/Old mail" }, exclude: ["Tmp"] },
    );
    assert.deepEqual(mapOf(plan), { INBOX: "INBOX", Old: "Archive/Old mail", "Old/A": "Archive/Old mail/A", Keep: "Keep" });
    assert.deepEqual(plan.excluded.map((e) => e.folder).sort(), ["Tmp", "Tmp/x"]);
  });

  it("never copies virtual folders (\\All) that would duplicate every message", () => {
    const plan = planFolders([n("INBOX"), n("[Gmail]/All Mail", "\\All")], NEW, destFolders, NEW);
    assert.deepEqual(Object.keys(mapOf(plan)), ["INBOX"]);
    assert.match(plan.excluded[0].reason, /virtual/);
  });

  it("keeps non-ASCII names and replaces a destination separator inside a name", () => {
    const plan = planFolders([f("INBOX"), f("INBOX.Entwürfe"), f("INBOX.日本語"), f("INBOX.a/b")], OLD, destFolders, NEW);
    const m = mapOf(plan);
    assert.equal(m.Entwürfe, "Entwürfe");
    assert.equal(m.日本語, "日本語");
    assert.equal(m["a/b"], "a_b");
  });

  it("does not make a \\Noselect parent a mail folder: its children are created, it is not", () => {
    const plan = planFolders([f("INBOX"), f("INBOX.Parent", undefined, false), f("INBOX.Parent.Child")], OLD, destFolders, NEW);
    const parent = plan.groups.find((g) => g.destination === "Parent")!;
    const child = plan.groups.find((g) => g.destination === "Parent/Child")!;
    assert.deepEqual([parent.create, child.create], [false, true]);
    assert.match(parent.notes.join(" "), /Noselect/);
    // A folder that merges a \Noselect parent with a real one is a real folder.
    const merged = planFolders([f("INBOX.A", undefined, false), f("INBOX.B")], OLD, destFolders, NEW, { rename: { A: "X", B: "X" } });
    assert.equal(merged.groups.find((g) => g.destination === "X")!.create, true);
  });

  it("merges two source folders that land in one destination folder into one group", () => {
    const plan = planFolders([f("INBOX"), f("INBOX.Sent", "\\Sent"), f("INBOX.Sent Items")], OLD, destFolders, NEW);
    const g = plan.groups.find((x) => x.destination === "Sent Items")!;
    assert.deepEqual(g.sourceNames.sort(), ["Sent", "Sent Items"]);
  });

  it("round-trips paths through logical segments (property)", () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9 äöü日]{1,8}$/).filter((s) => s.trim().length > 0 && s.toUpperCase() !== "INBOX");
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 4 }), fc.constantFrom(OLD, NEW), (segs, ns) => {
        assert.deepEqual(logicalSegments(serverPath(segs, ns), ns), segs);
      }),
    );
  });

  it("maps every non-excluded source folder exactly once (property)", () => {
    const name = fc.stringMatching(/^[a-z]{1,5}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.array(name, { minLength: 1, maxLength: 3 }), { selector: (s) => s.join("."), maxLength: 12 }),
        (paths) => {
          const source = [f("INBOX"), ...paths.map((p) => f(`INBOX.${p.join(".")}`))];
          const plan = planFolders(source, OLD, destFolders, NEW, { exclude: ["zz*"] });
          const mapped = plan.groups.flatMap((g) => g.sourceNames);
          assert.equal(mapped.length + plan.excluded.length, source.length);
          assert.equal(new Set(mapped).size, mapped.length);
        },
      ),
    );
  });
});
