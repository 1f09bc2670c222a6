import { strict as assert } from "node:assert";
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { redact, safeError, secretValues } from "../../../providers/mailboxMigration/secrets";
import { fetchAccessToken } from "../../../providers/mailboxMigration/tokenSource";
import { resolveEndpoint } from "../../../providers/mailboxMigration/endpoints";

describe("MailboxMigration secrets", () => {
  it("collects every credential of both endpoints", () => {
    const s = secretValues({
      source: { host: "h", user: "u", password: "src-pw-1" },
      destination: { host: "h2", user: "u", oauth2: { tenantId: "t", clientId: "c", clientSecret: "client-secret-9" } },
    });
    assert.deepEqual(s.sort(), ["client-secret-9", "src-pw-1"]);
  });

  it("redacts a secret in plain, base64 and URL-encoded form", () => {
    const pw = "p@ss w0rd!";
    const text = `login ${pw} AUTH ${Buffer.from(pw).toString("base64")} body client_secret=${encodeURIComponent(pw)}`;
    const out = redact(text, [pw]);
    assert.equal(out, "login [secret] AUTH [secret] body client_secret=[secret]");
  });

  it("property: no redacted text contains the secret", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 3, maxLength: 20 }), fc.string(), fc.string(), (secret, a, b) => {
        assert.ok(!redact(`${a}${secret}${b}${secret}`, [secret]).includes(secret));
      }),
    );
  });

  it("an error turned safe keeps its message but not the secret, in the message nor the stack", () => {
    const e = safeError(new Error("LOGIN alice hunter2-long failed"), ["hunter2-long"], "source: ");
    assert.equal(e.message, "source: LOGIN alice [secret] failed");
    assert.ok(!String(e.stack).includes("hunter2-long"));
  });
});

describe("MailboxMigration OAuth2 token source (local token endpoint)", () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        seen.push(body);
        const form = new URLSearchParams(body);
        res.setHeader("content-type", "application/json");
        if (form.get("client_secret") === "right-secret-123" && form.get("grant_type") === "client_credentials") {
          res.end(JSON.stringify({ access_token: "token-xyz-789", expires_in: 3599, token_type: "Bearer" }));
        } else {
          res.statusCode = 401;
          // a real token endpoint may echo what it got; the provider must not pass that on
          res.end(JSON.stringify({ error: "invalid_client", error_description: `AADSTS7000215: Invalid client secret provided: ${form.get("client_secret")}` }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/oauth2/v2.0/token`;
  });
  after(() => server.close());

  it("fetches a token with the client-credentials grant and the Exchange scope", async () => {
    const t = await fetchAccessToken({ tenantId: "t", clientId: "app-1", clientSecret: "right-secret-123", tokenUrl: url }, "destination bob@x:993");
    assert.equal(t, "token-xyz-789");
    const form = new URLSearchParams(seen.at(-1));
    assert.equal(form.get("scope"), "https://outlook.office365.com/.default");
    assert.equal(form.get("client_id"), "app-1");
  });

  it("an endpoint with oauth2 logs in with the fetched token", async () => {
    const e = await resolveEndpoint(
      { host: "outlook.office365.com", port: 993, tls: "implicit", user: "bob@x", oauth2: { tenantId: "t", clientId: "app-1", clientSecret: "right-secret-123", tokenUrl: url } },
      "destination",
    );
    assert.deepEqual([e.accessToken, e.password], ["token-xyz-789", undefined]);
  });

  it("a refused secret: the error names the endpoint and what to check, never the secret", async () => {
    await assert.rejects(
      fetchAccessToken({ tenantId: "t", clientId: "app-1", clientSecret: "wrong-secret-456", tokenUrl: url }, "destination bob@x:993"),
      (err: Error) => {
        assert.match(err.message, /^destination bob@x:993: the OAuth2 token endpoint .* refused the client credentials \(HTTP 401, invalid_client: AADSTS7000215/);
        assert.match(err.message, /Check oauth2\.tenantId, oauth2\.clientId and oauth2\.clientSecret/);
        assert.ok(!err.message.includes("wrong-secret-456"), err.message);
        assert.ok(!String(err.stack).includes("wrong-secret-456"));
        return true;
      },
    );
  });
});
