// The stage gates under the real Pulumi CLI, on the sandbox stack (two Dovecot servers on loopback, real mail) with a
// real authoritative server (NSD) for the parent zone: each gate blocks `pulumi preview` and `pulumi up` with one
// error listing every blocker, then lets the move through once the world is ready (or an override says why not).
// Times are seconds here: mailshift:gates.oldTtl and finalizeAfter.
import { strict as assert } from "node:assert";
import fs from "node:fs";
import path from "node:path";
import { appendAll } from "../../harness/corpus";
import { AuthDns, ensureAuthDns } from "../../harness/authdns";
import * as gen from "../../harness/generate";
import { dump, load } from "js-yaml";
import { countMaildir, ensureEngine, Sandbox, type PulumiRun } from "../../sandbox/session";

const OLD_NS = ["ns1.oldhost.example.net", "ns2.oldhost.example.net"];
const NEW_NS = ["ns1.new.example.net", "ns2.new.example.net"];
const MiB = 1024 * 1024;

/** The parent zone (com.) as the registrar publishes it: example.com delegated to `ns`. */
function parentZone(ns: string[]): string {
  return [
    "$ORIGIN com.",
    "$TTL 60",
    "@ IN SOA ns.com. hostmaster.com. 1 3600 600 86400 60",
    "@ IN NS ns.com.",
    "ns IN A 127.0.0.1",
    ...ns.map((n) => `example IN NS ${n}.`),
    "",
  ].join("\n");
}

interface GateState {
  stage: string;
  loweredTtlSince?: string;
  cutoverAt?: string;
  migrations: { source: string; generation: number; verified: boolean; missing: number }[];
  overrides: { gate: string; reason: string; change: string }[];
}

