// The DNS move under pulumi.runtime.setMocks: the zone given, looked up or created, every zone-file record declared
// in Cloudflare's shape beside the mail records, and the stage deciding where they meet.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { toCloudflareShape } from "../../dns/records";
import { parseZoneFile } from "../../dns/zonefile";
import { repoRoot } from "../../harness/repoRoot";
import { byName, configFor, dkimFor, loadProgram, MS_TXT, mxFor, outputValue, type Declared } from "./runProgram";
import { stackConfig } from "../unit/plan/stackFiles";
import type { Stage } from "../../plan/types";

const ZONES = path.join(repoRoot(), "test", "fixtures", "zones");
const HAND = path.join(ZONES, "bind-hand-written.zone");
const CF_EXPORT = path.join(ZONES, "cloudflare-export.zone");
const ASSIGNED_NS = ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"];
const LOOKED_UP_ID = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
const ACCOUNT = "abcdefabcdefabcdefabcdefabcdef01";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";

interface Run {
  declared: Declared[];
  calls: { token: string; inputs: Record<string, unknown> }[];
  exports: Record<string, unknown>;
}

/** Runs dist/index.js with the config; Cloudflare assigns nameservers to a created zone and finds a looked-up one. */
async function run(config: Record<string, string>): Promise<Run> {
  const declared: Declared[] = [];
  const calls: Run["calls"] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        declared.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "cloudflare:index/zone:Zone") state.nameServers = ASSIGNED_NS;
        if (args.name.endsWith("-domain")) state.verificationTxt = MS_TXT;
        if (args.name.endsWith("-verification")) state.exchangeMx = mxFor(String(args.inputs.domain ?? ""));
        if (args.name.endsWith("-dkim")) Object.assign(state, dkimFor(String(args.inputs.domain ?? "")));
        // the tenant's answers, as test/mock/runProgram.ts gives them
        if (args.type === "azuread:index/servicePrincipal:ServicePrincipal") {
          state.objectId = args.inputs.useExisting ? "exo-sp" : `${args.name}-object-id`;
          state.appRoleIds = { "IMAP.AccessAsApp": "role-id" };
        }
        if (args.type === "azuread:index/user:User") state.objectId = `${args.name}-object-id`;
        if (args.type === "azuread:index/application:Application") state.clientId = "app-client-id";
        if (args.type === "azuread:index/applicationPassword:ApplicationPassword") state.value = "app-secret-value";
        return { id: args.type === "cloudflare:index/zone:Zone" ? "created-zone-id" : `${args.name}-id`, state };
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        if (args.token === "cloudflare:index/getZone:getZone") {
          const name = (args.inputs.filter as { name?: string } | undefined)?.name;
          return { id: LOOKED_UP_ID, name, nameServers: ["old.ns.cloudflare.com", "new.ns.cloudflare.com"] };
        }
        return args.inputs;
      },
    },
    "mailshift",
    "test",
    true,
  );
  pulumi.runtime.setAllConfig(config, [
    "mailshift:passwords",
    "mailshift:graphClientSecret",
    "mailshift:cpanelToken",
    "mailshift:sshPrivateKey",
  ]);
  const mod = await loadProgram();
  const exports: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) exports[k] = await outputValue(v);
  let last = -1;
  while (declared.length !== last) {
    last = declared.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  return { declared, calls, exports };
}

/** The production stack moving example.com from the hand-written zone file into a zone mailshift creates. */
const moving = (stage: Stage, over: Record<string, unknown> = {}) =>
  configFor("production", stage, { "mailshift:zoneFile": HAND, "mailshift:cloudflare": { zone: "create", accountId: ACCOUNT }, ...over });

const records = (d: Declared[]) => d.filter((x) => x.type === RECORD);
const shapeOf = (d: Declared) => ({
  name: d.inputs.name,
  type: d.inputs.type,
  content: d.inputs.content,
  ...(d.inputs.priority !== undefined ? { priority: d.inputs.priority } : {}),
});

