// The README's main job (scripts/sandbox.sh) step by step, asserted: the real Pulumi CLI on the sandbox stack,
// two Dovecot servers on loopback, real mail from ../shared/corpus. Message counts are read from the hosts'
// maildirs, not from what the program reports.
import { strict as assert } from "node:assert";
import fs from "node:fs";
import { countMaildir, ensureEngine, Sandbox } from "../../sandbox/session";

const ACCOUNT = "pulumi-nodejs:dynamic/mailshift:LocalDovecotAccount";
const MIGRATION = "pulumi-nodejs:dynamic/mailshift:MailboxMigration";

interface PreviewJson {
  changeSummary: Record<string, number>;
  steps: { op: string; urn: string }[];
}
interface Status {
  generation: number;
  missing?: number;
  totals: { onSource: number; copied: number; alreadyPresent: number; skipped: number };
}

/** The ops a preview plans per resource type, sorted, "refresh" and "read" steps left out. */
function opsByType(p: PreviewJson): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of p.steps) {
    // "read": the StackReference the gates read the stack's own last outputs with (world/gates.ts)
    if (s.op === "refresh" || s.op === "read") continue;
    const type = s.urn.split("::")[2] ?? "";
    (out[type] ??= []).push(s.op);
  }
  for (const v of Object.values(out)) v.sort();
  return out;
}

describe("sandbox rehearsal under the real Pulumi engine: preview, up, up, new mail, preview --refresh, up --refresh, destroy", function () {
  this.timeout(300_000);
  let s: Sandbox;
  const loadedOf = (i: number) => Object.values(s.mailboxes[i]!.load).reduce((n, l) => n + l.length, 0);
  const onNew = (i: number) => countMaildir(s.fresh.maildir(s.mailboxes[i]!.destination));
  const onOld = (i: number) => countMaildir(s.old.maildir(s.mailboxes[i]!.sourceUser));
  const status = (): Record<string, Status> =>
    (JSON.parse(s.pulumi(["stack", "output", "--json"]).stdout) as { migrationStatus: Record<string, Status> }).migrationStatus;
  const preview = (...extra: string[]) => JSON.parse(s.pulumi(["preview", "--json", ...extra]).stdout) as PreviewJson;

  before(async function () {
    this.timeout(45 * 60_000); // a first build of the engine on a fresh machine takes ~7-15 minutes
    const bin = ensureEngine();
    if (!bin) {
      console.warn("    skipped: no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      this.skip();
    }
    s = await Sandbox.start(bin, { show: false });
  });

  after(async () => {
    await s?.stop();
  });

  it("pulumi preview plans an account and a migration per mailbox, and copies nothing", () => {
    const p = preview();
    assert.deepEqual(opsByType(p), {
      "pulumi:pulumi:Stack": ["create"],
      [ACCOUNT]: ["create", "create"],
      [MIGRATION]: ["create", "create"],
    });
    assert.equal(s.counts().new, 0, "no message on the new host");
    assert.equal(fs.readdirSync(`${s.fresh.dir}/users`).filter((f) => !f.startsWith(".")).length, 0, "no account on the new host");
  });

  it("pulumi up creates the accounts and copies every message: the new host holds exactly what the old one does", () => {
    s.pulumi(["up", "--yes", "--skip-preview"]);
    for (let i = 0; i < s.mailboxes.length; i++) {
      assert.equal(onOld(i), loadedOf(i));
      assert.equal(onNew(i), loadedOf(i), `${s.mailboxes[i]!.destination} on the new host`);
    }
    const st = status();
    for (let i = 0; i < s.mailboxes.length; i++) {
      const m = st[s.mailboxes[i]!.address]!;
      assert.deepEqual(
        [m.totals.onSource, m.totals.copied, m.totals.alreadyPresent, m.totals.skipped, m.missing, m.generation],
        [loadedOf(i), loadedOf(i), 0, 0, 0, 1],
      );
    }
  });

  it("pulumi up again changes nothing: the preview is all 'same', --expect-no-changes succeeds, nothing is copied", () => {
    const before = s.counts();
    assert.deepEqual(preview().changeSummary, { same: 5, read: 1 });
    s.pulumi(["up", "--yes", "--expect-no-changes"]);
    assert.deepEqual(s.counts(), before);
  });

  it("new mail on the old host: pulumi preview --refresh shows that mailbox's migration as an update and copies nothing", async () => {
    const before = s.counts();
    const n = await s.deliver();
    assert.equal(onOld(0), loadedOf(0) + n);
    const p = preview("--refresh");
    const updates = p.steps.filter((x) => x.op === "update").map((x) => x.urn.split("::").pop());
    assert.deepEqual(updates, [`migration-imap-${s.mailboxes[0]!.destination}`]);
    assert.equal(p.changeSummary.update, 1);
    assert.equal(s.counts().new, before.new, "preview copied nothing");
  });

  it("pulumi up --refresh copies only the new messages", () => {
    s.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
    const n = s.newMail.length;
    assert.equal(onNew(0), loadedOf(0) + n);
    assert.equal(onNew(1), loadedOf(1));
    const st = status();
    const alice = st[s.mailboxes[0]!.address]!;
    assert.deepEqual([alice.totals.copied, alice.totals.alreadyPresent, alice.missing], [n, loadedOf(0), 0]);
    assert.equal(
      st[s.mailboxes[1]!.address]!.totals.copied,
      loadedOf(1),
      "the other mailbox had no pass (its counts are the first pass's)",
    );
  });

  it("the passwords appear nowhere in plain text in the stack's state, history, backups or config files", () => {
    const files = s.stateFiles();
    assert.ok(
      files.some((f) => f.endsWith(".json") && f.includes("/stacks/")),
      `the state file is among ${files.join(", ")}`,
    );
    for (const f of files) {
      const text = fs.readFileSync(f, "utf8");
      for (const m of s.mailboxes) {
        for (const p of [m.sourcePassword, m.destinationPassword]) {
          assert.equal(text.includes(p), false, `${f} holds a password of ${m.address} in plain text`);
          assert.equal(text.includes(Buffer.from(p).toString("base64")), false, `${f} holds a password of ${m.address} in base64`);
        }
      }
    }
  });

  it("pulumi destroy forgets the stack's resources and leaves every message in place on both hosts", () => {
    const before = s.counts();
    s.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(s.counts(), before);
    assert.equal(before.new, before.old);
    const state = JSON.parse(s.pulumi(["stack", "export"]).stdout) as { deployment: { resources?: unknown[] } };
    assert.deepEqual(state.deployment.resources ?? [], []);
  });
});
