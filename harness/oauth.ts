// A local OAuth2 token endpoint for tests, shaped like Microsoft identity platform's app-only flow:
// `POST /token` with grant_type=client_credentials, client_id, client_secret and the scope
// https://outlook.office365.com/.default issues a short-lived bearer token; `/introspect` says whether a token is
// live and which mailbox it may open: POST token=... (RFC 7662, Dovecot's introspection_mode = post) or GET with
// `Authorization: Bearer` (mode auth). Tokens are random, held in memory, and expire after a set lifetime.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type net from "node:net";

export const EXCHANGE_SCOPE = "https://outlook.office365.com/.default";

/**
 * An app registration: its credentials and the one mailbox it was granted. One, because Dovecot 2.3's oauth2
 * passdb does not tell the introspection endpoint which mailbox is being opened (the URL is not expanded, the
 * request carries only the token), so the answer must name the mailbox, and Dovecot compares it with the login.
 */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  mailbox: string;
}

export interface TokenEndpointOptions {
  apps: readonly OAuthApp[];
  /** How long a token lives. Default one hour, as at Microsoft; tests of renewal use a second or two. */
  lifetimeMs?: number;
}

interface Issued {
  app: OAuthApp;
  expires: number;
}

export class OAuthHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OAuthHarnessError";
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
      if (body.length > 64 * 1024) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

export class TokenEndpoint {
  private readonly tokens = new Map<string, Issued>();
  /** Tokens issued so far. */
  issued = 0;
  /** Introspection requests (one per IMAP login with a token), and how many found the token live. */
  introspections = 0;
  accepted = 0;
  lifetimeMs: number;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly apps: readonly OAuthApp[],
    lifetimeMs: number,
  ) {
    this.lifetimeMs = lifetimeMs;
  }

  static async start(opts: TokenEndpointOptions): Promise<TokenEndpoint> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const ep = new TokenEndpoint(server, (server.address() as net.AddressInfo).port, opts.apps, opts.lifetimeMs ?? 3_600_000);
    server.on("request", (req, res) => {
      ep.handle(req, res).catch((err: Error) => reply(res, 500, { error: "server_error", error_description: err.message }));
    });
    return ep;
  }

  get tokenUrl(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  /** For Dovecot's oauth2 passdb (OAuth2Validation.introspectionUrl). */
  get introspectionUrl(): string {
    return `http://127.0.0.1:${this.port}/introspect`;
  }

  /** Every token issued so far stops working at once (as when an admin revokes the app's consent). */
  revokeAll(): void {
    this.tokens.clear();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const introspection = url.pathname === "/introspect";
    if (introspection && req.method === "GET") {
      const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
      return this.introspect(bearer?.[1] ?? "", res);
    }
    if (req.method !== "POST") return reply(res, 405, { error: "invalid_request", error_description: "use POST" });
    const form = new URLSearchParams(await readBody(req));
    if (url.pathname === "/token") return this.token(form, res);
    if (introspection) return this.introspect(form.get("token") ?? "", res);
    reply(res, 404, { error: "not_found" });
  }

  private token(form: URLSearchParams, res: http.ServerResponse): void {
    if (form.get("grant_type") !== "client_credentials")
      return void reply(res, 400, { error: "unsupported_grant_type", error_description: "only client_credentials is supported" });
    const app = this.apps.find((a) => a.clientId === form.get("client_id"));
    if (!app || app.clientSecret !== form.get("client_secret"))
      return void reply(res, 401, { error: "invalid_client", error_description: "unknown client or wrong secret" });
    if (form.get("scope") !== EXCHANGE_SCOPE)
      return void reply(res, 400, { error: "invalid_scope", error_description: `the scope must be ${EXCHANGE_SCOPE}` });
    const token = randomBytes(24).toString("base64url");
    this.tokens.set(token, { app, expires: Date.now() + this.lifetimeMs });
    this.issued += 1;
    reply(res, 200, {
      token_type: "Bearer",
      expires_in: Math.max(1, Math.round(this.lifetimeMs / 1000)),
      ext_expires_in: Math.max(1, Math.round(this.lifetimeMs / 1000)),
      access_token: token,
    });
  }

  private introspect(token: string, res: http.ServerResponse): void {
    this.introspections += 1;
    const t = this.tokens.get(token);
    if (t === undefined || t.expires <= Date.now()) {
      reply(res, 200, { active: false });
      return;
    }
    this.accepted += 1;
    reply(res, 200, {
      active: true,
      username: t.app.mailbox,
      client_id: t.app.clientId,
      scope: EXCHANGE_SCOPE,
      exp: Math.floor(t.expires / 1000),
    });
  }

  /** Asks for a token the way a client does (HTTP, form-encoded); rejects with the endpoint's error. */
  async fetchToken(
    clientId: string,
    clientSecret: string,
    scope = EXCHANGE_SCOPE,
  ): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const res = await fetch(this.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope }).toString(),
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token)
      throw new OAuthHarnessError(
        `token request for client ${clientId} failed: ${res.status} ${body.error ?? ""} ${body.error_description ?? ""}`.trim(),
      );
    return { accessToken: body.access_token, expiresInSeconds: body.expires_in ?? 0 };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
