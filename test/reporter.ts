// Mocha's spec reporter plus one closing line, "mocha: N passed, N failed", that CI reads.
import Mocha from "mocha";

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    runner.on("pass", () => (passed += 1));
    runner.on("fail", () => (failed += 1));
    runner.on("pending", () => (skipped += 1));
    runner.once("end", () => {
      process.stdout.write(`\nmocha: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    });
  }
}

export = SpecWithTotals;
