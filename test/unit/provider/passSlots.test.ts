// The provider host's limit on passes at once (sync-many's --parallel default), and its override.
import { strict as assert } from "node:assert";
import { DEFAULT_PASSES, Slots, passLimit } from "../../../providers/mailboxMigration/passSlots";

describe("MailboxMigration passes at once (passSlots)", () => {
  it("is sync-many's default, unless MAILSHIFT_PROVIDER_PARALLEL names a positive whole number", () => {
    assert.equal(DEFAULT_PASSES, 4);
    assert.equal(passLimit({}), 4);
    assert.equal(passLimit({ MAILSHIFT_PROVIDER_PARALLEL: "8" }), 8);
    for (const bad of ["0", "-2", "2.5", "many", ""]) assert.equal(passLimit({ MAILSHIFT_PROVIDER_PARALLEL: bad }), 4, bad);
  });

  it("runs at most `size` passes at once, the others in the order they asked", async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const pass = async (i: number) => {
      const release = await slots.take();
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      running--;
      release();
      release(); // a second release gives nothing back twice
    };
    await Promise.all(Array.from({ length: 7 }, (_, i) => pass(i)));
    assert.equal(most, 2);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(slots.full, false, "every slot is free again");
  });
});