describe("stage gates under the real Pulumi engine: each blocks preview and up, then passes", function () {
  this.timeout(600_000);
  let s: Sandbox;
  let parent: AuthDns | undefined;
  const plain = (r: PulumiRun) => `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  const outputs = () =>
    JSON.parse(s.pulumi(["stack", "output", "--json"]).stdout) as { gateState: GateState; nextStageBlockers: string[]; preflight: unknown };
  /** Sets a key in the stack file as a person edits it (YAML reads JSON); secrets stay as `pulumi config set --secret` wrote them. */
  const set = (key: string, value: unknown) => {
    const file = path.join(s.project, "Pulumi.sandbox.yaml");
    const doc = load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    if (value === undefined) delete doc.config[key];
    else doc.config[key] = value;
    fs.writeFileSync(file, dump(doc));
  };
  const setGates = (g: Record<string, unknown>) => set("mailshift:gates", { ...g });
  const gates = { finalizeAfter: 15, nameServers: NEW_NS } as Record<string, unknown>;
  /** The parent zone's server, (re)started with the delegation given: a registrar's change, as the parent serves it. */
  const delegate = async (ns: string[]) => {
    await parent?.stop();
    parent = await AuthDns.start({ name: "parent", zones: [{ origin: "com", text: parentZone(ns) }] });
    gates.parentNameServer = `${parent.server.host}:${parent.server.port}`;
    setGates(gates);
  };
  /** The lines of a blocked run's error, one per blocker ("[gate] sentence"). */
  const blockers = (r: PulumiRun) =>
    plain(r)
      .match(/^\s+- \[[a-z-]+\] .*$/gm)
      ?.map((l) => l.trim().slice(2)) ?? [];

  before(async function () {
    this.timeout(45 * 60_000);
    const bin = ensureEngine();
    assert.ok(bin, "no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3): run scripts/setup.sh");
    ensureAuthDns();
    s = await Sandbox.start(bin, { show: false });
    // this stack walks from prepare; the stage it stands on is read from its own outputs, not from previousStage
    set("mailshift:previousStage", undefined);
    set("mailshift:stage", "prepare");
    gates.oldTtl = 600;
    await delegate(OLD_NS);
  });

  after(async () => {
    await s?.stop();
    await parent?.stop();
  });

  it("prepare: nothing blocks it; the outputs record when the lowered TTL went out and say nothing blocks copy", () => {
    s.pulumi(["up", "--yes", "--skip-preview"]);
    const o = outputs();
    assert.equal(o.gateState.stage, "prepare");
    assert.ok(Date.now() - Date.parse(o.gateState.loweredTtlSince!) < 120_000);
    assert.deepEqual(o.nextStageBlockers, ["nothing blocks copy: pulumi config set mailshift:stage copy && pulumi up"]);
  });

  it("a skip is refused against the stage the stack deployed: preview of finalize after prepare fails, naming the stages", () => {
    set("mailshift:stage", "finalize");
    const r = s.pulumi(["preview"], { allowFailure: true });
    assert.notEqual(r.status, 0);
    assert.match(plain(r), /\[stage-order\] the stack last deployed prepare, so finalize skips copy, cutover; deploy copy first/);
  });

  it("copy: one message too large for alice's new mailbox is skipped, and the record says 1 missing", async () => {
    // the new host refuses messages over 1 MiB for alice (a Dovecot userdb field, as a hosted plan would)
    const alice = s.mailboxes[0]!;
    const passwd = path.join(s.fresh.dir, "users", alice.destination);
    fs.writeFileSync(passwd, fs.readFileSync(passwd, "utf8").replace(/\n?$/, " userdb_quota_max_mail_size=1M\n"));
    await appendAll(s.old.url(alice.sourceUser), alice.sourcePassword, "INBOX", [gen.withAttachment(2 * MiB, 7)]);
    set("mailshift:stage", "copy");
    s.pulumi(["up", "--yes", "--skip-preview"]);
    const o = outputs();
    assert.deepEqual(
      o.gateState.migrations.map((m) => [m.source, m.generation, m.verified, m.missing]),
      [
        [alice.address, 1, false, 1],
        [s.mailboxes[1]!.address, 1, true, 0],
      ],
    );
    // what blocks cutover, named in the outputs of the up
    assert.ok(
      o.nextStageBlockers.some((b) =>
        b.startsWith(`cutover [migrations-verified]: ${alice.address}: 1 source message is not on the destination`),
      ),
    );
    assert.ok(o.nextStageBlockers.some((b) => b.startsWith("cutover [ttl-propagated]: the lowered TTL was published at")));
    assert.ok(o.nextStageBlockers.some((b) => b.startsWith("cutover [delegation]: the domain is delegated to ns1.oldhost.example.net")));
    // and `pulumi preview` names them too, from what is deployed
    const preview = s.pulumi(["preview", "--json"]).stdout;
    assert.ok(preview.includes(`cutover [migrations-verified]: ${alice.address}: 1 source message is not on the destination`), preview);
  });

  it("cutover is blocked in preview and in up, every blocker listed, no stack trace, nothing changed", () => {
    // bob's old password was changed on the old host: preflight finds the login refused
    const bob = s.mailboxes[1]!;
    s.pulumi(["config", "set", "--secret", "--path", `mailshift:passwords["${bob.address}"].source`], { stdin: "not-bobs-password" });
    set("mailshift:stage", "cutover");
    const before = s.counts();
    const p = s.pulumi(["preview"], { allowFailure: true });
    assert.notEqual(p.status, 0);
    const out = plain(p);
    assert.match(out, /the move from copy to cutover is blocked: 4 blockers from 4 gates\n/, out);
    const b = blockers(p);
    assert.deepEqual(
      b.map((x) => x.split("]")[0]),
      ["[migrations-verified", "[ttl-propagated", "[delegation", "[preflight"],
      out,
    );
    assert.ok(
      b.some((x) => x.startsWith(`[migrations-verified] ${s.mailboxes[0]!.address}: 1 source message is not on the destination`)),
      out,
    );
    assert.ok(
      b.some((x) => /^\[ttl-propagated\] the lowered TTL was published at .* wait .* more/.test(x)),
      out,
    );
    assert.ok(
      b.includes(
        `[delegation] the domain is delegated to ${OLD_NS.join(", ")} (asked via the parent zone's server ${gates.parentNameServer}), not to the new zone's ${NEW_NS.join(", ")}; set these nameservers at the registrar, and wait for the parent zone's NS TTL`,
      ),
      out,
    );
    assert.ok(
      b.some(
        (x) =>
          x.startsWith(`[preflight] preflight (`) &&
          x.includes(`${bob.address} source ${bob.sourceUser}@127.0.0.1:`) &&
          x.includes("login failed"),
      ),
      out,
    );
    assert.equal(out.includes("not-bobs-password"), false);
    assert.deepEqual(
      out.split("\n").filter((l) => /^\s+at /.test(l)),
      [],
      "no JavaScript stack",
    );
    const u = s.pulumi(["up", "--yes", "--skip-preview"], { allowFailure: true });
    assert.notEqual(u.status, 0);
    assert.match(plain(u), /the move from copy to cutover is blocked: 4 blockers/);
    assert.deepEqual(s.counts(), before, "no mail moved");
    assert.equal(outputs().gateState.stage, "copy", "the stack still stands on copy");
  });

  it("cutover passes once the delegation moved, the TTL is old enough, preflight passes and an override names the skipped message", async () => {
    const bob = s.mailboxes[1]!;
    s.pulumi(["config", "set", "--secret", "--path", `mailshift:passwords["${bob.address}"].source`], { stdin: bob.sourcePassword });
    await delegate(NEW_NS);
    gates.oldTtl = 5;
    setGates(gates);
    // only the skipped message is left; passed over on purpose, with the reason
    let p = s.pulumi(["preview"], { allowFailure: true });
    assert.deepEqual(
      blockers(p).map((x) => x.split("]")[0]),
      ["[migrations-verified"],
      plain(p),
    );
    set("mailshift:override", {
      gates: ["migrations-verified"],
      reason: "alice's 2 MiB newsletter is over the new plan's limit; raised before cutover",
    });
    p = s.pulumi(["preview"]);
    // the limit is raised: the cutover delta pass copies the message the copy had to skip
    const alice = s.mailboxes[0]!;
    const passwd = path.join(s.fresh.dir, "users", alice.destination);
    fs.writeFileSync(passwd, fs.readFileSync(passwd, "utf8").replace(" userdb_quota_max_mail_size=1M", ""));
    s.pulumi(["up", "--yes", "--skip-preview"]);
    const o = outputs();
    assert.equal(o.gateState.stage, "cutover");
    assert.deepEqual(
      o.gateState.overrides.map((x) => [x.gate, x.change, x.reason]),
      [["migrations-verified", "copy -> cutover", "alice's 2 MiB newsletter is over the new plan's limit; raised before cutover"]],
    );
    assert.deepEqual(
      o.gateState.migrations.map((m) => [m.generation, m.verified, m.missing]),
      [
        [2, true, 0],
        [2, true, 0],
      ],
    );
    assert.equal(countMaildir(s.fresh.maildir(alice.destination)), countMaildir(s.old.maildir(alice.sourceUser)));
    assert.ok(
      o.nextStageBlockers.some((b) => b.startsWith("finalize [time-since-cutover]: cutover was deployed at")),
      o.nextStageBlockers.join("\n"),
    );
  });

  it("finalize is blocked until finalizeAfter has passed since cutover, then passes", async () => {
    set("mailshift:stage", "finalize");
    const p = s.pulumi(["preview"], { allowFailure: true });
    assert.deepEqual(
      blockers(p).map((x) => x.split("]")[0]),
      ["[time-since-cutover"],
      plain(p),
    );
    assert.match(blockers(p)[0]!, /senders may retry to the old MX for 15 s: wait \d+ s more/);
    const cutoverAt = Date.parse(outputs().gateState.cutoverAt!);
    await new Promise((r) => setTimeout(r, Math.max(0, cutoverAt + 16_000 - Date.now())));
    s.pulumi(["preview"]);
    s.pulumi(["up", "--yes", "--skip-preview"]);
    const o = outputs();
    assert.equal(o.gateState.stage, "finalize");
    assert.deepEqual(o.nextStageBlockers, []);
  });
});
