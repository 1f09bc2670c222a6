// App-only OAuth2 as for Exchange Online: tokens from a local client-credentials endpoint, Dovecot taking
// XOAUTH2/OAUTHBEARER and checking each token with that endpoint (introspection). Short token lifetimes make a
// copy outlive its token.
import { strict as assert } from "node:assert";
import { AuthenticationError, syncMailbox, type Endpoint } from "../../engine";
import { fetchAccessToken } from "../../providers/mailboxMigration/tokenSource";
import { resolveEndpoint } from "../../providers/mailboxMigration/endpoints";
import * as gen from "../../harness/generate";
import { appendAll } from "../../harness/corpus";
import { Dovecot, ensureDovecot, stopAllDovecots } from "../../harness/dovecot";
import { FaultProxy } from "../../harness/faultProxy";
import { exchangeEmulation } from "../../harness/exchangeEmulation";
import { EXCHANGE_SCOPE, TokenEndpoint } from "../../harness/oauth";
import { FAST_RETRY } from "../engine/fixtures";
import { snapshot } from "../engine/snapshot";

describe("faults: OAuth2 client-credentials tokens and XOAUTH2 (real Dovecot, local token endpoint)", function () {
  this.timeout(120_000);
  let endpoint: TokenEndpoint;
  let source: Dovecot;
  let exchange: Dovecot;
  const proxies: FaultProxy[] = [];
  const clientId = "11111111-2222-3333-4444-555555555555";
  const clientSecret = "app-secret-never-logged";
  let n = 0;

  before(async () => {
    ensureDovecot();
    endpoint = await TokenEndpoint.start({ apps: [] });
    [source, exchange] = await Promise.all([
      Dovecot.start({ layout: "old", users: [], name: "oauth-src", keepDir: false }),
      Dovecot.start({
        layout: "new",
        users: [],
        name: "oauth-exo",
        keepDir: false,
        oauth2: { introspectionUrl: endpoint.introspectionUrl },
      }),
    ]);
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
    endpoint.lifetimeMs = 3_600_000;
  });
  after(async () => {
    await stopAllDovecots();
    await endpoint.stop();
  });

  /** A mailbox on both servers and an app registration granted the destination mailbox. */
  async function mailbox(messages: number) {
    n += 1;
    const user = `oauth${n}-${process.pid}`;
    const app = { clientId: `${clientId}-${n}`, clientSecret, mailbox: user };
    (endpoint as unknown as { apps: (typeof app)[] }).apps.push(app);
    await source.addUser({ user, password: "src-pw" });
    // the destination's own password is never given to the engine: only tokens
    await exchange.addUser({ user, password: `unused-${Math.random()}` });
    await appendAll(source.url(user), "src-pw", "INBOX", gen.many(messages, 90 + n));
    const from: Endpoint = { host: source.host, port: source.port, tls: "starttls", user, password: "src-pw" };
    const oauth2 = { tenantId: "contoso.onmicrosoft.com", clientId: app.clientId, clientSecret, tokenUrl: endpoint.tokenUrl };
    return { user, app, from, oauth2 };
  }

  async function assertExactlyOnce(user: string) {
    const src = await snapshot(source.url(user), "src-pw");
    // read the destination with a token too
    const token = (await endpoint.fetchToken(`${clientId}-${n}`, clientSecret)).accessToken;
    const { ImapFlow } = await import("imapflow");
    const c = new ImapFlow({ host: exchange.host, port: exchange.port, secure: false, auth: { user, accessToken: token }, logger: false });
    c.on("error", () => undefined);
    await c.connect();
    const dstCount = (await c.mailboxOpen("INBOX", { readOnly: true })).exists;
    await c.logout();
    assert.equal(dstCount, src.get("INBOX")?.length, "as many messages on the destination as on the source");
    return src;
  }

  function tokenLogins(user: string): number {
    return exchange
      .logs()
      .split("\n")
      .filter((l) => l.includes(`Login: user=<${user}>`) && /method=(XOAUTH2|OAUTHBEARER)/.test(l)).length;
  }

  it("issues a token for the Exchange scope to the client-credentials flow, and refuses a wrong secret or scope", async () => {
    const { app } = await mailbox(0);
    const t = await endpoint.fetchToken(app.clientId, clientSecret);
    assert.ok(t.accessToken.length >= 20);
    assert.equal(t.expiresInSeconds, 3600);
    await assert.rejects(endpoint.fetchToken(app.clientId, "wrong"), /401 invalid_client/);
    await assert.rejects(endpoint.fetchToken(app.clientId, clientSecret, "https://graph.microsoft.com/.default"), /invalid_scope/);
    assert.equal(EXCHANGE_SCOPE, "https://outlook.office365.com/.default");
  });

  it("copies to a mailbox opened with XOAUTH2 and a token from the endpoint (the provider's token client)", async () => {
    const { user, from, oauth2 } = await mailbox(20);
    const accessToken = await fetchAccessToken(oauth2, "destination");
    const to: Endpoint = { host: exchange.host, port: exchange.port, tls: "starttls", user, accessToken };
    const before = endpoint.accepted;
    const s = await syncMailbox(from, to, { retry: FAST_RETRY });
    assert.equal(s.verified, true);
    assert.ok(endpoint.accepted > before, "Dovecot checked the token with the endpoint");
    assert.ok(tokenLogins(user) >= 1, "logged in with a token, not a password");
    await assertExactlyOnce(user);
  });

  it("stops with an authentication error that names the mailbox, and never shows the token, when the token is refused", async () => {
    const { user, from, oauth2 } = await mailbox(3);
    const accessToken = await fetchAccessToken(oauth2, "destination");
    endpoint.revokeAll();
    const to: Endpoint = { host: exchange.host, port: exchange.port, tls: "starttls", user, accessToken };
    await assert.rejects(syncMailbox(from, to, { retry: FAST_RETRY }), (e: Error) => {
      assert.ok(e instanceof AuthenticationError, e.message);
      assert.match(e.message, new RegExp(`${user}@127\\.0\\.0\\.1:${exchange.port}`));
      assert.match(e.message, /OAuth2 token was refused/);
      assert.ok(!e.message.includes(accessToken) && !e.message.includes(clientSecret));
      return true;
    });
  });

  it("reconnects with a fresh token when the copy outlives its token (accessTokenProvider)", async () => {
    const { user, from, oauth2 } = await mailbox(60);
    endpoint.lifetimeMs = 1_500;
    // slow the copy (throttled APPENDs) and drop every connection once the first token has expired
    const proxy = await FaultProxy.start({ target: { host: exchange.host, port: exchange.port } });
    proxies.push(proxy);
    proxy.use(exchangeEmulation({ throttleEvery: 2, backoffMs: 100 }).rules);
    let cached: string | undefined;
    let calls = 0;
    const to: Endpoint = {
      host: "127.0.0.1",
      port: proxy.port,
      tls: "starttls",
      user,
      // a client that keeps its token until told to refresh: the engine must ask for a new one when refused
      accessTokenProvider: async ({ forceRefresh }) => {
        calls += 1;
        if (!cached || forceRefresh) cached = await fetchAccessToken(oauth2, "destination");
        return cached;
      },
    };
    const issuedBefore = endpoint.issued;
    const timer = setTimeout(() => proxy.dropAll(), 2_500);
    let s: Awaited<ReturnType<typeof syncMailbox>>;
    try {
      s = await syncMailbox(from, to, { retry: FAST_RETRY, connections: 1 });
    } finally {
      clearTimeout(timer);
    }
    assert.ok(s.durationMs > 2_500, `the copy outlived the token (${s.durationMs} ms)`);
    assert.ok(s.retries >= 1, "the dropped connections were retried");
    assert.ok(
      endpoint.issued - issuedBefore >= 2,
      `a second token was fetched (${endpoint.issued - issuedBefore} in all, ${calls} provider calls)`,
    );
    assert.equal(s.verified, true);
    const src = await assertExactlyOnce(user);
    // what the interrupted attempt copied shows as already present when the folder is retried
    assert.equal(s.totals.copied + s.totals.alreadyPresent, src.get("INBOX")?.length);
  });

  // The Pulumi provider's path: resolveEndpoint turns the stack's oauth2 settings into the engine's token provider.
  it("a copy through the provider's endpoint (oauth2 settings) renews its token when it outlives it", async () => {
    const { user, from, oauth2 } = await mailbox(60);
    endpoint.lifetimeMs = 1_500;
    const proxy = await FaultProxy.start({ target: { host: exchange.host, port: exchange.port } });
    proxies.push(proxy);
    proxy.use(exchangeEmulation({ throttleEvery: 2, backoffMs: 100 }).rules);
    const to = await resolveEndpoint({ host: "127.0.0.1", port: proxy.port, tls: "starttls", user, oauth2 }, "destination");
    assert.equal(to.accessToken, undefined, "no fixed token");
    const issuedBefore = endpoint.issued;
    const timer = setTimeout(() => proxy.dropAll(), 2_500);
    try {
      const s = await syncMailbox(from, to, { retry: FAST_RETRY, connections: 1 });
      assert.ok(s.durationMs > 2_500 && s.retries >= 1, "the copy outlived its token and reconnected");
      assert.equal(s.verified, true);
    } finally {
      clearTimeout(timer);
    }
    assert.ok(endpoint.issued - issuedBefore >= 2, "a fresh token was fetched");
    await assertExactlyOnce(user);
  });
});
