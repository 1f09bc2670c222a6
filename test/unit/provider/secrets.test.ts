import { strict as assert } from "node:assert";
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { redact, safeError, secretValues } from "../../../providers/mailboxMigration/secrets";
import { fetchAccessToken, oauth2TokenProvider, TOKEN_MARGIN_MS } from "../../../providers/mailboxMigration/tokenSource";
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
  let issued = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        seen.push(body);
        const form = new URLSearchParams(body);
        res.setHeader("content-type", "application/json");
        const ok = form.get("client_secret") === "right-secret-123" && form.get("grant_type") === "client_credentials";
        if (ok && form.get("client_id") === "app-1") {
          res.end(JSON.stringify({ access_token: "token-xyz-789", expires_in: 3599, token_type: "Bearer" }));
        } else if (ok) {
          // numbered tokens, so that a test sees which request a token came from; "app-short" tokens live a minute
          issued += 1;
          res.end(
            JSON.stringify({
              access_token: `token-${issued}-of-${form.get("client_id")}`,
              expires_in: form.get("client_id") === "app-short" ? 60 : 3599,
              token_type: "Bearer",
            }),
          );
        } else {
          res.statusCode = 401;
          // a real token endpoint may echo what it got; the provider must not pass that on
          res.end(
            JSON.stringify({
              error: "invalid_client",
              error_description: `AADSTS7000215: Invalid client secret provided: ${form.get("client_secret")}`,
            }),
          );
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/oauth2/v2.0/token`;
  });
  after(() => server.close());

  it("fetches a token with the client-credentials grant and the Exchange scope", async () => {
    const t = await fetchAccessToken(
      { tenantId: "t", clientId: "app-1", clientSecret: "right-secret-123", tokenUrl: url },
      "destination bob@x:993",
    );
    assert.equal(t, "token-xyz-789");
    const form = new URLSearchParams(seen.at(-1));
    assert.equal(form.get("scope"), "https://outlook.office365.com/.default");
    assert.equal(form.get("client_id"), "app-1");
  });

  it("an endpoint with oauth2 gets no token up front: the engine asks its token provider at each connection", async () => {
    const before = seen.length;
    const e = resolveEndpoint(
      {
        host: "outlook.office365.com",
        port: 993,
        tls: "implicit",
        user: "bob@x",
        oauth2: { tenantId: "t", clientId: "app-1", clientSecret: "right-secret-123", tokenUrl: url },
      },
      "destination",
    );
    assert.deepEqual([e.accessToken, e.password, typeof e.accessTokenProvider], [undefined, undefined, "function"]);
    assert.equal(seen.length, before, "nothing fetched until a connection asks");
    assert.equal(await e.accessTokenProvider!({ forceRefresh: false }), "token-xyz-789");
    assert.equal(seen.length, before + 1);
  });

  it("token provider: connections within a token's life share it; forceRefresh (the server refused it) fetches a new one", async () => {
    const told: string[] = [];
    const get = oauth2TokenProvider(
      { tenantId: "t", clientId: "app-long", clientSecret: "right-secret-123", tokenUrl: url },
      "source a@x:993",
      {
        onToken: (t) => told.push(t),
      },
    );
    const before = seen.length;
    const [a, b] = await Promise.all([get({ forceRefresh: false }), get({ forceRefresh: false })]);
    const c = await get({ forceRefresh: false });
    assert.equal(seen.length, before + 1, "one request for three connections (two of them at once)");
    assert.ok(a === b && b === c && /^token-\d+-of-app-long$/.test(a), a);
    const fresh = await get({ forceRefresh: true });
    assert.equal(seen.length, before + 2, "forceRefresh always asks the endpoint");
    assert.notEqual(fresh, a);
    assert.equal(await get({ forceRefresh: false }), fresh, "the refreshed token is the one handed out next");
    assert.deepEqual(told, [a, fresh], "every fetched token is reported, so errors and logs can redact it");
  });

  it("token provider: a token with less than the margin left is not handed to a new connection", async () => {
    let clock = 1_000_000;
    const long = oauth2TokenProvider(
      { tenantId: "t", clientId: "app-long", clientSecret: "right-secret-123", tokenUrl: url },
      "source a@x:993",
      { now: () => clock },
    );
    const first = await long({ forceRefresh: false });
    clock += 3599_000 - TOKEN_MARGIN_MS - 1;
    assert.equal(await long({ forceRefresh: false }), first, "still well within its life");
    clock += 2;
    assert.notEqual(await long({ forceRefresh: false }), first, "an hour-long copy reconnects with a new token");
    // tokens shorter than the margin: one per connection
    const before = seen.length;
    const short = oauth2TokenProvider(
      { tenantId: "t", clientId: "app-short", clientSecret: "right-secret-123", tokenUrl: url },
      "source a@x:993",
    );
    const s1 = await short({ forceRefresh: false });
    const s2 = await short({ forceRefresh: false });
    assert.notEqual(s1, s2);
    assert.equal(seen.length, before + 2);
  });

  it("token provider: a refused secret fails the connection with the endpoint named, never the secret", async () => {
    const get = oauth2TokenProvider(
      { tenantId: "t", clientId: "app-long", clientSecret: "wrong-secret-456", tokenUrl: url },
      "source a@x:993",
    );
    await assert.rejects(get({ forceRefresh: false }), (err: Error) => {
      assert.match(err.message, /^source a@x:993: the OAuth2 token endpoint .* refused the client credentials \(HTTP 401/);
      assert.ok(!err.message.includes("wrong-secret-456"));
      return true;
    });
  });

  it("a refused secret: the error names the endpoint and what to check, never the secret", async () => {
    await assert.rejects(
      fetchAccessToken({ tenantId: "t", clientId: "app-1", clientSecret: "wrong-secret-456", tokenUrl: url }, "destination bob@x:993"),
      (err: Error) => {
        assert.match(
          err.message,
          /^destination bob@x:993: the OAuth2 token endpoint .* refused the client credentials \(HTTP 401, invalid_client: AADSTS7000215/,
        );
        assert.match(err.message, /Check oauth2\.tenantId, oauth2\.clientId and oauth2\.clientSecret/);
        assert.ok(!err.message.includes("wrong-secret-456"), err.message);
        assert.ok(!String(err.stack).includes("wrong-secret-456"));
        return true;
      },
    );
  });
});
