import { strict as assert } from "node:assert";

describe("foundation", () => {
  it("runs on the Node 22 that the set-up brings", () => {
    const major = Number(process.versions.node.split(".")[0]);
    assert.ok(major >= 22, `expected Node 22 or newer, got ${process.version}`);
  });
});
