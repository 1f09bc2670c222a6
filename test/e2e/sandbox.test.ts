// The README's main job (scripts/sandbox.sh) step by step, asserted: the four stages (prepare, copy, cutover,
// finalize) with the real Pulumi CLI on the sandbox stack, two Dovecot servers on loopback with real mail from
// ../shared/corpus, and real DNS: NSD as the registry, the old DNS host and the new zone, Unbound in front. DNS is
// asserted through the resolver as a receiving mail server asks it; message counts are read from the hosts'
// maildirs and, at the end, by Message-ID through IMAP, not from what the program reports.
import { strict as assert } from "node:assert";
import fs from "node:fs";
import { queryDns } from "../../dns/query";
import { hasNsd } from "../../harness/authdns";
import { hasUnbound } from "../../harness/unbound";
import { NEW_MX, NEW_NS, OLD_MX, OLD_NS } from "../../sandbox/dnsWorld";
import {
  countMaildir,
  DOMAIN,
  ensureEngine,
  FINALIZE_AFTER_SECONDS,
  letters,
  OLD_TTL_SECONDS,
  Sandbox,
  SUBDOMAIN,
  TTL,
  TTL_DIVISOR,
} from "../../sandbox/session";

const ACCOUNT = "pulumi-nodejs:dynamic/mailshift:LocalDovecotAccount";
const RECORD = "pulumi-nodejs:dynamic/mailshift:LocalZoneRecord";
const LOWERED = TTL.lowered / TTL_DIVISOR;
const NORMAL = TTL.normal / TTL_DIVISOR;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

