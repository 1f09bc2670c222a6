// The real Pulumi engine, built by scripts/pulumi.sh, running a dynamic resource end to end through the
// Automation API with an inline program (no Node.js language host exists here: see scripts/pulumi.sh).
// Local file:// backend, passphrase secrets, no update checks, no plugin downloads.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalWorkspace, PulumiCommand, type EngineEvent, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import { repoRoot } from "../harness/repoRoot";
import { fileProgram } from "./fixtures/fileResource";

const FILE_TYPE = "pulumi-nodejs:dynamic/smoke:File";
const CONTENT = "written by the dynamic provider\n";

/** Runs scripts/pulumi.sh (builds the CLI on first use) and returns its bin directory, or undefined without Go. */
function ensureEngine(): string | undefined {
  const r = spawnSync("bash", [path.join(repoRoot(), "scripts", "pulumi.sh")], {
    stdio: ["ignore", "pipe", "inherit"], // the build's progress shows in the test log
    encoding: "utf8",
  });
  if (r.status === 3) return undefined;
  if (r.status !== 0) throw new Error(`scripts/pulumi.sh exited with ${r.status ?? r.signal}; its stderr above says why`);
  const lines = r.stdout.trim().split("\n");
  const bin = lines[lines.length - 1];
  if (!bin || !fs.existsSync(path.join(bin, "pulumi"))) throw new Error(`scripts/pulumi.sh printed "${bin}", which holds no pulumi`);
  return bin;
}

/** PulumiCommand.get wants an installation root holding bin/pulumi; a pulumi on PATH may live elsewhere. */
function installRoot(bin: string, tmp: string): string {
  if (path.basename(bin) === "bin") return path.dirname(bin);
  const root = path.join(tmp, "pulumi-root");
  fs.mkdirSync(root);
  fs.symlinkSync(bin, path.join(root, "bin"));
  return root;
}

/** The engine operations announced for resources of one type, in order. */
function opsOf(events: EngineEvent[], type: string): string[] {
  return events.flatMap((e) => (e.resourcePreEvent?.metadata.type === type ? [e.resourcePreEvent.metadata.op] : []));
}

/** Every counted change that is not "same", so an empty object means the run changed nothing. */
function changesOf(ops: OpMap | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(ops ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0)) as Record<string, number>;
}

describe("the real Pulumi engine: a dynamic resource through preview, up, refresh and destroy", function () {
  let tmp = "";
  let target = "";
  let stack: Stack;

  before(async function () {
    this.timeout(45 * 60_000); // a first build on a fresh machine takes ~7 minutes on 2 cores
    const bin = ensureEngine();
    if (!bin) {
      console.warn("    skipped: no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-engine-smoke-"));
    const backend = path.join(tmp, "backend");
    const work = path.join(tmp, "work");
    for (const d of [backend, work, path.join(tmp, "home"), path.join(tmp, "out")]) fs.mkdirSync(d);
    target = path.join(tmp, "out", "note.txt");

    const backendUrl = `file://${backend}`;
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "smoke", projectName: "engine-smoke", program: fileProgram(target, CONTENT) },
      {
        workDir: work,
        pulumiHome: path.join(tmp, "home"),
        pulumiCommand: await PulumiCommand.get({ root: installRoot(bin, tmp), skipVersionCheck: true }),
        projectSettings: { name: "engine-smoke", runtime: "nodejs", backend: { url: backendUrl } },
        envVars: {
          PULUMI_BACKEND_URL: backendUrl,
          PULUMI_CONFIG_PASSPHRASE: "engine-smoke-passphrase",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
          // The dynamic-provider plugin runs `node` (this Node 22 first) and resolves @pulumi/pulumi from
          // its working directory (the temp workDir here), then from NODE_PATH.
          PATH: [path.dirname(process.execPath), bin, process.env.PATH ?? ""].join(path.delimiter),
          NODE_PATH: path.join(repoRoot(), "node_modules"),
        },
      },
    );
  });

  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("preview plans one File to create and writes nothing", async function () {
    this.timeout(120_000);
    const events: EngineEvent[] = [];
    const r = await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(opsOf(events, FILE_TYPE), ["create"]);
    assert.equal(r.changeSummary.create, 2, "the stack and the File");
    assert.equal(fs.existsSync(target), false, "preview must not run the provider's create");
  });

  it("up runs the provider: the file is on disk with the declared content", async function () {
    this.timeout(120_000);
    const events: EngineEvent[] = [];
    const r = await stack.up({ onEvent: (e) => events.push(e) });
    assert.equal(r.summary.result, "succeeded");
    assert.deepEqual(opsOf(events, FILE_TYPE), ["create"]);
    assert.equal(fs.readFileSync(target, "utf8"), CONTENT);
    assert.equal(r.outputs.content?.value, CONTENT);
  });

  it("a second up changes nothing", async function () {
    this.timeout(120_000);
    const before = fs.statSync(target).mtimeMs;
    const events: EngineEvent[] = [];
    const r = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(changesOf(r.summary.resourceChanges), {});
    assert.deepEqual(opsOf(events, FILE_TYPE), ["same"]);
    assert.equal(fs.statSync(target).mtimeMs, before, "the file was not rewritten");
  });

  it("refresh reads drift from disk into the state, and the next up puts the declared content back", async function () {
    this.timeout(180_000);
    const same = await stack.refresh();
    assert.deepEqual(changesOf(same.summary.resourceChanges), {}, "an untouched file refreshes as unchanged");

    fs.writeFileSync(target, "edited by hand\n");
    const drift = await stack.refresh();
    assert.deepEqual(changesOf(drift.summary.resourceChanges), { update: 1 });
    const state = (await stack.exportStack()).deployment as { resources?: { type: string; outputs?: { content?: string } }[] };
    assert.equal(state.resources?.find((x) => x.type === FILE_TYPE)?.outputs?.content, "edited by hand\n");

    const events: EngineEvent[] = [];
    const r = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(opsOf(events, FILE_TYPE), ["update"]);
    assert.deepEqual(changesOf(r.summary.resourceChanges), { update: 1 });
    assert.equal(fs.readFileSync(target, "utf8"), CONTENT);
  });

  it("destroy runs the provider's delete: the file is gone and the state holds no resources", async function () {
    this.timeout(120_000);
    const r = await stack.destroy();
    assert.equal(r.summary.result, "succeeded");
    assert.equal(fs.existsSync(target), false);
    const state = (await stack.exportStack()).deployment as { resources?: unknown[] };
    assert.deepEqual(state.resources ?? [], []);
  });
});
