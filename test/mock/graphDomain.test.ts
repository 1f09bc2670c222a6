// The Graph domain resources (providers/graph) in the form the engine runs them (the `__provider` module), against a loopback
// fake of login.microsoftonline.com and Graph's /domains endpoints; and the decisions on Graph's answers.
import assert from "node:assert/strict";
import { decideDomainAdd, decideDomainVerify, exchangeMxFrom, verificationTxtFrom } from "../../providers/graph/domainDecision";
import { DOMAIN_VERIFICATION, TENANT_DOMAIN } from "../../providers/graph/tenantDomain";
import { asHosted } from "./hostedProvider";
import { AuthDns, ensureAuthDns } from "../../harness/authdns";
import { CLAIMED_MESSAGE, FakeMicrosoft, MS_VALUE } from "./fakeMicrosoft";

/** The old DNS host, serving the MS= record Microsoft looks up (NSD). */
const zoneWithMs = (origin: string) => ({
  origin,
  text: `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 127.0.0.1\n@ TXT "${MS_VALUE}"\n`,
});

describe("Graph domain resources against a loopback Graph", function () {
  this.timeout(60_000);
  const g = new FakeMicrosoft();
  let dns: AuthDns;
  let creds: { tenantId: string; clientId: string; clientSecret: string; loginUrl: string; graphUrl: string };
  let where: { verificationTxt: string; publishAt: "zone"; ttl: number; nameServer: string };
  before(async () => {
    ensureAuthDns();
    dns = await AuthDns.start({ name: "graph-old", zones: [zoneWithMs("example.com"), zoneWithMs("example.org")] });
    g.dns = dns.server;
    where = { verificationTxt: MS_VALUE, publishAt: "zone", ttl: 300, nameServer: `127.0.0.1:${dns.server.port}` };
    await g.start();
    creds = {
      tenantId: "tenant-1",
      clientId: "client-1",
      clientSecret: "graph-secret",
      loginUrl: `${g.url}/login`,
      graphUrl: `${g.url}/graph`,
    };
  });
  after(async () => {
    await g.stop();
    await dns?.stop();
  });

  it("adds the domain and reports its MS= value; the MX target appears once verified", async function () {
    this.timeout(20_000);
    const add = asHosted(TENANT_DOMAIN);
    const created = await add.create!({ ...creds, domain: "example.com" });
    assert.equal(created.id, "example.com");
    assert.equal(created.outs!.verificationTxt, "MS=ms90817263");
    assert.equal(created.outs!.exchangeMx, "");
    assert.equal(created.outs!.isVerified, false);
    g.notYet = 1; // the TXT record has not propagated on the first try
    const verify = asHosted(DOMAIN_VERIFICATION);
    const v = await verify.create!({ ...creds, ...where, domain: "example.com", txtRecordId: "rec" });
    assert.equal(g.verifyAttempts, 2);
    assert.equal(v.outs!.isVerified, true);
    assert.equal(v.outs!.exchangeMx, "example-com.mail.protection.outlook.com");
  });

  it("adopts a domain already added to this tenant", async () => {
    g.domains.set("example.net", "unverified");
    const created = await asHosted(TENANT_DOMAIN).create!({ ...creds, domain: "example.net" });
    assert.equal(created.outs!.verificationTxt, "MS=ms90817263");
  });

  it("a domain verified in another tenant fails with a message that says so and what to do", async () => {
    g.domains.set("example.org", "claimed-elsewhere");
    const verify = asHosted(DOMAIN_VERIFICATION);
    await assert.rejects(verify.create!({ ...creds, ...where, domain: "example.org", txtRecordId: "rec" }), (err: Error) => {
      assert.equal(err.name, "DomainClaimedError");
      assert.match(err.message, /^example\.org is already verified in another Microsoft 365 tenant, so tenant tenant-1 cannot verify it/);
      assert.match(err.message, /Remove the domain from the other tenant first.*or.*set mailshift:exchange\.tenantId/);
      return true;
    });
  });

  it("a wrong client secret says which setting to fix, without the secret", async () => {
    await assert.rejects(asHosted(TENANT_DOMAIN).create!({ ...creds, clientSecret: "nope", domain: "example.com" }), (err: Error) => {
      assert.match(
        err.message,
        /sign-in for app client-1 in tenant tenant-1 failed \(HTTP 401: AADSTS7000215: Invalid client secret provided\.\).*mailshift:graphClientSecret/,
      );
      assert.ok(!err.message.includes("nope"));
      return true;
    });
  });
});

describe("Graph domain decisions", () => {
  const claimed = { status: 400, body: { error: { code: "Request_BadRequest", message: CLAIMED_MESSAGE } } };
  it("add: created, exists here (adopt), claimed elsewhere, no permission", () => {
    assert.equal(decideDomainAdd("example.com", "t", { status: 201, body: {} }), "created");
    assert.equal(
      decideDomainAdd("example.com", "t", {
        status: 400,
        body: { error: { message: "Another object with the same value for property id already exists." } },
      }),
      "exists",
    );
    assert.throws(() => decideDomainAdd("example.org", "t", claimed), { name: "DomainClaimedError" });
    assert.throws(
      () =>
        decideDomainAdd("example.com", "t", {
          status: 403,
          body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" } },
        }),
      /Domain\.ReadWrite\.All/,
    );
  });
  it("verify: verified, retry while the record is not visible, claimed elsewhere", () => {
    assert.equal(decideDomainVerify("example.com", "t", { status: 200, body: { isVerified: true } }), "verified");
    assert.equal(
      decideDomainVerify("example.com", "t", { status: 400, body: { error: { message: "the TXT record was not found" } } }),
      "retry",
    );
    assert.throws(() => decideDomainVerify("example.org", "t", claimed), /already verified in another Microsoft 365 tenant/);
    assert.throws(() => decideDomainVerify("example.com", "t", { status: 500, body: undefined }), /HTTP 500/);
  });
  it("reads the Email MX and the MS= value out of Graph's record lists", () => {
    assert.equal(
      exchangeMxFrom({
        value: [
          { recordType: "Txt", text: "x" },
          { recordType: "Mx", supportedService: "Email", mailExchange: "Contoso-com.mail.protection.outlook.com." },
        ],
      }),
      "contoso-com.mail.protection.outlook.com",
    );
    assert.equal(exchangeMxFrom({ value: [] }), undefined);
    assert.equal(
      verificationTxtFrom({
        value: [
          { recordType: "Txt", text: "v=spf1 -all" },
          { recordType: "Txt", text: "MS=ms1234" },
        ],
      }),
      "MS=ms1234",
    );
  });
});
