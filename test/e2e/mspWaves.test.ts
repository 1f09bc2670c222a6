// The MSP rehearsal under the real Pulumi engine: an old host the stacks reach with only an administrator's login
// (a Dovecot master user; no user's own password anywhere), over implicit TLS from a private CA that only the stack
// names (no NODE_EXTRA_CA_CERTS), folder renames and an exclude, quotas sized from an audit taken with one
// `mailshift audit-many --all-users` command, and the mailboxes split into two waves (plan/waves.ts): one domain
// stack that moves the stages and two wave stacks that read it through a StackReference and copy at the same time,
// each run by scripts/up.sh as the CI example runs it. Counts are read from the maildirs.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readCorpus } from "../../harness/corpus";
import { Dovecot, ensureDovecot, processIdentity } from "../../harness/dovecot";
import { repoRoot } from "../../harness/repoRoot";
import { makeTestPki, type TestPki } from "../../harness/tls";
import { parseAuditLines } from "../../plan/config";
import { countMaildir, ensureEngine } from "../../sandbox/session";

const OLD_NAME = "imap.old.sandbox.test";
const NEW_NAME = "imap.new.sandbox.test";
const WAVES = { "wave-a": ["ann", "ben"], "wave-b": ["cat", "dan"] } as const;
type Wave = keyof typeof WAVES;
type Stack = Wave | "domain";
/** Stack reference names on the file backend: organization/<project>/<stack>. */
const ref = (stack: Stack) => `organization/mailshift-msp/${stack}`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv; stdin?: string }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

