// examples/ci-matrix/migrate.yml: the GitHub Actions workflow that runs the domain stack, then every wave stack
// at once. Read as GitHub reads it (YAML), checked against the example stacks and the scripts it calls.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../../harness/repoRoot";
import { rawMailshift } from "../plan/stackFiles";

// js-yaml ships with @pulumi/pulumi (and is a devDependency); its one function typed by hand
const yaml = require("js-yaml") as { load(text: string): unknown };

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
  strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = () => yaml.load(fs.readFileSync(path.join(repoRoot(), "examples", "ci-matrix", "migrate.yml"), "utf8")) as Workflow;

describe("examples/ci-matrix: the domain stack, then its waves in a matrix", () => {
  it("runs the domain stack first, then one job per wave stack of production's mailshift:waves, none cancelling the others", () => {
    const w = workflow();
    assert.deepEqual(Object.keys(w.jobs), ["domain", "waves"]);
    assert.ok(w.jobs.domain!.steps.some((s) => s.run === "bash scripts/up.sh production"));
    const waves = w.jobs.waves!;
    assert.equal(waves.needs, "domain");
    assert.equal(waves.strategy?.["fail-fast"], false);
    // the matrix is the domain stack's waves, by stack name (the last part of each reference name)
    const declared = Object.values(rawMailshift("production").waves as Record<string, string>).map((r) => r.split("/").pop());
    assert.deepEqual(waves.strategy?.matrix?.stack, declared);
    assert.ok(waves.steps.some((s) => s.run === "bash scripts/up.sh ${{ matrix.stack }}"));
  });

  it("gives every job the state backend and the secrets provider from the repository's secrets", () => {
    const w = workflow();
    assert.equal(w.env.PULUMI_BACKEND_URL, "${{ secrets.PULUMI_BACKEND_URL }}");
    assert.equal(w.env.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
  });

  it("builds the program with Node 22 and installs the Pulumi CLI in each job; every script it calls exists", () => {
    for (const [name, job] of Object.entries(workflow().jobs)) {
      assert.ok(
        job.steps.some((s) => s.uses?.startsWith("actions/setup-node@") && s.with?.["node-version"] === 22),
        `${name}: Node 22`,
      );
      assert.ok(
        job.steps.some((s) => s.run === "npm ci && npm run build"),
        `${name}: npm ci && npm run build`,
      );
      assert.ok(
        job.steps.some((s) => s.uses?.startsWith("pulumi/actions@")),
        `${name}: the Pulumi CLI`,
      );
      for (const s of job.steps)
        for (const m of (s.run ?? "").matchAll(/\b(scripts\/[\w.-]+)/g))
          assert.ok(fs.existsSync(path.join(repoRoot(), m[1]!)), `${name}: ${m[1]} exists`);
    }
  });
});
