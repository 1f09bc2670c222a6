// The scale benchmark's machine columns: CPU shares and disk traffic read from /proc between two snapshots.
import { strict as assert } from "node:assert";
import { machineUse, parseSnapshot, snapshot } from "../../../bench/machine";

const stat = (user: number, system: number, idle: number, iowait: number) =>
  `cpu  ${user} 0 ${system} ${idle} ${iowait} 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1\n`;
const vmstat = (inKiB: number, outKiB: number) => `nr_free_pages 5\npgpgin ${inKiB}\npgpgout ${outKiB}\npswpin 0\n`;

describe("bench machine use", () => {
  it("splits the CPUs' time into busy, waiting for the disk and idle, and turns page counters into MB", () => {
    const a = parseSnapshot(stat(100, 50, 1000, 10), vmstat(2048, 4096));
    const b = parseSnapshot(stat(160, 80, 1010, 30), vmstat(2048 + 10 * 1024, 4096 + 30 * 1024));
    const u = machineUse(a, b);
    // 90 busy, 20 iowait, 10 idle jiffies out of 120
    assert.equal(u.busyPct, 75);
    assert.ok(Math.abs(u.iowaitPct - 16.67) < 0.01);
    assert.ok(Math.abs(u.idlePct - 8.33) < 0.01);
    assert.equal(u.diskReadMB, 10);
    assert.equal(u.diskWrittenMB, 30);
  });

  it("names what /proc did not have", () => {
    assert.throws(() => parseSnapshot("intr 1\n", vmstat(1, 1)), /no cpu line/);
    assert.throws(() => parseSnapshot(stat(1, 1, 1, 1), "pgpgin 5\n"), /no pgpgout/);
  });

  it("reads this machine's counters", () => {
    const s = snapshot();
    assert.ok(s.busy + s.idle > 0 && s.readKiB >= 0 && s.writtenKiB >= 0);
  });
});