describe("MSP rehearsal under the real Pulumi engine: admin login only, private CA, renames, one audit command, two waves at once", function () {
  this.timeout(600_000);
  const master = { user: "mspadmin", password: "msp-master-secret-4" };
  // the new host's administrator: copies log in with it, not with the new accounts' passwords people may change
  const newMaster = { user: "newadmin", password: "new-master-secret-7" };
  let pki: TestPki;
  let old: Dovecot;
  let fresh: Dovecot;
  let bin: string;
  let dir: string;
  const loaded: Record<string, { inbox: number; projects: number; junk: number }> = {};

  const pulumiEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`,
      PULUMI_HOME: path.join(dir, "home"),
      PULUMI_CONFIG_PASSPHRASE: "mailshift-msp-rehearsal",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      NODE_OPTIONS: [process.env.NODE_OPTIONS ?? "", "--disable-warning=DEP0123"].join(" ").trim(),
      PATH: [path.dirname(process.execPath), bin, process.env.PATH ?? ""].join(path.delimiter),
      NODE_PATH: path.join(repoRoot(), "node_modules"),
    };
    // the CA must come from the stack (oldHost.ca, newHost.ca), not from the environment
    delete env.NODE_EXTRA_CA_CERTS;
    return env;
  };
  const pulumiMay = (stack: Stack, args: string[], stdin?: string): Promise<Run> =>
    run(path.join(bin, "pulumi"), [...args, "--stack", stack, "--non-interactive"], {
      cwd: path.join(dir, "project"),
      env: pulumiEnv(),
      ...(stdin !== undefined ? { stdin } : {}),
    });
  const pulumi = async (stack: Stack, args: string[], stdin?: string): Promise<Run> => {
    const r = await pulumiMay(stack, args, stdin);
    assert.equal(r.status, 0, `pulumi ${args.join(" ")} (${stack}) exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  /** `pulumi up` of a stack through the runner script the CI example (examples/ci-matrix) runs. */
  const up = async (stack: Stack): Promise<Run> => {
    const r = await run("bash", [path.join(repoRoot(), "scripts", "up.sh"), stack], {
      env: { ...pulumiEnv(), MAILSHIFT_PROJECT_DIR: path.join(dir, "project") },
    });
    assert.equal(r.status, 0, `scripts/up.sh ${stack} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const outputs = async <T>(stack: Stack): Promise<T> => JSON.parse((await pulumi(stack, ["stack", "output", "--json"])).stdout) as T;
  const bothWaves = <T>(f: (w: Wave) => Promise<T>) => Promise.all((Object.keys(WAVES) as Wave[]).map(f));
  /** Both waves' `pulumi up` at once; asserts that they overlapped in time. */
  const wavesUp = async (what: string) => {
    const started = Date.now();
    const spans = await bothWaves(async (wave) => {
      const from = Date.now();
      await up(wave);
      return [from, Date.now()] as const;
    });
    console.log(`      both waves ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const [a, b] = spans as [readonly [number, number], readonly [number, number]];
    assert.ok(a[0] < b[1] && b[0] < a[1], "the two `pulumi up` ran at the same time");
  };
  const setStage = async (stack: Stack, stage: string) => {
    await pulumi(stack, ["config", "set", "mailshift:stage", stage]);
  };
  const destination = (u: string) => `${u}@mail2.example.com`;

  before(async function () {
    this.timeout(45 * 60_000);
    const engine = ensureEngine();
    if (!engine) {
      if (process.env.CI) assert.fail("no pulumi CLI and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      console.warn("    skipped: no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      this.skip();
    }
    bin = engine!;
    ensureDovecot();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-msp-"));
    pki = makeTestPki();
    const users = Object.values(WAVES).flat();
    [old, fresh] = await Promise.all([
      Dovecot.start({
        layout: "old",
        name: "msp-old",
        tls: pki.server,
        keepDir: false,
        masterUsers: [master],
        listableUsers: true,
        // each user's own password exists on the host but is never given to mailshift
        users: users.map((u) => ({ user: u, password: `${u}-own-${Math.random().toString(36).slice(2)}` })),
      }),
      Dovecot.start({ layout: "new", name: "msp-new", tls: pki.server, keepDir: false, users: [], masterUsers: [newMaster] }),
    ]);
    const ham = readCorpus("easy_ham", 200);
    const spam = readCorpus("spam", 40);
    for (const [i, u] of users.entries()) {
      const inbox = ham.slice(i * 40, i * 40 + 25 + i);
      const projects = ham.slice(i * 40 + 30, i * 40 + 38);
      const junk = spam.slice(i * 10, i * 10 + 5);
      loaded[u] = { inbox: inbox.length, projects: projects.length, junk: junk.length };
      // into the Maildir: the old host takes no plaintext login and this process trusts no test CA
      await old.storeAsIs(u, "INBOX", inbox);
      await old.storeAsIs(u, "Projects", projects);
      await old.storeAsIs(u, "Junk", junk);
    }
    for (const d of ["project", "backend", "home"]) fs.mkdirSync(path.join(dir, d));
    const project = path.join(dir, "project");
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: mailshift-msp\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "mailshift-msp", main: "index.js" }));
    const program = path.join(repoRoot(), "dist", "sandbox", "program.js");
    fs.writeFileSync(path.join(project, "index.js"), `module.exports = require(${JSON.stringify(program)});\n`);
  });

  after(async () => {
    await Promise.all([old?.stop(), fresh?.stop()]);
    pki?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const auditFile = () => path.join(dir, "audit.jsonl");

  it("audits every user of the old host in one command, as the administrator, over TLS with the private CA", async () => {
    const usersFile = path.join(dir, "users.txt");
    // on the old host: `doveadm user '*' > users.txt` (exit 75 after a complete listing: see harness listableUsers)
    const listing = await run("doveadm", ["-c", old.confPath, "user", "*"], { env: process.env });
    assert.deepEqual(listing.stdout.split("\n").filter(Boolean).sort(), ["ann", "ben", "cat", "dan"], listing.stderr);
    fs.writeFileSync(usersFile, listing.stdout);
    const r = await run(
      process.execPath,
      [
        path.join(repoRoot(), "bin", "mailshift.js"),
        "audit-many",
        "--all-users",
        "--from",
        `imaps://127.0.0.1:${old.imapsPort}`,
        "--from-admin",
        master.user,
        "--users",
        usersFile,
        "--ca",
        pki.caFile,
        "--out",
        auditFile(),
      ],
      { env: { ...pulumiEnv(), MAILSHIFT_FROM_PASSWORD: master.password } },
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const audited = parseAuditLines(fs.readFileSync(auditFile(), "utf8"), auditFile());
    assert.deepEqual(Object.keys(audited).sort(), ["ann", "ben", "cat", "dan"]);
    for (const v of Object.values(audited)) assert.ok(v > 0);
  });

  const yamlConfig = (c: Record<string, unknown>) =>
    `config:\n${Object.entries(c)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
      .join("\n")}\n`;

  it("one domain stack holds the shared configuration; each wave stack only names it, its wave and its secrets", async () => {
    const id = processIdentity();
    const domain = {
      "mailshift:domain": "example.com",
      "mailshift:subdomain": "mail2.example.com",
      "mailshift:stage": "prepare",
      "mailshift:cloudflare": { zoneId: "0".repeat(32) },
      "mailshift:oldHost": {
        imapHost: OLD_NAME,
        imapPort: old.imapsPort,
        tls: "implicit",
        ca: pki.caFile,
        admin: master.user,
        folders: { rename: { Projects: "Work" }, exclude: ["Junk"] },
        mx: [{ host: "mx.oldhost.example.net", priority: 10 }],
        spf: "include:_spf.oldhost.example.net",
      },
      "mailshift:newHost": {
        kind: "dovecot",
        ssh: { host: "127.0.0.1", port: 22, user: "root" },
        passwdFile: path.join(fresh.dir, "users", "%u"),
        maildirRoot: path.join(fresh.dir, "mail"),
        uid: String(id.uid),
        gid: String(id.gid),
        mx: "mx.newhost.example.net",
        spf: "a:mx.newhost.example.net",
        imapHost: NEW_NAME,
        imapPort: fresh.imapsPort,
        ca: pki.caFile,
        admin: newMaster.user,
        defaultQuota: "1GB",
      },
      "mailshift:auditFile": auditFile(),
      // This test has no DNS: the domain stack declares no records (no mailshift-sandbox:zone), so the two DNS gates
      // into cutover are passed over on purpose, recorded in gateState (sandbox.test.ts and gates.test.ts prove
      // them against NSD). migrations-verified, preflight, time-since-cutover and final-pass-verified are asked.
      "mailshift:gates": { finalizeAfter: 0 },
      "mailshift:override": {
        gates: ["ttl-propagated", "delegation"],
        reason: "mspWaves e2e: no DNS on this machine for the domain stack; the waves' copies are what is rehearsed",
      },
      "mailshift:waves": { "wave-a": ref("wave-a"), "wave-b": ref("wave-b") },
      "mailshift:mailboxes": Object.entries(WAVES).flatMap(([wave, users]) =>
        users.map((u) => ({ address: `${u}@example.com`, sourceUser: u, route: "imap", quota: "auto", wave })),
      ),
    };
    fs.writeFileSync(path.join(dir, "project", "Pulumi.domain.yaml"), yamlConfig(domain));
    await pulumi("domain", ["stack", "init"]);
    await bothWaves(async (wave) => {
      fs.writeFileSync(
        path.join(dir, "project", `Pulumi.${wave}.yaml`),
        yamlConfig({
          "mailshift:domainStack": ref("domain"),
          "mailshift:wave": wave,
          "mailshift-sandbox:hosts": { [OLD_NAME]: "127.0.0.1", [NEW_NAME]: "127.0.0.1" },
        }),
      );
      await pulumi(wave, ["stack", "init"]);
      await pulumi(wave, ["config", "set", "--secret", "mailshift:oldHostAdminPassword"], master.password);
      await pulumi(wave, ["config", "set", "--secret", "mailshift:newHostAdminPassword"], newMaster.password);
      for (const u of WAVES[wave])
        await pulumi(wave, ["config", "set", "--secret", "--path", `mailshift:passwords["${u}@example.com"].destination`], `new-${u}-pw`);
    });
    // a wave stack's file: its two keys, the sandbox's hosts map, and secrets (encrypted), nothing of the domain's
    const yaml = require("js-yaml") as { load(text: string): unknown };
    const leaves = (v: unknown): unknown[] => (v && typeof v === "object" && !("secure" in v) ? Object.values(v).flatMap(leaves) : [v]);
    for (const wave of Object.keys(WAVES) as Wave[]) {
      const text = fs.readFileSync(path.join(dir, "project", `Pulumi.${wave}.yaml`), "utf8");
      const config = (yaml.load(text) as { config: Record<string, unknown> }).config;
      const own = Object.keys(config).filter((k) => k.startsWith("mailshift:"));
      assert.deepEqual(
        own.filter((k) => k !== "mailshift:domainStack" && k !== "mailshift:wave").sort(),
        ["mailshift:newHostAdminPassword", "mailshift:oldHostAdminPassword", "mailshift:passwords"],
        `${wave} holds no domain key: ${text}`,
      );
      for (const k of ["mailshift:newHostAdminPassword", "mailshift:oldHostAdminPassword", "mailshift:passwords"])
        for (const leaf of leaves(config[k])) assert.ok(leaf && typeof leaf === "object" && "secure" in leaf, `${wave}: ${k} is a secret`);
    }
    // prepare, then copy: the domain moves first; it exports waveInputs, without any secret
    await up("domain");
    await setStage("domain", "copy");
    await up("domain");
    const d = await outputs<{
      stage: string;
      waveInputs: { stage: string; config: Record<string, unknown>; audits: Record<string, number> };
    }>("domain");
    assert.equal(d.waveInputs.stage, "copy");
    assert.deepEqual(Object.keys(d.waveInputs.audits).sort(), ["ann", "ben", "cat", "dan"]);
    assert.ok(!("auditFile" in d.waveInputs.config), "the audits travel read, not as a path");
    const shown = (await pulumi("domain", ["stack", "output", "--json", "--show-secrets"])).stdout;
    assert.ok(!shown.includes(master.password) && !shown.includes(newMaster.password), "no secret in the domain's outputs");
  });

  it("the domain is blocked into cutover while the waves have not copied, naming each mailbox", async () => {
    await setStage("domain", "cutover");
    const r = await pulumiMay("domain", ["up", "--yes", "--skip-preview"]);
    assert.notEqual(r.status, 0, "the move to cutover must fail before any wave copied");
    const said = r.stdout + r.stderr;
    assert.match(said, /the move from copy to cutover is blocked/);
    for (const u of Object.values(WAVES).flat())
      assert.match(said, new RegExp(`\\[migrations-verified\\] ${u}@example\\.com: no copy deployed yet`), said);
    await setStage("domain", "copy");
  });

  it("both waves copy at the same time, each its own mailboxes, with only the admin's password, renames and the audit's quotas", async () => {
    await wavesUp("copied");
    for (const u of Object.values(WAVES).flat()) {
      const m = fresh.maildir(destination(u));
      assert.equal(countMaildir(m), loaded[u]!.inbox + loaded[u]!.projects, `${u}: INBOX and Projects, not Junk`);
      assert.equal(countMaildir(path.join(m, "Work")), loaded[u]!.projects, `${u}: Projects arrived as Work`);
      assert.ok(!fs.existsSync(path.join(m, "Projects")), `${u}: no Projects folder on the new host`);
    }
    for (const wave of Object.keys(WAVES) as Wave[]) {
      const out = await outputs<{ stage: string; wave: string; plannedMigrations: { source: string; copy?: unknown }[] }>(wave);
      assert.deepEqual([out.stage, out.wave], ["copy", wave]);
      assert.deepEqual(
        out.plannedMigrations.map((m) => m.source).sort(),
        WAVES[wave].map((u) => `${u}@example.com`),
        `${wave} copies its own mailboxes only`,
      );
    }
    // quota auto from the one-command audit: audited bytes x 1.25, rounded up to a whole MiB, in the account's line
    const audited = parseAuditLines(fs.readFileSync(auditFile(), "utf8"), auditFile());
    for (const u of Object.values(WAVES).flat()) {
      const line = fs.readFileSync(path.join(fresh.dir, "users", destination(u)), "utf8");
      const want = Math.max(1, Math.ceil((audited[u]! * 1.25) / 1048576)) * 1048576;
      assert.match(line, new RegExp(`userdb_quota_rule=\\*:storage=${want}B`), `${u}: ${line}`);
    }
  });

  it("the domain moves to cutover on the waves' verified copies, the waves follow at once; then finalize the same way", async () => {
    // after cutover people change their new passwords: the delta passes log in as the new host's administrator
    await fresh.addUser({ user: destination("ben"), password: "ben-changed-it" });
    // new mail for one user of each wave between copy and cutover
    const late = readCorpus("easy_ham", 230).slice(200, 230);
    await old.storeAsIs("ann", "INBOX", late.slice(0, 6));
    await old.storeAsIs("dan", "INBOX", late.slice(6, 10));
    loaded.ann!.inbox += 6;
    loaded.dan!.inbox += 4;
    for (const stage of ["cutover", "finalize"] as const) {
      await setStage("domain", stage);
      await up("domain");
      const d = await outputs<{ stage: string; gateState: { migrations: { source: string; generation: number }[] } }>("domain");
      assert.equal(d.stage, stage);
      // the domain's record holds the waves' passes, read live through their gateState outputs
      assert.deepEqual(
        d.gateState.migrations.map((m) => m.source).sort(),
        Object.values(WAVES)
          .flat()
          .map((u) => `${u}@example.com`),
      );
      await wavesUp(`ran ${stage}`);
    }
    for (const wave of Object.keys(WAVES) as Wave[]) {
      const out = await outputs<{ stage: string; migrationStatus: Record<string, { generation: number; missing?: number }> }>(wave);
      assert.equal(out.stage, "finalize");
      for (const u of WAVES[wave]) {
        const st = out.migrationStatus[`${u}@example.com`]!;
        assert.deepEqual([st.generation, st.missing], [3, 0], `${u} in ${wave}`);
      }
    }
    // every message exactly once: the maildirs hold what the old host holds (minus Junk), late mail included
    for (const u of Object.values(WAVES).flat())
      assert.equal(countMaildir(fresh.maildir(destination(u))), loaded[u]!.inbox + loaded[u]!.projects, `${u} after finalize`);
    // ben's own new password is still the one he chose: no pass needed (or reset) it
    assert.match(fs.readFileSync(path.join(fresh.dir, "users", destination("ben")), "utf8"), /ben-changed-it/);
    // the domain's final record: the overrides it used are the DNS ones only, each with its reason
    const d = await outputs<{ gateState: { overrides: { gate: string }[] } }>("domain");
    assert.deepEqual([...new Set(d.gateState.overrides.map((o) => o.gate))].sort(), ["delegation", "ttl-propagated"]);
    // the secrets stayed secrets: not in any stack's state in plain text
    for (const f of fs.readdirSync(path.join(dir, "backend"), { recursive: true, withFileTypes: true }))
      if (f.isFile())
        assert.ok(!fs.readFileSync(path.join(f.parentPath, f.name), "utf8").includes(master.password), `${f.name} holds no admin password`);
  });
});
