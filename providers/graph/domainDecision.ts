// What Microsoft Graph's answers about a custom domain mean for mailshift. Pure, so every branch is tested
// without a tenant. Graph error bodies: { error: { code, message } }.

export interface GraphAnswer {
  status: number;
  body: unknown;
}

// Plain Error objects with a name, not subclasses: this code is serialized into the dynamic provider, and a
// serialized `class extends Error` loses its message there.
export function domainClaimedError(domain: string, tenantId: string, graphMessage: string): Error {
  const e = new Error(
    `${domain} is already verified in another Microsoft 365 tenant, so tenant ${tenantId} cannot verify it (Graph: "${graphMessage}"). ` +
      `Remove the domain from the other tenant first (its admin: Microsoft 365 admin center > Settings > Domains > Remove, after moving its users off the domain), ` +
      `or, if that tenant is the one you mean to use, set mailshift:exchange.tenantId to it; then run pulumi up again.`,
  );
  e.name = "DomainClaimedError";
  return e;
}

export function graphRequestError(what: string, answer: GraphAnswer, fix: string): Error {
  const e = new Error(`Microsoft Graph ${what} failed with HTTP ${answer.status}: ${graphMessage(answer) || "(no message)"}. ${fix}`);
  e.name = "GraphRequestError";
  return e;
}

export function graphMessage(a: GraphAnswer): string {
  const e = (a.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const parts = [typeof e?.code === "string" ? e.code : "", typeof e?.message === "string" ? e.message : ""].filter(Boolean);
  return parts.join(": ");
}

const CLAIMED = /(another|different|other) (tenant|directory|organi[sz]ation|company)|already (been )?(verified|in use|taken|used)/i;
const EXISTS_HERE = /same value for property id already exists|already exists in (this|your) (tenant|directory)/i;

/** POST /domains: created, already in this tenant (fine: adopt it), or stop. */
export function decideDomainAdd(domain: string, tenantId: string, a: GraphAnswer): "created" | "exists" {
  if (a.status === 201 || a.status === 200) return "created";
  const msg = graphMessage(a);
  if ((a.status === 400 || a.status === 409) && EXISTS_HERE.test(msg)) return "exists";
  if ((a.status === 400 || a.status === 409) && CLAIMED.test(msg)) throw domainClaimedError(domain, tenantId, msg);
  if (a.status === 401 || a.status === 403)
    throw graphRequestError(
      `adding ${domain}`,
      a,
      "Grant the Graph app (mailshift:exchange.graphClientId) the application permission Domain.ReadWrite.All with admin consent",
    );
  throw graphRequestError(`adding ${domain}`, a, "Check the domain name and the tenant, then run pulumi up again");
}

/** POST /domains/{id}/verify: verified, not yet (the TXT record has not propagated), or claimed elsewhere. */
export function decideDomainVerify(domain: string, tenantId: string, a: GraphAnswer): "verified" | "retry" {
  const body = a.body as { isVerified?: unknown } | undefined;
  if (a.status === 200 && body?.isVerified === true) return "verified";
  const msg = graphMessage(a);
  if (a.status === 400 && CLAIMED.test(msg)) throw domainClaimedError(domain, tenantId, msg);
  if (a.status === 200 || a.status === 400) return "retry";
  throw graphRequestError(`verifying ${domain}`, a, "Check the Graph app's Domain.ReadWrite.All permission, then run pulumi up again");
}

interface ServiceRecord {
  recordType?: unknown;
  supportedService?: unknown;
  mailExchange?: unknown;
  text?: unknown;
}

/** The MX target of the Email service among GET /domains/{id}/serviceConfigurationRecords, if listed. */
export function exchangeMxFrom(body: unknown): string | undefined {
  const list = ((body as { value?: unknown })?.value ?? []) as ServiceRecord[];
  const mx = list.find((r) => r.recordType === "Mx" && (r.supportedService === undefined || r.supportedService === "Email"));
  return typeof mx?.mailExchange === "string" ? mx.mailExchange.replace(/\.$/, "").toLowerCase() : undefined;
}

/** The MS=msNNNN value among GET /domains/{id}/verificationDnsRecords. */
export function verificationTxtFrom(body: unknown): string | undefined {
  const list = ((body as { value?: unknown })?.value ?? []) as ServiceRecord[];
  const txt = list.find((r) => r.recordType === "Txt" && typeof r.text === "string" && /^MS=ms\d+$/.test(r.text));
  return txt ? (txt.text as string) : undefined;
}
