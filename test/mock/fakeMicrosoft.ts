// A loopback stand-in for login.microsoftonline.com, Graph's /domains endpoints and Exchange Online's admin API
// (InvokeCommand: Get-, New- and Set-DkimSigningConfig). It keeps its own state and, like Microsoft, reads DNS
// itself: verification looks up the MS= TXT record and enabling DKIM looks up the selector CNAMEs at the
// authoritative server it is given (a real NSD in the tests), so a provider passes only when the records really
// resolve. Every admin API call is logged as received, for assertions on what the provider sends.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { queryDns, type NameServer } from "../../dns/query";
import { txtToString } from "../../dns/spf";

export type DomainState = "absent" | "unverified" | "verified" | "claimed-elsewhere";

export const CLAIMED_MESSAGE = "Domain verification failed: example.org is already verified in another tenant.";
export const MS_VALUE = "MS=ms90817263";
export const GRAPH_TOKEN = "tok";
export const EXCHANGE_TOKEN = "exo-tok";

export interface AdminCall {
  cmdlet: string;
  parameters: Record<string, unknown>;
  anchor: string | undefined;
}

interface DkimRow {
  Domain: string;
  Selector1CNAME: string;
  Selector2CNAME: string;
  Enabled: boolean;
}

export class FakeMicrosoft {
  readonly domains = new Map<string, DomainState>();
  readonly dkim = new Map<string, DkimRow>();
  readonly adminCalls: AdminCall[] = [];
  verifyAttempts = 0;
  /** verify answers "not yet" this many times before it looks at DNS */
  notYet = 0;
  /** Where Microsoft's own lookups go; without it, verify believes any domain (the old behaviour). */
  dns?: NameServer;
  private server = http.createServer((req, res) => this.handle(req, res));
  url = "";

  constructor(readonly tenantPrefix = "examplecom") {}

