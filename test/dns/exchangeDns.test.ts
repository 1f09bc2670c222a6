// Exchange in the seed's order, against real authoritative DNS (NSD) and a loopback Microsoft that reads DNS
// itself (test/mock/fakeMicrosoft.ts): the MS= record published at the old DNS host while the new zone is not
// delegated; the DKIM CNAME targets Exchange gives, served by the planned zone, and signing enabled only once
// they resolve; DMARC enforcing at finalize for both names, read back from the server.
import assert from "node:assert/strict";
import { AuthDns, ensureAuthDns, type ZoneText } from "../../harness/authdns";
import { queryDns } from "../../dns/query";
import { txtToString } from "../../dns/spf";
import { printZoneFile } from "../../dns/zonefile";
import { parseConfig } from "../../plan/config";
import { planDnsRecords, withTenantValues } from "../../plan/dns";
import { buildPlan } from "../../plan/plan";
import type { Stage } from "../../plan/types";
import { verificationStep } from "../../plan/verification";
import { plannedToZone } from "../../plan/zoneRecords";
import { DKIM_KEYS, DKIM_SIGNING_ENABLED } from "../../providers/graph/dkimSigning";
import { ANCHOR_MAILBOX } from "../../providers/graph/exchangeAdmin";
import { DOMAIN_VERIFICATION } from "../../providers/graph/tenantDomain";
import { rawMailshift } from "../unit/plan/stackFiles";
import { FakeMicrosoft, MS_VALUE } from "../mock/fakeMicrosoft";
import { asHosted } from "../mock/hostedProvider";

const SOA = ["@ SOA ns1 hostmaster 1 3600 600 86400 300", "@ NS ns1", "ns1 A 127.0.0.1"];

/** The old DNS host's zone: today's MX, and the MS= record once the operator has published it. */
function oldZone(withMs: boolean): ZoneText {
  const lines = ["$ORIGIN example.com.", "$TTL 300", ...SOA, "@ MX 10 mx1.oldhost.net.", '@ TXT "v=spf1 include:_spf.oldhost.net ~all"'];
  if (withMs) lines.push(`@ TXT "${MS_VALUE}"`);
  return { origin: "example.com", text: `${lines.join("\n")}\n` };
}

/** production, its zone created by mailshift (not delegated until cutover). */
function createdZoneConfig(stage: Stage) {
  const raw = structuredClone(rawMailshift("production"));
  raw.cloudflare = { zone: "create", accountId: "0123456789abcdef0123456789abcdef", importZoneFile: false };
  raw.stage = stage;
  // each stage planned on its own here, not reached by moves
  delete raw.previousStage;
  raw.force = true;
  return parseConfig(raw);
}

