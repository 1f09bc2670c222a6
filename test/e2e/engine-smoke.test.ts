// The real Pulumi engine, built by scripts/pulumi.sh, running a file-writing dynamic resource end to end two
// ways: the Automation API with an inline program (needs no language host), and the `pulumi` CLI on a
// Pulumi.yaml project (needs pulumi-language-nodejs, built from sdk v3.68.0: see scripts/pulumi.sh).
// Local file:// backend, passphrase secrets, no update checks, no plugin downloads.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalWorkspace, PulumiCommand, type EngineEvent, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import { repoRoot } from "../../harness/repoRoot";
import { fileProgram } from "./fixtures/fileResource";

const FILE_TYPE = "pulumi-nodejs:dynamic/smoke:File";
const CONTENT = "written by the dynamic provider\n";

/** Runs scripts/pulumi.sh (builds the CLI on first use) and returns its bin directory; undefined when it cannot (exit 3). */
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

/** The environment every engine run here gets; `bin` holds pulumi and its plugins. */
function engineEnv(bin: string, tmp: string): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${path.join(tmp, "backend")}`,
    PULUMI_HOME: path.join(tmp, "home"),
    PULUMI_CONFIG_PASSPHRASE: "engine-smoke-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    // The plugins run `node` (this Node 22 first, not the system's) and resolve @pulumi/pulumi from their
    // working directory (a temp project directory here), then from NODE_PATH.
    PATH: [path.dirname(process.execPath), bin, process.env.PATH ?? ""].join(path.delimiter),
    NODE_PATH: path.join(repoRoot(), "node_modules"),
  };
}

/** A fresh temp folder with the backend, PULUMI_HOME and output folders the runs use. */
function makeTemp(): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-engine-smoke-"));
  for (const d of ["backend", "home", "out", "work"]) fs.mkdirSync(path.join(tmp, d));
  return tmp;
}

/** PulumiCommand.get wants an installation root holding bin/pulumi; a pulumi on PATH may live elsewhere. */
function installRoot(bin: string, tmp: string): string {
  if (path.basename(bin) === "bin") return path.dirname(bin);
  const root = path.join(tmp, "pulumi-root");
  fs.mkdirSync(root);
  fs.symlinkSync(bin, path.join(root, "bin"));
  return root;
}

/** ensureEngine for a mocha hook: allows a first build's time, and skips the suite only when Go is absent. */
function requireEngine(ctx: Mocha.Context): string {
  ctx.timeout(45 * 60_000); // a first build on a fresh machine takes ~9 minutes on 2 cores
  const bin = ensureEngine();
  if (!bin) {
    console.warn("    skipped: no pulumi on PATH and no Go toolchain for this platform to build one (scripts/pulumi.sh exit 3)");
    ctx.skip();
  }
  return bin;
}

/** The engine operations announced for resources of one type, in order. */
function opsOf(events: EngineEvent[], type: string): string[] {
  return events.flatMap((e) => (e.resourcePreEvent?.metadata.type === type ? [e.resourcePreEvent.metadata.op] : []));
}

/** Every counted change that is not "same", so an empty object means the run changed nothing. */
function changesOf(ops: OpMap | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(ops ?? {}).filter(([op, n]) => op !== "same" && (n ?? 0) > 0)) as Record<string, number>;
}

describe("the real Pulumi engine, Automation API inline program: a dynamic resource through preview, up, refresh and destroy", function () {
  this.timeout(300_000); // each engine run takes seconds; the margin is for a busy 2-core CI machine
  let tmp = "";
  let target = "";
  let stack: Stack;

  before(async function () {
    const bin = requireEngine(this);
    tmp = makeTemp();
    target = path.join(tmp, "out", "note.txt");
    const env = engineEnv(bin, tmp);
    stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "smoke", projectName: "engine-smoke", program: fileProgram(target, CONTENT) },
      {
        workDir: path.join(tmp, "work"),
        pulumiHome: env.PULUMI_HOME,
        pulumiCommand: await PulumiCommand.get({ root: installRoot(bin, tmp), skipVersionCheck: true }),
        projectSettings: { name: "engine-smoke", runtime: "nodejs", backend: { url: env.PULUMI_BACKEND_URL } },
        envVars: env,
      },
    );
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("preview plans one File to create and writes nothing", async () => {
    const events: EngineEvent[] = [];
    const r = await stack.preview({ onEvent: (e) => events.push(e) });
    assert.deepEqual(opsOf(events, FILE_TYPE), ["create"]);
    assert.equal(r.changeSummary.create, 2, "the stack and the File");
    assert.equal(fs.existsSync(target), false, "preview must not run the provider's create");
  });

  it("up runs the provider: the file is on disk with the declared content", async () => {
    const events: EngineEvent[] = [];
    const r = await stack.up({ onEvent: (e) => events.push(e) });
    assert.equal(r.summary.result, "succeeded");
    assert.deepEqual(opsOf(events, FILE_TYPE), ["create"]);
    assert.equal(fs.readFileSync(target, "utf8"), CONTENT);
    assert.equal(r.outputs.content?.value, CONTENT);
  });

  it("a second up changes nothing", async () => {
    const before = fs.statSync(target).mtimeMs;
    const events: EngineEvent[] = [];
    const r = await stack.up({ onEvent: (e) => events.push(e) });
    assert.deepEqual(changesOf(r.summary.resourceChanges), {});
    assert.deepEqual(opsOf(events, FILE_TYPE), ["same"]);
    assert.equal(fs.statSync(target).mtimeMs, before, "the file was not rewritten");
  });

  it("refresh reads drift from disk into the state, and the next up puts the declared content back", async () => {
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

  it("destroy runs the provider's delete: the file is gone and the state holds no resources", async () => {
    const r = await stack.destroy();
    assert.equal(r.summary.result, "succeeded");
    assert.equal(fs.existsSync(target), false);
    const state = (await stack.exportStack()).deployment as { resources?: unknown[] };
    assert.deepEqual(state.resources ?? [], []);
  });
});

/** Every file below a folder (the file backend keeps state, history and backups there). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

interface PreviewJson {
  changeSummary: Record<string, number>;
  steps: { op: string; urn: string }[];
}

describe("the real Pulumi engine, pulumi CLI on a Pulumi.yaml project: preview, up, up, preview --refresh, destroy", function () {
  this.timeout(300_000);
  const CLI_CONTENT = "written through pulumi up";
  const TOKEN = `smoke-token-${randomBytes(12).toString("hex")}`;
  let tmp = "";
  let target = "";
  let pulumi: (...args: string[]) => string;

  /** The ops `pulumi preview --json` plans for the File resource. */
  const fileOps = (p: PreviewJson): string[] => p.steps.filter((x) => x.urn.endsWith(`::${FILE_TYPE}::note`)).map((x) => x.op);

  before(function () {
    const bin = requireEngine(this);
    tmp = makeTemp();
    target = path.join(tmp, "out", "note.txt");
    const project = path.join(tmp, "work");
    // The project lives outside the repository, so its program requires the compiled fixture by path and
    // @pulumi/pulumi resolves through NODE_PATH (engineEnv).
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: engine-smoke-cli\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "engine-smoke-cli", main: "index.js" }));
    const fixture = path.join(__dirname, "fixtures", "fileResource.js");
    fs.writeFileSync(path.join(project, "index.js"), `module.exports = require(${JSON.stringify(fixture)}).configProgram();\n`);
    const env = { ...process.env, ...engineEnv(bin, tmp) };
    pulumi = (...args) => {
      const r = spawnSync(path.join(bin, "pulumi"), [...args, "--non-interactive"], {
        cwd: project,
        env,
        encoding: "utf8",
        timeout: 180_000,
      });
      if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    pulumi("stack", "init", "smoke");
    pulumi("config", "set", "path", target);
    pulumi("config", "set", "content", CLI_CONTENT);
    pulumi("config", "set", "--secret", "token", TOKEN);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("pulumi preview plans one File to create and writes nothing", () => {
    const p = JSON.parse(pulumi("preview", "--json")) as PreviewJson;
    assert.deepEqual(fileOps(p), ["create"]);
    assert.deepEqual(p.changeSummary, { create: 2 }, "the stack and the File");
    assert.equal(fs.existsSync(target), false, "preview must not run the provider's create");
  });

  it("pulumi up writes the file from stack config, and the stack output carries its content", () => {
    pulumi("up", "--yes", "--skip-preview");
    assert.equal(fs.readFileSync(target, "utf8"), CLI_CONTENT);
    assert.equal(pulumi("stack", "output", "content").trim(), CLI_CONTENT);
  });

  it("a secret from stack config is encrypted at rest: its plain text is in no state or config file", () => {
    assert.equal(pulumi("stack", "output", "token").trim(), "[secret]");
    assert.equal(pulumi("stack", "output", "token", "--show-secrets").trim(), TOKEN, "the engine can still decrypt it");
    const files = [...filesUnder(path.join(tmp, "backend")), ...filesUnder(path.join(tmp, "work"))];
    assert.ok(
      files.some((f) => f.endsWith(path.join("engine-smoke-cli", "smoke.json"))),
      `the stack's state file is among ${files.join(", ")}`,
    );
    for (const f of files) assert.equal(fs.readFileSync(f, "utf8").includes(TOKEN), false, `${f} holds the secret in plain text`);
  });

  it("pulumi up again changes nothing (--expect-no-changes succeeds, the file is not rewritten)", () => {
    const before = fs.statSync(target).mtimeMs;
    const p = JSON.parse(pulumi("preview", "--json")) as PreviewJson;
    assert.deepEqual(p.changeSummary, { same: 2 });
    pulumi("up", "--yes", "--skip-preview", "--expect-no-changes");
    assert.equal(fs.statSync(target).mtimeMs, before);
  });

  it("pulumi preview --refresh shows drift without touching it, and pulumi up --refresh puts the content back", () => {
    fs.writeFileSync(target, "edited by hand");
    const p = JSON.parse(pulumi("preview", "--refresh", "--json")) as PreviewJson;
    assert.deepEqual(fileOps(p), ["refresh", "update"]);
    assert.equal(p.changeSummary.update, 1);
    assert.equal(fs.readFileSync(target, "utf8"), "edited by hand", "preview leaves the drift in place");
    pulumi("up", "--yes", "--skip-preview", "--refresh");
    assert.equal(fs.readFileSync(target, "utf8"), CLI_CONTENT);
  });

  it("pulumi destroy deletes the file, and the exported state holds no resources", () => {
    pulumi("destroy", "--yes", "--skip-preview");
    assert.equal(fs.existsSync(target), false);
    const state = JSON.parse(pulumi("stack", "export")) as { deployment: { resources?: unknown[] } };
    assert.deepEqual(state.deployment.resources ?? [], []);
  });
});