  async start() {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Exchange's targets for a domain created after 2025: the dkim.mail.microsoft form. */
  targetFor(selector: 1 | 2, domain: string): string {
    return `selector${selector}-${domain.replace(/\./g, "-")}._domainkey.${this.tenantPrefix}.n-v1.dkim.mail.microsoft`;
  }

  private async lookup(name: string, type: string): Promise<string[]> {
    if (!this.dns) return [];
    const res = await queryDns(this.dns, name, type, { timeoutMs: 500, tries: 2 });
    return res.answers.filter((a) => a.type === type).map((a) => (type === "TXT" ? txtToString(a.content) : a.content.replace(/\.$/, "")));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      this.answer(req, body).then(
        ([code, obj]) => {
          res.writeHead(code, { "content-type": "application/json" });
          res.end(JSON.stringify(obj));
        },
        (err: Error) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { code: "InternalError", message: err.message } }));
        },
      );
    });
  }

  private async answer(req: http.IncomingMessage, body: string): Promise<[number, unknown]> {
    const url = req.url ?? "";
    if (/^\/login\/tenant-1\/oauth2\/v2\.0\/token$/.test(url)) {
      const p = new URLSearchParams(body);
      if (p.get("client_secret") !== "graph-secret")
        return [401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x" }];
      // one token per resource, as Entra issues them: a Graph token is no good at Exchange and back
      const scope = p.get("scope");
      if (scope === "https://graph.microsoft.com/.default") return [200, { access_token: GRAPH_TOKEN, token_type: "Bearer" }];
      if (scope === "https://outlook.office365.com/.default") return [200, { access_token: EXCHANGE_TOKEN, token_type: "Bearer" }];
      return [400, { error: "invalid_scope", error_description: `AADSTS70011: The provided value for scope ${scope} is not valid.` }];
    }
    if (url.startsWith("/exchange/")) return this.exchange(req, url, body);
    if (req.headers.authorization !== `Bearer ${GRAPH_TOKEN}`)
      return [401, { error: { code: "InvalidAuthenticationToken", message: "Access token is empty." } }];
    const m = /^\/graph\/domains(?:\/([^/]+))?(?:\/(\w+))?$/.exec(url);
    if (!m) return [404, { error: { code: "Request_ResourceNotFound", message: url } }];
    const id = m[1] ? decodeURIComponent(m[1]) : undefined;
    const sub = m[2];
    if (req.method === "POST" && !id) {
      const d = (JSON.parse(body) as { id: string }).id;
      const st = this.domains.get(d) ?? "absent";
      if (st === "unverified" || st === "verified")
        return [
          400,
          { error: { code: "Request_BadRequest", message: "Another object with the same value for property id already exists." } },
        ];
      if (st === "absent") this.domains.set(d, "unverified");
      return [201, { id: d, isVerified: false }];
    }
    const st = id ? this.domains.get(id) : undefined;
    if (!id || !st || st === "absent")
      return [404, { error: { code: "Request_ResourceNotFound", message: `Resource '${id}' does not exist` } }];
    if (req.method === "GET" && !sub) return [200, { id, isVerified: st === "verified" }];
    if (req.method === "GET" && sub === "verificationDnsRecords")
      return [
        200,
        {
          value: [
            { recordType: "Mx", mailExchange: "ms90.msv1.invalid" },
            { recordType: "Txt", label: id, text: MS_VALUE, ttl: 3600 },
          ],
        },
      ];
    if (req.method === "GET" && sub === "serviceConfigurationRecords")
      return [
        200,
        {
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
        },
      ];
    if (req.method === "POST" && sub === "verify") {
      this.verifyAttempts++;
      const notFound = [
        400,
        { error: { code: "Request_BadRequest", message: "Domain verification failed: the TXT record was not found." } },
      ] as [number, unknown];
      if (st === "claimed-elsewhere") return [400, { error: { code: "Request_BadRequest", message: CLAIMED_MESSAGE } }];
      if (this.notYet > 0) {
        this.notYet--;
        return notFound;
      }
      if (this.dns && !(await this.lookup(id, "TXT")).includes(MS_VALUE)) return notFound;
      this.domains.set(id, "verified");
      return [200, { id, isVerified: true }];
    }
    return [405, { error: { code: "BadRequest", message: "unsupported" } }];
  }

  private async exchange(req: http.IncomingMessage, url: string, body: string): Promise<[number, unknown]> {
    if (req.headers.authorization !== `Bearer ${EXCHANGE_TOKEN}`)
      return [401, { error: { code: "Unauthorized", message: "The access token is not valid for Exchange Online." } }];
    if (req.method !== "POST" || url !== "/exchange/adminapi/beta/tenant-1/InvokeCommand")
      return [404, { error: { code: "NotFound", message: url } }];
    const input = (JSON.parse(body) as { CmdletInput: { CmdletName: string; Parameters: Record<string, unknown> } }).CmdletInput;
    const anchor = req.headers["x-anchormailbox"];
    this.adminCalls.push({
      cmdlet: input.CmdletName,
      parameters: input.Parameters,
      anchor: typeof anchor === "string" ? anchor : undefined,
    });
    const p = input.Parameters;
    const notFound = (d: unknown): [number, unknown] => [
      404,
      {
        error: {
          code: "NotFound",
          message: `|Microsoft.Exchange.Management.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object '${String(d)}' couldn't be found on 'AM0PR01A001DC01.EURPR01A001.prod.outlook.com'.`,
        },
      },
    ];
    switch (input.CmdletName) {
      case "Get-DkimSigningConfig": {
        const row = this.dkim.get(String(p.Identity));
        return row ? [200, { value: [row] }] : notFound(p.Identity);
      }
      case "New-DkimSigningConfig": {
        const d = String(p.DomainName);
        if (this.domains.get(d) !== "verified")
          return [
            400,
            {
              error: {
                code: "BadRequest",
                message: `|Microsoft.Exchange.Management.Tasks.ValidationException|${d} is not an accepted domain.`,
              },
            },
          ];
        if (this.dkim.has(d)) return [400, { error: { code: "BadRequest", message: `A DKIM signing config for ${d} already exists.` } }];
        const row = { Domain: d, Selector1CNAME: this.targetFor(1, d), Selector2CNAME: this.targetFor(2, d), Enabled: p.Enabled === true };
        this.dkim.set(d, row);
        return [200, { value: [row] }];
      }
      case "Set-DkimSigningConfig": {
        const row = this.dkim.get(String(p.Identity));
        if (!row) return notFound(p.Identity);
        if (p.Enabled === true) {
          // Exchange refuses to sign until both selectors resolve to its targets
          for (const n of [1, 2] as const) {
            const got = await this.lookup(`selector${n}._domainkey.${row.Domain}`, "CNAME");
            if (!got.includes(row[`Selector${n}CNAME`]))
              return [
                400,
                {
                  error: {
                    code: "BadRequest",
                    message: `|Microsoft.Exchange.Management.Tasks.ValidationException|CNAME record does not exist for this config. Please publish the following two CNAME records first. Domain Name : ${row.Domain} Host Name : selector${n}._domainkey Points to address : ${row[`Selector${n}CNAME`]}`,
                  },
                },
              ];
          }
        }
        row.Enabled = p.Enabled === true;
        return [200, { value: [] }];
      }
      default:
        return [400, { error: { code: "BadRequest", message: `The term '${input.CmdletName}' is not recognized` } }];
    }
  }
}
