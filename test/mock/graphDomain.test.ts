// The Graph domain resources (providers/graph) in the form the engine runs them (serialized), against a loopback
// fake of login.microsoftonline.com and Graph's /domains endpoints; and the decisions on Graph's answers.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { decideDomainAdd, decideDomainVerify, exchangeMxFrom, verificationTxtFrom } from "../../providers/graph/domainDecision";
import { domainProvider, verifyProvider } from "../../providers/graph/tenantDomain";
import { asSerialized } from "./serializedProvider";

type DomainState = "absent" | "unverified" | "verified" | "claimed-elsewhere";

const CLAIMED_MESSAGE = "Domain verification failed: example.org is already verified in another tenant.";

class FakeGraph {
  readonly domains = new Map<string, DomainState>();
  verifyAttempts = 0;
  /** verify answers "not yet" this many times before it succeeds */
  notYet = 0;
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";
  async start() {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      const url = req.url ?? "";
      if (/^\/login\/tenant-1\/oauth2\/v2\.0\/token$/.test(url)) {
        const p = new URLSearchParams(body);
        if (p.get("client_secret") !== "graph-secret")
          return send(401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x" });
        return send(200, { access_token: "tok", token_type: "Bearer" });
      }
      if (req.headers.authorization !== "Bearer tok")
        return send(401, { error: { code: "InvalidAuthenticationToken", message: "Access token is empty." } });
      const m = /^\/graph\/domains(?:\/([^/]+))?(?:\/(\w+))?$/.exec(url);
      if (!m) return send(404, { error: { code: "Request_ResourceNotFound", message: url } });
      const id = m[1] ? decodeURIComponent(m[1]) : undefined;
      const sub = m[2];
      if (req.method === "POST" && !id) {
        const d = (JSON.parse(body) as { id: string }).id;
        const st = this.domains.get(d) ?? "absent";
        if (st === "unverified" || st === "verified")
          return send(400, {
            error: { code: "Request_BadRequest", message: "Another object with the same value for property id already exists." },
          });
        if (st === "absent") this.domains.set(d, "unverified");
        return send(201, { id: d, isVerified: false });
      }
      const st = id ? this.domains.get(id) : undefined;
      if (!id || !st || st === "absent")
        return send(404, { error: { code: "Request_ResourceNotFound", message: `Resource '${id}' does not exist` } });
      if (req.method === "GET" && !sub) return send(200, { id, isVerified: st === "verified" });
      if (req.method === "GET" && sub === "verificationDnsRecords")
        return send(200, {
          value: [
            { recordType: "Mx", mailExchange: "ms90.msv1.invalid" },
            { recordType: "Txt", label: id, text: "MS=ms90817263", ttl: 3600 },
          ],
        });
      if (req.method === "GET" && sub === "serviceConfigurationRecords")
        return send(200, {
          value:
            st === "verified"
              ? [
                  {
                    recordType: "Mx",
                    label: id,
                    supportedService: "Email",
                    mailExchange: `${id.replace(/\./g, "-")}.mail.protection.outlook.com`,
                    preference: 0,
                  },
                  { recordType: "Txt", label: id, supportedService: "Email", text: "v=spf1 include:spf.protection.outlook.com -all" },
                ]
              : [],
        });
      if (req.method === "POST" && sub === "verify") {
        this.verifyAttempts++;
        if (st === "claimed-elsewhere") return send(400, { error: { code: "Request_BadRequest", message: CLAIMED_MESSAGE } });
        if (this.notYet > 0) {
          this.notYet--;
          return send(400, { error: { code: "Request_BadRequest", message: "Domain verification failed: the TXT record was not found." } });
        }
        this.domains.set(id, "verified");
        return send(200, { id, isVerified: true });
      }
      return send(405, { error: { code: "BadRequest", message: "unsupported" } });
    });
  }
}

describe("Graph domain resources against a loopback Graph", () => {
  const g = new FakeGraph();
  let creds: { tenantId: string; clientId: string; clientSecret: string; loginUrl: string; graphUrl: string };
  before(async () => {
    await g.start();
    creds = {
      tenantId: "tenant-1",
      clientId: "client-1",
      clientSecret: "graph-secret",
      loginUrl: `${g.url}/login`,
      graphUrl: `${g.url}/graph`,
    };
  });
  after(() => g.stop());

  it("adds the domain and reports its MS= value; the MX target appears once verified", async function () {
    this.timeout(20_000);
    const add = await asSerialized(domainProvider);
    const created = await add.create!({ ...creds, domain: "example.com" });
    assert.equal(created.id, "example.com");
    assert.equal(created.outs!.verificationTxt, "MS=ms90817263");
    assert.equal(created.outs!.exchangeMx, "");
    assert.equal(created.outs!.isVerified, false);
    g.notYet = 1; // the TXT record has not propagated on the first try
    const verify = await asSerialized(verifyProvider);
    const v = await verify.create!({ ...creds, domain: "example.com", txtRecordId: "rec" });
    assert.equal(g.verifyAttempts, 2);
    assert.equal(v.outs!.isVerified, true);
    assert.equal(v.outs!.exchangeMx, "example-com.mail.protection.outlook.com");
  });

  it("adopts a domain already added to this tenant", async () => {
    g.domains.set("example.net", "unverified");
    const created = await (await asSerialized(domainProvider)).create!({ ...creds, domain: "example.net" });
    assert.equal(created.outs!.verificationTxt, "MS=ms90817263");
  });

  it("a domain verified in another tenant fails with a message that says so and what to do", async () => {
    g.domains.set("example.org", "claimed-elsewhere");
    const verify = await asSerialized(verifyProvider);
    await assert.rejects(verify.create!({ ...creds, domain: "example.org", txtRecordId: "rec" }), (err: Error) => {
      assert.equal(err.name, "DomainClaimedError");
      assert.match(err.message, /^example\.org is already verified in another Microsoft 365 tenant, so tenant tenant-1 cannot verify it/);
      assert.match(err.message, /Remove the domain from the other tenant first.*or.*set mailshift:exchange\.tenantId/);
      return true;
    });
  });

  it("a wrong client secret says which setting to fix, without the secret", async () => {
    await assert.rejects(
      (await asSerialized(domainProvider)).create!({ ...creds, clientSecret: "nope", domain: "example.com" }),
      (err: Error) => {
        assert.match(
          err.message,
          /sign-in for app client-1 in tenant tenant-1 failed \(HTTP 401: AADSTS7000215: Invalid client secret provided\.\).*mailshift:graphClientSecret/,
        );
        assert.ok(!err.message.includes("nope"));
        return true;
      },
    );
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
