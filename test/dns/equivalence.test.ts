// The equivalence check and the SPF evaluation against two real authoritative servers (NSD from Debian) on
// loopback: one serves the old zone as exported, the other the planned zone (as Cloudflare would serve it).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AuthDns, ensureAuthDns } from "../../harness/authdns";
import { fitForCloudflare } from "../../dns/cloudflareFit";
import { checkEquivalence, type EquivalenceReport } from "../../dns/equivalence";
import { recordKey, type ZoneRecord } from "../../dns/records";
import { evaluateSpf, serverLookup } from "../../dns/spfEval";
import { mergeForStage } from "../../plan/stageMerge";
import type { Stage } from "../../plan/types";
import { parseZoneFile, printZoneFile } from "../../dns/zonefile";
import { readMailRecords } from "../../cli/dnsCheck";

const ROOT = join(__dirname, "..", "..", "..");
const ZONE_FILE = join(ROOT, "test", "fixtures", "zones", "bind-hand-written.zone");
const MAIL_FILE = join(ROOT, "test", "fixtures", "zones", "example-com.mail.json");
const CLI = join(ROOT, "dist", "cli", "dnsCheck.js");
const LOW_TTL = 300;

const zoneText = readFileSync(ZONE_FILE, "utf8");
const zone = parseZoneFile(zoneText, { file: ZONE_FILE });
const mail = readMailRecords(MAIL_FILE, readFileSync(MAIL_FILE, "utf8"));
const fit = fitForCloudflare(zone.origin, zone.records);

function planned(stage: Stage) {
  return mergeForStage([...fit.importable, ...fit.adjusted.map((a) => a.record)], mail, stage, { lowTtl: LOW_TTL });
}

/** The zone as the new provider serves it: its own SOA and NS, then the planned records. */
function newZoneText(records: readonly ZoneRecord[]): string {
  const own: ZoneRecord[] = [
    { name: "example.com", type: "SOA", content: "ada.ns.cloudflare.com dns.cloudflare.com 2305000001 10000 2400 604800 1800", ttl: 3600 },
    { name: "example.com", type: "NS", content: "ada.ns.cloudflare.com", ttl: 86400 },
    { name: "example.com", type: "NS", content: "bob.ns.cloudflare.com", ttl: 86400 },
  ];
  return printZoneFile("example.com", [
    ...own,
    ...records.map(({ name, type, content, ttl }) => ({ name, type, content, ttl: ttl === 1 ? 300 : ttl })),
  ]);
}

// Stand-in for Microsoft's published SPF (loopback has no internet); the addresses are Exchange Online's ranges.
const OUTLOOK_ZONE = {
  origin: "protection.outlook.com",
  text: [
    "$ORIGIN protection.outlook.com.",
    "$TTL 3600",
    "@ SOA ns1 hostmaster 1 3600 600 86400 300",
    "@ NS ns1.example.net.",
    'spf TXT "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip6:2a01:111:f400::/48 -all"',
  ].join("\n"),
};

function runCli(args: string[]): Promise<{ code: number; report: EquivalenceReport & { stage: string } }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args, "--json"], { timeout: 60_000 }, (err, stdout) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      try {
        resolve({ code, report: JSON.parse(stdout) });
      } catch {
        reject(new Error(`dns-check printed no JSON (exit ${code}): ${stdout} ${err?.message ?? ""}`));
      }
    });
  });
}

const keys = (items: readonly { name: string; type: string }[]) => items.map((d) => `${d.name} ${d.type}`);

