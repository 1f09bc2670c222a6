import { strict as assert } from "node:assert";
import { laneOrder } from "../../../engine/passPlan";

const group = (...messages: (number | undefined)[]) => ({
  sources: messages.map((m, i) => ({ path: `F${i}`, delimiter: "/", selectable: true, ...(m === undefined ? {} : { messages: m }) })),
});

describe("the order folders go to a mailbox's lanes", () => {
  it("starts with the largest folder, so a big folder late in the plan does not run on alone at the end", () => {
    const plan = [group(1174), group(118), group(0), group(372), group(99)];
    assert.deepEqual(laneOrder(plan), [0, 3, 1, 4, 2]);
  });
  it("counts every source folder merged into one destination folder", () => {
    assert.deepEqual(laneOrder([group(50), group(30, 40)]), [1, 0]);
  });
  it("keeps the plan's order for ties, and where the server gave no counts", () => {
    assert.deepEqual(laneOrder([group(5), group(5), group(7)]), [2, 0, 1]);
    assert.deepEqual(laneOrder([group(undefined), group(undefined), group(undefined)]), [0, 1, 2]);
    assert.deepEqual(laneOrder([]), []);
  });
});
