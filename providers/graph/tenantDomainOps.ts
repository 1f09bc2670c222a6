// The operations of TenantDomain and DomainVerification (tenantDomain.ts), required by the dynamic-provider host
// at call time. The decisions are in domainDecision.ts.
import type * as pulumi from "@pulumi/pulumi";
import { decideDomainAdd, decideDomainVerify, exchangeMxFrom, graphRequestError, verificationTxtFrom } from "./domainDecision";
import { graphRequest, graphToken, type GraphCredentials, type GraphSession } from "./graphClient";
import { waitForTxt } from "../../dns/txtCheck";
import { verificationRecordLine } from "../../plan/verification";

interface DomainInputs extends GraphCredentials {
  domain: string;
}

interface DomainOutputs extends DomainInputs {
  verificationTxt: string;
  /** From serviceConfigurationRecords; empty until the tenant lists it (usually once verified). */
  exchangeMx: string;
  isVerified: boolean;
}

async function readRecords(
  token: GraphSession,
  domain: string,
): Promise<{ verificationTxt: string; exchangeMx: string; isVerified: boolean }> {
  const id = encodeURIComponent(domain);
  const [d, verification, service] = await Promise.all([
    graphRequest(token, "GET", `/domains/${id}`),
    graphRequest(token, "GET", `/domains/${id}/verificationDnsRecords`),
    graphRequest(token, "GET", `/domains/${id}/serviceConfigurationRecords`),
  ]);
  if (d.status !== 200)
    throw graphRequestError(
      `reading ${domain}`,
      d,
      "Check that the domain is in the tenant (Microsoft 365 admin center > Settings > Domains)",
    );
  return {
    isVerified: (d.body as { isVerified?: unknown }).isVerified === true,
    verificationTxt: verificationTxtFrom(verification.body) ?? "",
    exchangeMx: exchangeMxFrom(service.body) ?? "",
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const domainProvider: pulumi.dynamic.ResourceProvider<DomainInputs, DomainOutputs> = {
  async create(inputs) {
    const token = await graphToken(inputs);
    const added = await graphRequest(token, "POST", "/domains", { id: inputs.domain });
    decideDomainAdd(inputs.domain, inputs.tenantId, added);
    return { id: inputs.domain, outs: { ...inputs, ...(await readRecords(token, inputs.domain)) } };
  },
  async read(id, props) {
    const p = props as DomainOutputs;
    const token = await graphToken(p);
    return { id, props: { ...p, ...(await readRecords(token, p.domain)) } };
  },
  async diff(_id, olds, news) {
    const replaces = (["domain", "tenantId"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0 || olds.clientId !== news.clientId || olds.clientSecret !== news.clientSecret, replaces };
  },
  async update(_id, _olds, news) {
    const token = await graphToken(news);
    return { outs: { ...news, ...(await readRecords(token, news.domain)) } };
  },
};

interface VerifyInputs extends DomainInputs {
  txtRecordId: string;
  /** The MS= value the tenant gave (TenantDomain's output): looked up live before Microsoft is asked. */
  verificationTxt: string;
  /** old-host: the zone is not delegated yet, so the record is published by hand at the old DNS host. */
  publishAt: "old-host" | "zone";
  ttl: number;
  /** HOST:PORT of the server to ask instead of the system resolver (tests). */
  nameServer?: string;
  /** How long to wait for the record to resolve (default 120 s). */
  dnsWaitSeconds?: number;
}

/**
 * The MS= record is looked up as Microsoft looks it up (whichever server answers for the domain) before Graph is
 * asked: a record missing at the old DNS host is then an error that gives the exact record and where it goes,
 * not five minutes of "not yet".
 */
async function txtVisible(inputs: VerifyInputs): Promise<void> {
  const at = inputs.nameServer ? /^(.*):(\d+)$/.exec(inputs.nameServer) : null;
  const server = at ? { host: at[1]!, port: Number(at[2]) } : undefined;
  const { found, seen } = await waitForTxt(inputs.domain, inputs.verificationTxt, {
    ...(server ? { server } : {}),
    waitMs: (inputs.dnsWaitSeconds ?? 120) * 1000,
    everyMs: 2_000,
  });
  if (found) return;
  const where =
    inputs.publishAt === "old-host"
      ? "at the old DNS host (the Cloudflare zone is not delegated yet, so Microsoft reads the old one)"
      : "in the Cloudflare zone (mailshift declared it: check that the zone is the one the registrar names)";
  const e = new Error(
    `${inputs.domain} TXT does not show ${inputs.verificationTxt} through ${inputs.nameServer ?? "the system resolver"} ` +
      `(it shows ${seen.length > 0 ? seen.map((v) => JSON.stringify(v)).join(", ") : "no TXT record"}). ` +
      `Publish ${verificationRecordLine(inputs.domain, inputs.verificationTxt, inputs.ttl)} ${where}, check it with \`dig TXT ${inputs.domain}\`, and run pulumi up again.`,
  );
  e.name = "VerificationRecordMissing";
  throw e;
}

export const verifyProvider: pulumi.dynamic.ResourceProvider<VerifyInputs, DomainOutputs> = {
  async create(inputs) {
    const token = await graphToken(inputs);
    if (!(await readRecords(token, inputs.domain)).isVerified) await txtVisible(inputs);
    // DNS propagation to Microsoft's resolvers takes seconds to minutes: retry for 5 minutes.
    const deadline = Date.now() + 5 * 60_000;
    for (let attempt = 0; ; attempt++) {
      const a = await graphRequest(token, "POST", `/domains/${encodeURIComponent(inputs.domain)}/verify`);
      if (decideDomainVerify(inputs.domain, inputs.tenantId, a) === "verified") break;
      if (Date.now() > deadline)
        throw graphRequestError(
          `verifying ${inputs.domain}`,
          a,
          "The MS= TXT record is not visible to Microsoft yet; check it with `dig TXT` and run pulumi up again",
        );
      await sleep(Math.min(30_000, 2_000 * 2 ** attempt));
    }
    return { id: `${inputs.domain}/verified`, outs: { ...inputs, ...(await readRecords(token, inputs.domain)) } };
  },
  async diff(_id, olds, news) {
    const replaces = (["domain", "tenantId"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces };
  },
  async read(id, props) {
    const p = props as DomainOutputs & VerifyInputs;
    const token = await graphToken(p);
    return { id, props: { ...p, ...(await readRecords(token, p.domain)) } };
  },
};