describe("sandbox rehearsal under the real Pulumi engine and real DNS: prepare, copy, the registrar switch, cutover, finalize", function () {
  this.timeout(300_000);
  let s: Sandbox;
  const loadedOf = (i: number) => Object.values(s.mailboxes[i]!.load).reduce((n, l) => n + l.length, 0);
  const onNew = (i: number) => countMaildir(s.fresh.maildir(s.mailboxes[i]!.destination));
  const onOld = (i: number) => countMaildir(s.old.maildir(s.mailboxes[i]!.sourceUser));
  const status = (): Record<string, Status> =>
    (JSON.parse(s.pulumi(["stack", "output", "--json"]).stdout) as { migrationStatus: Record<string, Status> }).migrationStatus;
  const preview = (...extra: string[]) => JSON.parse(s.pulumi(["preview", "--json", ...extra]).stdout) as PreviewJson;
  /** Polls the resolver until `ok` (an old answer may live up to its TTL), failing with the last view. */
  const until = async (ok: (v: Awaited<ReturnType<Sandbox["dnsView"]>>) => boolean, seconds: number, what: string) => {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const v = await s.dnsView();
      if (ok(v)) return v;
      if (Date.now() > deadline) assert.fail(`${what} within ${seconds} s; the resolver shows ${JSON.stringify(v)}\n${s.dns.logs()}`);
      await sleep(250);
    }
  };
  // the old DNS host's apex MX answer, cached by a sender before the registrar switch
  let cachedApexMx: string[] = [];
  let cutoverAt = 0;
  const cutoverMail = {
    toOld: [] as ReturnType<typeof letters>,
    toNew: [] as ReturnType<typeof letters>,
    apexAfter: [] as ReturnType<typeof letters>,
  };

  before(async function () {
    this.timeout(45 * 60_000); // a first build of the engine on a fresh machine takes ~7-15 minutes
    const missing = [hasNsd() ? "" : "nsd", hasUnbound() ? "" : "unbound"].filter(Boolean);
    if (missing.length > 0 && !process.env.CI) {
      console.warn(`    skipped: ${missing.join(" and ")} not installed (scripts/setup.sh installs them)`);
      this.skip();
    }
    const bin = ensureEngine();
    if (!bin) {
      if (process.env.CI) assert.fail("no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      console.warn("    skipped: no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      this.skip();
    }
    s = await Sandbox.start(bin, { show: false });
  });

  after(async () => {
    await s?.stop();
  });

  it("before any deployment the resolver answers from the old DNS host: old MX, old SPF, no subdomain, no DMARC", async () => {
    const v = await s.dnsView();
    assert.deepEqual(v.parentNs, [OLD_NS]);
    assert.deepEqual(v.apexMx.targets, [OLD_MX]);
    assert.ok(v.apexMx.ttl! <= OLD_TTL_SECONDS && v.apexMx.ttl! > LOWERED, `the old host's TTL, got ${v.apexMx.ttl}`);
    assert.equal(v.subMx.rcode, 3, `${SUBDOMAIN} does not exist yet`);
    assert.deepEqual(v.spf, {
      [DOMAIN]: { oldHost: "pass", newHost: "softfail", stranger: "softfail" },
      [SUBDOMAIN]: { oldHost: "none", newHost: "none", stranger: "none" },
    });
    assert.equal(v.dmarc, "NXDOMAIN");
    assert.equal(v.autodiscover, "NXDOMAIN");
  });

  it("prepare: pulumi preview plans the accounts and the zone's records, and no migration", () => {
    assert.deepEqual(opsByType(preview()), {
      "pulumi:pulumi:Stack": ["create"],
      [ACCOUNT]: ["create", "create"],
      [RECORD]: ["create", "create", "create", "create", "create", "create"],
    });
    assert.equal(s.counts().new, 0, "no message on the new host");
  });

  it("prepare: pulumi up publishes the records in the new zone (lowered TTL); the resolver still answers from the old DNS host", async () => {
    s.pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(
      fs
        .readdirSync(`${s.fresh.dir}/users`)
        .filter((f) => !f.startsWith(".") && !f.endsWith(".lock"))
        .sort(),
      s.mailboxes.map((m) => m.destination).sort(),
      "an account per mailbox on the new host",
    );
    assert.equal(s.counts().new, 0, "prepare copies nothing");
    const direct = await queryDns(s.dns.newDns.server, SUBDOMAIN, "MX");
    assert.deepEqual(
      direct.answers.map((a) => [a.content, a.ttl]),
      [[`10 ${NEW_MX}`, LOWERED]],
      "the new zone's NSD serves the declared subdomain MX",
    );
    const v = await s.dnsView();
    assert.deepEqual([v.parentNs, v.apexMx.targets, v.subMx.rcode, v.dmarc], [[OLD_NS], [OLD_MX], 3, "NXDOMAIN"]);
  });

  it("copy: pulumi up creates the migrations and copies every message: the new host holds exactly what the old one does", () => {
    s.moveTo("copy");
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

  it("copy again changes nothing: the preview is all 'same', --expect-no-changes succeeds, nothing is copied", () => {
    const before = s.counts();
    assert.deepEqual(preview().changeSummary, { same: 11, read: 1 });
    s.pulumi(["up", "--yes", "--expect-no-changes"]);
    assert.deepEqual(s.counts(), before);
    // the registrar still delegates to the old DNS host: the gate into cutover says so, naming both sets
    const blockers = s.blockers();
    assert.ok(
      blockers.some((b) => b.startsWith("cutover [delegation]") && b.includes(OLD_NS) && b.includes(NEW_NS)),
      blockers.join("\n"),
    );
  });

  it("new mail on the old host: pulumi preview --refresh shows that mailbox's migration as an update and copies nothing", async () => {
    const before = s.counts();
    const n = await s.deliver();
    assert.equal(onOld(0), loadedOf(0) + n);
    const p = preview("--refresh");
    const updates = p.steps.filter((x) => x.op === "update").map((x) => x.urn.split("::").pop());
    assert.deepEqual(updates, [`migration-imap-${s.mailboxes[0]!.destination}`]);
    assert.equal(s.counts().new, before.new, "preview copied nothing");
  });

  it("the registrar switch: the resolver keeps the old DNS host's answers until their TTL runs out, then the new zone's", async () => {
    // the resolver's cached "no such name" for the subdomain, fresh enough to outlive the switch by seconds
    const negativeTtl = async () => (await s.dns.ask(SUBDOMAIN, "MX")).authority.find((r) => r.type === "SOA")?.ttl ?? 0;
    let left = await negativeTtl();
    if (left < 4) {
      await sleep((left + 0.5) * 1000);
      left = await negativeTtl();
    }
    assert.ok(left >= 4, `the old DNS host's negative answer is cached for ${left} s more`);
    const before = await s.dnsView();
    cachedApexMx = before.apexMx.targets; // a sender's resolver, keeping its answer
    await s.dns.delegate("new");
    const right = await s.dnsView();
    assert.deepEqual(right.parentNs, [NEW_NS], "the registry delegates to the new zone");
    assert.equal(right.subMx.rcode, 3, "the resolver still holds the old DNS host's answer");
    const t0 = Date.now();
    await until(
      (v) => v.subMx.targets[0] === NEW_MX && v.dmarc !== "NXDOMAIN" && v.apexMx.ttl! <= LOWERED,
      // an answer may expire while the old delegation is still cached, and be asked again of the old DNS host
      2 * OLD_TTL_SECONDS + 5,
      "the new zone's answers",
    );
    assert.ok(Date.now() - t0 >= (left - 2) * 1000, `the cached answer lived ${Date.now() - t0} ms of its ${left} s`);
  });

  it("cutover: pulumi up runs the delta pass; through the resolver the MX, SPF, DMARC and autodiscover are the new zone's", async () => {
    s.moveTo("cutover");
    cutoverAt = Date.now();
    // finalize waits its time after cutover (seconds here, 5 days for real): the gate names it
    assert.ok(
      s.blockers().some((b) => b.startsWith("finalize [time-since-cutover]")),
      s.blockers().join("\n"),
    );
    assert.equal(onNew(0), loadedOf(0) + s.newMail.length, "the mail that arrived during copy is copied");
    assert.equal(onNew(1), loadedOf(1));
    const v = await s.dnsView();
    // no mailbox goes to Exchange here: the plan keeps the apex MX on the old host (stated in its warnings)
    assert.deepEqual(v.apexMx.targets, [OLD_MX]);
    assert.deepEqual(v.subMx.targets, [NEW_MX]);
    assert.ok(v.apexMx.ttl! <= LOWERED && v.subMx.ttl! <= LOWERED, `the lowered TTL, got ${v.apexMx.ttl} and ${v.subMx.ttl}`);
    assert.deepEqual(v.spf, {
      [DOMAIN]: { oldHost: "pass", newHost: "softfail", stranger: "softfail" },
      [SUBDOMAIN]: { oldHost: "softfail", newHost: "pass", stranger: "softfail" },
    });
    assert.deepEqual(v.dmarc, ["v=DMARC1; p=none"]);
    assert.equal(v.autodiscover, "NXDOMAIN", "autodiscover is Exchange's; none without Exchange");
    // the program's own SPF proof of the planned records, names outside the zone resolved through Unbound
    const proof = (JSON.parse(s.pulumi(["stack", "output", "--json"]).stdout) as { spfProof: string[] }).spfProof;
    assert.ok(proof.length >= 3 && proof.every((l) => l.startsWith("ok ")), proof.join("\n"));
    assert.ok(
      proof.some((l) => l.includes(`${SUBDOMAIN}: new IMAP host (127.0.20.1) -> pass`)),
      proof.join("\n"),
    );
  });

  it("during cutover mail reaches the old host (a sender with the cached MX) and the new one (a sender resolving now)", async () => {
    const [alice, bob] = s.mailboxes;
    cutoverMail.toOld = letters("cached-old-mx", 5, "sender@example.org", alice!.address);
    assert.equal(await s.deliverVia(cachedApexMx[0]!, alice!.address, cutoverMail.toOld), "old");
    const sub = await s.dns.mx(SUBDOMAIN);
    cutoverMail.toNew = letters("fresh-sub-mx", 5, "sender@example.org", alice!.destination);
    assert.equal(await s.deliverVia(sub.targets[0]!, alice!.destination, cutoverMail.toNew), "new");
    const apex = await s.dns.mx(DOMAIN);
    cutoverMail.apexAfter = letters("fresh-apex-mx", 3, "sender@example.org", bob!.address);
    assert.equal(await s.deliverVia(apex.targets[0]!, bob!.address, cutoverMail.apexAfter), "old", "the apex MX stays on the old host");
  });

  it("finalize: the last pass; every message is where it belongs, exactly once (by Message-ID, through IMAP)", async () => {
    await sleep(Math.max(0, cutoverAt + (FINALIZE_AFTER_SECONDS + 1) * 1000 - Date.now()));
    s.moveTo("finalize");
    const [alice, bob] = s.mailboxes as [(typeof s.mailboxes)[0], (typeof s.mailboxes)[0]];
    const aliceNew = await s.messageIds("new", alice);
    const bobNew = await s.messageIds("new", bob);
    const aliceOld = await s.messageIds("old", alice);
    const bobOld = await s.messageIds("old", bob);
    const idOf = (m: { raw: Buffer }) => /^Message-ID: (<[^>]+>)/im.exec(m.raw.toString("latin1"))![1]!;
    for (const m of [...cutoverMail.toOld, ...cutoverMail.toNew]) assert.equal(aliceNew.get(idOf(m)), 1, `${idOf(m)} once on the new host`);
    for (const m of cutoverMail.apexAfter) assert.equal(bobNew.get(idOf(m)), 1, `${idOf(m)} once on the new host`);
    for (const m of cutoverMail.toOld) assert.equal(aliceOld.get(idOf(m)), 1, `${idOf(m)} stays once on the old host`);
    for (const m of cutoverMail.toNew) assert.equal(aliceOld.has(idOf(m)), false, `${idOf(m)} never on the old host`);
    const total = (ids: Map<string, number>) => [...ids.values()].reduce((a, b) => a + b, 0);
    assert.equal(total(aliceNew), loadedOf(0) + s.newMail.length + cutoverMail.toOld.length + cutoverMail.toNew.length);
    assert.equal(total(bobNew), loadedOf(1) + cutoverMail.apexAfter.length);
    assert.equal(total(aliceOld), loadedOf(0) + s.newMail.length + cutoverMail.toOld.length);
    assert.equal(total(bobOld), loadedOf(1) + cutoverMail.apexAfter.length);
    const st = status();
    assert.deepEqual(
      [st[alice.address]!.generation, st[alice.address]!.missing, st[bob.address]!.missing],
      [3, 0, 0],
      "the final pass verified with nothing missing",
    );
  });

  it("finalize: once the lowered TTL runs out, the resolver serves the records with the normal TTL again", async () => {
    await sleep((LOWERED + 0.5) * 1000);
    const v = await s.dnsView();
    assert.deepEqual([v.apexMx.targets, v.subMx.targets], [[OLD_MX], [NEW_MX]]);
    assert.ok(v.apexMx.ttl! > LOWERED && v.apexMx.ttl! <= NORMAL, `the normal TTL, got ${v.apexMx.ttl}`);
    assert.ok(v.subMx.ttl! > LOWERED && v.subMx.ttl! <= NORMAL, `the normal TTL, got ${v.subMx.ttl}`);
    // no Exchange: the old host keeps sending for the apex, as its MX stays there
    assert.deepEqual(v.spf, {
      [DOMAIN]: { oldHost: "pass", newHost: "softfail", stranger: "softfail" },
      [SUBDOMAIN]: { oldHost: "softfail", newHost: "pass", stranger: "softfail" },
    });
    assert.deepEqual(v.dmarc, ["v=DMARC1; p=none"]);
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

  it("pulumi destroy leaves every message in place on both hosts and removes the records from the zone", async () => {
    const before = s.counts();
    s.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(s.counts(), before);
    const state = JSON.parse(s.pulumi(["stack", "export"]).stdout) as { deployment: { resources?: unknown[] } };
    assert.deepEqual(state.deployment.resources ?? [], []);
    for (const [name, type] of [
      [DOMAIN, "MX"],
      [SUBDOMAIN, "MX"],
      [`_dmarc.${DOMAIN}`, "TXT"],
    ] as const) {
      const r = await queryDns(s.dns.newDns.server, name, type);
      assert.deepEqual(r.answers, [], `${name} ${type} is gone from the new zone`);
    }
  });
});