describe("Exchange and mail authentication against real DNS (NSD)", function () {
  this.timeout(120_000);
  const ms = new FakeMicrosoft();
  const running: AuthDns[] = [];
  let creds: {
    tenantId: string;
    tenantDomain: string;
    clientId: string;
    clientSecret: string;
    loginUrl: string;
    graphUrl: string;
    exchangeUrl: string;
  };
  const serve = async (name: string, zone: ZoneText) => {
    const s = await AuthDns.start({ name, zones: [zone] });
    running.push(s);
    return s;
  };
  const stop = async (s: AuthDns) => {
    await s.stop();
    running.splice(running.indexOf(s), 1);
  };
  before(async () => {
    ensureAuthDns();
    await ms.start();
    creds = {
      tenantId: "tenant-1",
      tenantDomain: "examplecom.onmicrosoft.com",
      clientId: "client-1",
      clientSecret: "graph-secret",
      loginUrl: `${ms.url}/login`,
      graphUrl: `${ms.url}/graph`,
      exchangeUrl: `${ms.url}/exchange`,
    };
  });
  after(async () => {
    await ms.stop();
    for (const s of [...running]) await s.stop();
  });

  it("zone: create: prepare names the MS= record to publish at the old DNS host, and verification passes once the old host serves it", async () => {
    const plan = buildPlan(createdZoneConfig("prepare"));
    assert.equal(plan.verification?.where, "old-host");
    const step = verificationStep(plan.verification!, MS_VALUE, plan.config.ttl.lowered);
    assert.match(step, /^publish example\.com\. 300 IN TXT "MS=ms90817263" at the old DNS host now /);
    // an existing Cloudflare zone is what the registrar names already: nothing to do by hand
    const existing = buildPlan(parseConfig(rawMailshift("production")));
    assert.match(verificationStep(existing.verification!, MS_VALUE, 300), /^nothing to do by hand: mailshift publishes/);

    ms.domains.set("example.com", "unverified");
    const before = await serve("old-without-ms", oldZone(false));
    ms.dns = before.server;
    const verify = asHosted(DOMAIN_VERIFICATION);
    const inputs = {
      ...creds,
      domain: "example.com",
      txtRecordId: "rec",
      verificationTxt: MS_VALUE,
      publishAt: "old-host" as const,
      ttl: 300,
      dnsWaitSeconds: 2,
    };
    await assert.rejects(verify.create!({ ...inputs, nameServer: `127.0.0.1:${before.server.port}` }), (err: Error) => {
      assert.equal(err.name, "VerificationRecordMissing");
      assert.match(
        err.message,
        /^example\.com TXT does not show MS=ms90817263 through 127\.0\.0\.1:\d+ \(it shows "v=spf1 include:_spf\.oldhost\.net ~all"\)\. /,
      );
      assert.ok(err.message.includes('Publish example.com. 300 IN TXT "MS=ms90817263" at the old DNS host'), err.message);
      return true;
    });
    assert.equal(ms.verifyAttempts, 0, "Microsoft is not asked before the record resolves");
    await stop(before);

    // the operator publishes it at the old host; Microsoft reads the same server and verifies
    const after = await serve("old-with-ms", oldZone(true));
    ms.dns = after.server;
    const v = await verify.create!({ ...inputs, nameServer: `127.0.0.1:${after.server.port}` });
    assert.equal(v.outs!.isVerified, true);
    assert.equal(ms.domains.get("example.com"), "verified");
    await stop(after);
  });

  it("DKIM: the zone serves the CNAME targets Exchange gives, and signing is enabled only once they resolve", async () => {
    ms.domains.set("example.com", "verified");
    ms.adminCalls.length = 0;
    const keys = await asHosted(DKIM_KEYS).create!({ ...creds, domain: "example.com" });
    const s1 = String(keys.outs!.selector1CNAME);
    const s2 = String(keys.outs!.selector2CNAME);
    assert.equal(s1, "selector1-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft");
    assert.equal(s2, "selector2-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft");
    assert.equal(keys.outs!.enabled, false);
    // what the provider sent: read, then create the keys without signing, routed to the tenant's system mailbox
    assert.deepEqual(
      ms.adminCalls.map((c) => [c.cmdlet, c.parameters]),
      [
        ["Get-DkimSigningConfig", { Identity: "example.com" }],
        ["New-DkimSigningConfig", { DomainName: "example.com", Enabled: false }],
      ],
    );
    assert.ok(ms.adminCalls.every((c) => c.anchor === `UPN:${ANCHOR_MAILBOX}@examplecom.onmicrosoft.com`));

    const enable = asHosted(DKIM_SIGNING_ENABLED);
    const enableInputs = { ...creds, domain: "example.com", cnameRecordIds: ["r1", "r2"], waitSeconds: 2 };
    // the old zone has no CNAMEs: Exchange refuses, the provider says what to check
    const old = await serve("old-no-dkim", oldZone(true));
    ms.dns = old.server;
    await assert.rejects(
      enable.create!(enableInputs),
      /Exchange cannot see the DKIM CNAMEs of example\.com yet \(selector1\._domainkey\.example\.com -> selector1-example-com/,
    );
    assert.equal(ms.dkim.get("example.com")!.Enabled, false);
    await stop(old);

    // the planned zone, Exchange's values filled in, served by NSD as Cloudflare would serve it
    const planned = (stage: Stage) =>
      withTenantValues(planDnsRecords({ ...createdZoneConfig(stage), routes: { exchange: true, imap: true } }, stage), {
        verificationTxt: MS_VALUE,
        exchangeMx: "example-com.mail.protection.outlook.com",
        dkimSelector1: s1,
        dkimSelector2: s2,
      });
    const zoneOf = (stage: Stage): ZoneText => ({
      origin: "example.com",
      text: `$ORIGIN example.com.\n$TTL 300\n${SOA.join("\n")}\n${printZoneFile("example.com", planned(stage).map(plannedToZone))}`,
    });
    const prepare = await serve("new-prepare", zoneOf("prepare"));
    const cname = await queryDns(prepare.server, "selector1._domainkey.example.com", "CNAME");
    assert.deepEqual(
      cname.answers.map((a) => a.content.replace(/\.$/, "")),
      [s1],
    );
    ms.dns = prepare.server;
    const on = await enable.create!(enableInputs);
    assert.equal(on.outs!.enabled, true);
    assert.equal(ms.dkim.get("example.com")!.Enabled, true);
    assert.deepEqual(ms.adminCalls.at(-1)!.parameters, { Identity: "example.com", Enabled: true });
    const txt = async (s: AuthDns, name: string) => (await queryDns(s.server, name, "TXT")).answers.map((a) => txtToString(a.content));
    assert.deepEqual(await txt(prepare, "_dmarc.example.com"), ["v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"]);
    assert.deepEqual(await txt(prepare, "_dmarc.mail2.example.com"), ["v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"]);
    await stop(prepare);

    // finalize: both names enforce, each with its own record; the subdomain's key is there for its signatures
    const finalize = await serve("new-finalize", zoneOf("finalize"));
    assert.deepEqual(await txt(finalize, "_dmarc.example.com"), ["v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"]);
    assert.deepEqual(await txt(finalize, "_dmarc.mail2.example.com"), ["v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"]);
    const key = await txt(finalize, "default._domainkey.mail2.example.com");
    assert.equal(key.length, 1);
    assert.match(key[0]!, /^v=DKIM1; k=rsa; p=MIIB[A-Za-z0-9+/=]{300,}$/);
    await stop(finalize);
  });

  it("a wrong secret names the setting, never the secret; refresh reads what Exchange has", async () => {
    await assert.rejects(
      asHosted(DKIM_KEYS).create!({ ...creds, clientSecret: "nope", domain: "example.com" }),
      (err: Error) => !err.message.includes("nope") && /mailshift:graphClientSecret/.test(err.message),
    );
    const read = await asHosted(DKIM_KEYS).read!("example.com/dkim", {
      ...creds,
      domain: "example.com",
      selector1CNAME: "",
      selector2CNAME: "",
      enabled: false,
    });
    assert.equal(read.props!.selector1CNAME, "selector1-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft");
    assert.equal(read.props!.enabled, true);
  });
});