describe("program under mocks: the DNS move", function () {
  this.timeout(60_000);

  it("creates the zone in the account, puts every record in it, and outputs the assigned nameservers with the registrar step", async () => {
    const { declared, exports } = await run(moving("prepare"));
    const zone = declared.filter((d) => d.type === "cloudflare:index/zone:Zone");
    assert.equal(zone.length, 1);
    assert.deepEqual(zone[0]!.inputs.account, { id: ACCOUNT });
    assert.equal(zone[0]!.inputs.name, "example.com");
    assert.deepEqual(exports.zoneNameServers, ASSIGNED_NS);
    assert.equal(exports.zoneId, "created-zone-id");
    assert.match(String(exports.registrarStep), /set exactly those nameservers for example\.com at the registrar/);
    // the new zone is not delegated yet: Microsoft reads the old DNS host, so the MS= record goes there first
    assert.match(String(exports.verificationStep), new RegExp(`^publish example\\.com\\. 300 IN TXT "${MS_TXT}" at the old DNS host now`));
    assert.match((exports.dkimSigning as string[])[0]!, /mailshift enables signing from cutover on/);
    for (const r of records(declared)) assert.equal(r.inputs.zoneId, "created-zone-id", `${r.name} is in the created zone`);
  });

  it("looks an existing zone up by the domain name when cloudflare.zone is existing without a zoneId", async () => {
    const { declared, calls, exports } = await run(
      moving("prepare", { "mailshift:cloudflare": { zone: "existing", importZoneFile: true } }),
    );
    assert.equal(declared.filter((d) => d.type === "cloudflare:index/zone:Zone").length, 0);
    const lookups = calls.filter((c) => c.token === "cloudflare:index/getZone:getZone");
    assert.deepEqual(
      lookups.map((c) => c.inputs.filter),
      [{ name: "example.com" }],
    );
    assert.equal(exports.zoneId, LOOKED_UP_ID);
    for (const r of records(declared)) assert.equal(r.inputs.zoneId, LOOKED_UP_ID);
  });

  it("keeps a zoneId stack as it was: no zone resource, no lookup, no imported records", async () => {
    const { declared, calls, exports } = await run(configFor("production", "prepare", { "mailshift:zoneFile": HAND }));
    assert.equal(declared.filter((d) => d.type === "cloudflare:index/zone:Zone").length, 0);
    assert.equal(calls.filter((c) => c.token === "cloudflare:index/getZone:getZone").length, 0);
    assert.ok(records(declared).every((r) => !String(r.inputs.comment).includes("imported")));
    assert.deepEqual(exports.dnsDecisions, []);
    assert.equal(exports.zoneNameServers, undefined);
  });

  it("declares every importable record of the zone file in Cloudflare's shape (prepare: the old MX and SPF with the lowered TTL)", async () => {
    const { declared } = await run(moving("prepare"));
    const got = records(declared).map(shapeOf);
    const zone = parseZoneFile(fs.readFileSync(HAND, "utf8"), { file: HAND, origin: "example.com" }).records;
    const skipped = new Set(["SOA", "NS"]); // the apex SOA and NS: Cloudflare's own (reported)
    for (const r of zone.filter((x) => !(skipped.has(x.type) && x.name === "example.com"))) {
      const s = toCloudflareShape(r);
      assert.ok(
        got.some((g) => g.name === s.name && g.type === s.type && g.content === s.content && g.priority === s.priority),
        `${r.name} ${r.type} ${r.content} is declared as ${JSON.stringify(s)}`,
      );
    }
    const apexMx = records(declared).filter((r) => r.inputs.type === "MX" && r.inputs.name === "example.com");
    assert.deepEqual(
      apexMx.map((r) => [r.name, r.inputs.content, r.inputs.priority, r.inputs.ttl]),
      [
        ["dns-apex-mx-0", "mail.example.com", 10, 300],
        ["dns-apex-mx-1", "mail.backup-mx.example.net", 20, 300],
      ],
    );
    const spf = records(declared).filter((r) => r.inputs.name === "example.com" && String(r.inputs.content).includes("v=spf1"));
    assert.deepEqual(
      spf.map((r) => [r.name, r.inputs.content]),
      [["dns-apex-spf", '"v=spf1 mx a:relay.example.com include:_spf.example.com ~all"']],
    );
    // the mail records that meet nothing are there from prepare on
    assert.equal(byName(declared, "dns-apex-ms-verification").inputs.content, `"${MS_TXT}"`);
    assert.equal(byName(declared, "dns-dmarc").inputs.name, "_dmarc.example.com");
  });

  it("cutover publishes the generated MX, SPF and autodiscover under the same resource names (updated in place)", async () => {
    const before = await run(moving("prepare"));
    const { declared, exports } = await run(moving("cutover"));
    const apexMx = records(declared).filter((r) => r.inputs.type === "MX" && r.inputs.name === "example.com");
    assert.deepEqual(
      apexMx.map((r) => [r.name, r.inputs.content, r.inputs.priority]),
      [["dns-apex-mx-0", mxFor("example.com"), 0]],
    );
    const spf = byName(declared, "dns-apex-spf").inputs.content;
    assert.match(String(spf), /^"v=spf1 include:_spf\.oldhost\.net .*include:spf\.protection\.outlook\.com ~all"$/);
    assert.equal(
      records(declared).filter((r) => String(r.inputs.content).includes("include:_spf.example.com")).length,
      0,
      "the old SPF is not beside the new one",
    );
    assert.equal(byName(declared, "dns-autodiscover").inputs.content, "autodiscover.outlook.com");
    assert.equal(
      records(declared).filter((r) => r.inputs.name === "autodiscover.example.com").length,
      1,
      "the old autodiscover CNAME is replaced",
    );
    // records nothing meets keep their resource names across the stage change
    const names = (d: Declared[]) =>
      new Set(
        records(d)
          .filter((r) => String(r.name).startsWith("dns-zone-"))
          .map((r) => r.name),
      );
    const kept = [...names(before.declared)].filter((n) => !n.includes("autodiscover.example.com"));
    assert.ok(kept.length > 15);
    for (const n of kept) assert.ok(names(declared).has(n), `${n} keeps its name at cutover`);
    const decisions = exports.dnsDecisions as string[];
    assert.ok(
      decisions.some((d) =>
        /^example\.com MX \(mx\): generated-replaces-imported: cutover: from cutover the new mx records are published, replacing MX 10 mail\.example\.com/.test(
          d,
        ),
      ),
      decisions.join("\n"),
    );
  });

  it("says per stage where imported and generated records meet (dnsDecisions)", async () => {
    const { exports } = await run(moving("prepare"));
    const decisions = exports.dnsDecisions as string[];
    assert.ok(
      decisions.includes(
        "example.com MX (mx): imported-kept: prepare: the old mx records stay until cutover, with TTL lowered to 300s so the switch propagates fast",
      ),
      decisions.join("\n"),
    );
    assert.ok(decisions.some((d) => d.startsWith("example.com TXT (spf): imported-kept: prepare")));
    assert.ok(decisions.some((d) => d.startsWith("example.com TXT (verification): generated-added")));
  });

  it("reports an apex CNAME and a type Cloudflare cannot hold in dnsNotImported, and declares neither", async () => {
    const prod = stackConfig("production");
    // The same people on example.net; a backup address on example.net would now be on the moved domain: none.
    const mailboxes = (prod["mailshift:mailboxes"] as { address: string; backupAddress?: string }[]).map(({ backupAddress: _, ...m }) => ({
      ...m,
      address: m.address.replace("@example.com", "@example.net"),
      ...("quota" in m ? { quota: "1GB" } : {}),
    }));
    const { declared, exports } = await run(
      configFor("production", "prepare", {
        "mailshift:domain": "example.net",
        "mailshift:subdomain": "mail2.example.net",
        "mailshift:mailboxes": mailboxes,
        "mailshift:zoneFile": CF_EXPORT,
        "mailshift:cloudflare": { zone: "create", accountId: ACCOUNT },
      }),
    );
    const reported = exports.dnsNotImported as string[];
    assert.ok(
      reported.some((r) => /^example\.net CNAME landing\.example-host\.com: not imported: a CNAME at the apex/.test(r)),
      reported.join("\n"),
    );
    assert.ok(
      reported.some((r) => /^old\.example\.net HINFO .*: not imported: Cloudflare cannot hold HINFO/.test(r)),
      reported.join("\n"),
    );
    assert.equal(
      records(declared).filter((r) => r.inputs.type === "HINFO" || (r.inputs.type === "CNAME" && r.inputs.name === "example.net")).length,
      0,
    );
  });

  it("outputs the generated records for dns-check with tenant values filled in, the exact command, and an SPF proof line per host", async () => {
    const { exports } = await run(moving("cutover"));
    const mail = exports.dnsCheckMail as { name: string; type: string; content: string; role: string }[];
    assert.ok(mail.some((m) => m.role === "mx" && m.name === "example.com" && m.content === `0 ${mxFor("example.com")}`));
    assert.ok(mail.some((m) => m.role === "verification" && m.content === `"${MS_TXT}"`));
    assert.equal(
      exports.dnsCheckCommand,
      `pulumi stack output dnsCheckMail --json > mail-records.json && mailshift dns-check --zone ${HAND} --old OLD_NAMESERVER --stage cutover --mail mail-records.json --low-ttl 300`,
    );
    const proof = exports.spfProof as string[];
    if (process.env.SHOW_PROOF) console.log(proof.join("\n"));
    // one line per host per published SPF record: the apex (Exchange Online, a stranger) and the subdomain (a stranger at least)
    assert.ok(
      proof.some((l) => l.includes("example.com: Exchange Online (40.107.0.1)")),
      proof.join("\n"),
    );
    assert.ok(proof.some((l) => l.includes("example.com: a stranger (TEST-NET-3) (203.0.113.254)")));
    assert.ok(proof.some((l) => l.includes("mail2.example.com: a stranger")));
    assert.ok(
      proof.every((l) => /^(ok {2}|FAIL) (example\.com|mail2\.example\.com): /.test(l)),
      "only mailshift's SPF records are proven, not the _spf include",
    );
  });

  it("names the config path of a created zone without an account id", async () => {
    await assert.rejects(
      run(moving("prepare", { "mailshift:cloudflare": { zone: "create" } })),
      /mailshift:cloudflare\.accountId: is missing/,
    );
  });
});