describe("dns-check against two real authoritative servers (NSD)", function () {
  this.timeout(120_000);
  let old: AuthDns;
  const started: AuthDns[] = [];
  const serve = async (name: string, records: readonly ZoneRecord[]) => {
    const s = await AuthDns.start({ name, zones: [{ origin: "example.com", text: newZoneText(records) }, OUTLOOK_ZONE] });
    started.push(s);
    return s;
  };
  const ns = (s: AuthDns) => `${s.server.host}:${s.server.port}`;

  before(async () => {
    ensureAuthDns();
    old = await AuthDns.start({ name: "old", zones: [{ origin: "example.com", text: zoneText }] });
    started.push(old);
  });
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it("prepare: the new zone answers like the old one but for what prepare changes on purpose (exit 0)", async () => {
    const fresh = await serve("new-prepare", planned("prepare").records);
    const t0 = Date.now();
    const { code, report } = await runCli([
      "--zone",
      ZONE_FILE,
      "--old",
      ns(old),
      "--new",
      ns(fresh),
      "--stage",
      "prepare",
      "--mail",
      MAIL_FILE,
      "--low-ttl",
      String(LOW_TTL),
    ]);
    const ms = Date.now() - t0;
    assert.equal(code, 0, JSON.stringify(report.differences, null, 1));
    assert.equal(report.ok, true);
    assert.deepEqual(report.differences, []);
    assert.deepEqual(keys(report.expected), [
      "_dmarc.example.com TXT", // the zone had no DMARC: published from prepare
      "autodiscover.example.com CNAME", // TTL lowered before cutover
      "example.com MX", // TTL lowered
      "example.com NS", // the new provider's own
      "example.com SOA",
      "example.com TXT", // the SPF's TTL lowered and the MS= verification record added
      "imap.mail2.example.com A", // the new host's address, published from prepare
      "selector1._domainkey.example.com TXT", // TTL lowered: the Exchange DKIM CNAME waits for cutover
    ]);
    const mx = report.expected.find((d) => d.type === "MX")!;
    assert.match(mx.detail, /10 mail\.example\.com: TTL 3600 -> 300/);
    assert.match(mx.detail, /prepare: the old mx records stay until cutover, with TTL lowered to 300s/);
    assert.match(
      report.expected.find((d) => d.name === "example.com" && d.type === "TXT")!.detail,
      /only on the new side: "MS=ms12345678"/,
    );
    assert.ok(report.equal >= 18, `only ${report.equal} equal answers`);
    assert.equal(report.questions, report.equal + report.expected.length);
    console.log(`      (dns-check over ${report.questions} name/type pairs took ${ms} ms, process start included)`);
  });

  it("finds every planted difference and names it (exit 1)", async () => {
    const records = planned("prepare").records.filter((r) => r.name !== "relay.example.com");
    const planted = records.map((r) => {
      if (r.name === "mail.example.com" && r.type === "AAAA") return { ...r, content: "2001:db8::99" };
      if (r.name === "www.example.com") return { ...r, ttl: 60 };
      if (r.name === "_spf.example.com") return { ...r, content: '"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"' };
      return r;
    });
    planted.push({ name: "stray.example.com", type: "A", content: "192.0.2.200", ttl: 300, source: "imported" });
    const fresh = await serve("new-planted", planted);
    const { code, report } = await runCli([
      "--zone",
      ZONE_FILE,
      "--old",
      ns(old),
      "--new",
      ns(fresh),
      "--stage",
      "prepare",
      "--mail",
      MAIL_FILE,
      "--low-ttl",
      String(LOW_TTL),
    ]);
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    // stray.example.com is not in either zone, so nobody asks for it: the check covers the zone's names
    assert.deepEqual(keys(report.differences), [
      "_spf.example.com TXT",
      "mail.example.com AAAA",
      "relay.example.com A",
      "www.example.com CNAME",
    ]);
    const d = Object.fromEntries(report.differences.map((x) => [`${x.name} ${x.type}`, x.detail]));
    assert.match(d["relay.example.com A"]!, /only on the old side: 192\.0\.2\.11 \(TTL 3600\)/);
    assert.match(d["mail.example.com AAAA"]!, /only on the old side: 2001:db8::10 .*only on the new side: 2001:db8::99/);
    assert.match(d["www.example.com CNAME"]!, /example\.com: TTL 3600 -> 60/);
    assert.match(d["_spf.example.com TXT"]!, /only on the new side: "v=spf1 ip4:192\.0\.2\.0\/24 ip6:2001:db8::\/32 -all"/);
    assert.match(d["relay.example.com A"]!, /the new side does not answer what is planned/);
  });

  it("cutover: the new MX, SPF, autodiscover and DKIM are expected; a new zone still at prepare is caught", async () => {
    const cut = planned("cutover");
    const fresh = await serve("new-cutover", cut.records);
    const ok = await checkEquivalence({
      zone: "example.com",
      imported: zone.records,
      planned: cut.records,
      decisions: cut.decisions,
      fit,
      old: old.server,
      new: fresh.server,
    });
    assert.deepEqual(ok.differences, []);
    const mx = ok.expected.find((x) => x.name === "example.com" && x.type === "MX")!;
    assert.match(mx.detail, /only on the new side: 0 example-com\.mail\.protection\.outlook\.com/);
    assert.match(
      mx.detail,
      /cutover: from cutover the new mx records are published, replacing MX 10 mail\.example\.com, MX 20 mail\.backup-mx\.example\.net/,
    );
    assert.ok(keys(ok.expected).includes("mail2.example.com MX"));
    assert.ok(keys(ok.expected).includes("autodiscover.example.com CNAME"));
    assert.ok(keys(ok.expected).includes("selector1._domainkey.example.com CNAME"));

    // the new nameservers were never moved on from prepare: the MX that should have switched is a difference
    const stale = await serve("new-stale", planned("prepare").records);
    const bad = await checkEquivalence({
      zone: "example.com",
      imported: zone.records,
      planned: cut.records,
      decisions: cut.decisions,
      fit,
      old: old.server,
      new: stale.server,
    });
    assert.ok(keys(bad.differences).includes("example.com MX"));
    assert.match(
      bad.differences.find((x) => x.type === "MX")!.detail,
      /the new side does not answer what is planned \(0 example-com\.mail\.protection\.outlook\.com/,
    );
  });

  it("before the new nameservers exist, the planned records stand in; an old server that drifted from the export is caught", async () => {
    const plan = planned("copy");
    const alone = await checkEquivalence({
      zone: "example.com",
      imported: zone.records,
      planned: plan.records,
      decisions: plan.decisions,
      fit,
      old: old.server,
    });
    assert.equal(alone.newSide, "the planned records");
    assert.deepEqual(alone.differences, []);
    assert.ok(keys(alone.expected).includes("example.com SOA"));

    const drifted = await AuthDns.start({
      name: "old-drifted",
      zones: [{ origin: "example.com", text: zoneText.replace("relay\t\tA\t192.0.2.11", "relay\t\tA\t192.0.2.12") }],
    });
    started.push(drifted);
    const report = await checkEquivalence({
      zone: "example.com",
      imported: zone.records,
      planned: plan.records,
      decisions: plan.decisions,
      fit,
      old: drifted.server,
    });
    assert.deepEqual(keys(report.differences), ["relay.example.com A"]);
    assert.match(report.differences[0]!.detail, /the old server no longer answers what the zone file says: export the zone again/);
  });

  it("SPF evaluated against the new server: Exchange Online and the new IMAP host pass, a stranger fails", async () => {
    const fresh = await serve("new-spf", planned("cutover").records);
    const lookup = serverLookup(fresh.server);
    const apexExchange = await evaluateSpf({ ip: "40.107.22.5", domain: "example.com", lookup });
    assert.deepEqual(
      [apexExchange.result, apexExchange.lookups, apexExchange.matched],
      ["pass", 1, "spf.protection.outlook.com: ip4:40.107.0.0/16"],
    );
    assert.equal((await evaluateSpf({ ip: "2a01:111:f400:fe1e::3", domain: "example.com", lookup })).result, "pass");
    const imap = await evaluateSpf({ ip: "198.51.100.25", domain: "mail2.example.com", lookup });
    assert.deepEqual([imap.result, imap.lookups, imap.matched], ["pass", 1, "mail2.example.com: a:imap.mail2.example.com"]);
    for (const domain of ["example.com", "mail2.example.com"]) {
      const stranger = await evaluateSpf({ ip: "203.0.113.66", domain, lookup });
      assert.equal(stranger.result, "fail", `${domain}: ${JSON.stringify(stranger)}`);
    }
    // the old host is no longer allowed to send for the apex after cutover
    assert.equal((await evaluateSpf({ ip: "192.0.2.10", domain: "example.com", lookup })).result, "fail");
    // and before cutover the old SPF (served by the old server) still allows it
    assert.equal((await evaluateSpf({ ip: "192.0.2.10", domain: "example.com", lookup: serverLookup(old.server) })).result, "pass");
  });

  it("SPF is permerror when the published chain needs more than 10 lookups", async () => {
    const chain: ZoneRecord[] = [
      {
        name: "example.com",
        type: "TXT",
        content: `"v=spf1 ${Array.from({ length: 6 }, (_, i) => `include:s${i}.example.com`).join(" ")} -all"`,
        ttl: 300,
      },
    ];
    for (let i = 0; i < 6; i++)
      chain.push(
        { name: `s${i}.example.com`, type: "TXT", content: `"v=spf1 a:h${i}.example.com -all"`, ttl: 300 },
        { name: `h${i}.example.com`, type: "A", content: `192.0.2.${100 + i}`, ttl: 300 },
      );
    const fresh = await serve("new-chain", chain);
    const res = await evaluateSpf({ ip: "203.0.113.1", domain: "example.com", lookup: serverLookup(fresh.server) });
    assert.equal(res.result, "permerror");
    assert.equal(res.lookups, 11);
    assert.match(res.reason!, /more than 10 DNS lookups/);
    // h4 is reached on the 10th lookup and passes; h5 would be the 12th
    assert.equal((await evaluateSpf({ ip: "192.0.2.104", domain: "example.com", lookup: serverLookup(fresh.server) })).result, "pass");
    assert.equal((await evaluateSpf({ ip: "192.0.2.105", domain: "example.com", lookup: serverLookup(fresh.server) })).result, "permerror");
    assert.ok(new Set(chain.map(recordKey)).size === chain.length);
  });
});
