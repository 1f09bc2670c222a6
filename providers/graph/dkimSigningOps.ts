// The operations of DkimKeys and DkimSigningEnabled (dkimSigning.ts), required by the dynamic-provider host at
// call time. The decisions are in dkimDecision.ts.
import type * as pulumi from "@pulumi/pulumi";
import { decideDkimCreate, decideDkimEnable, decideDkimRead, type DkimState } from "./dkimDecision";
import { exchangeAdminSession, invokeCmdlet, type ExchangeAdminCredentials, type ExchangeAdminSession } from "./exchangeAdmin";

interface DkimInputs extends ExchangeAdminCredentials {
  domain: string;
}

type DkimOutputs = DkimInputs & DkimState;

async function readOrCreate(s: ExchangeAdminSession, domain: string): Promise<DkimState> {
  const read = decideDkimRead(domain, await invokeCmdlet(s, "Get-DkimSigningConfig", { Identity: domain }));
  if (read !== "absent") return read;
  const created = decideDkimCreate(domain, await invokeCmdlet(s, "New-DkimSigningConfig", { DomainName: domain, Enabled: false }));
  if (created !== "exists") return created;
  const again = decideDkimRead(domain, await invokeCmdlet(s, "Get-DkimSigningConfig", { Identity: domain }));
  if (again === "absent") throw new Error(`Exchange created no DKIM config for ${domain}; run pulumi up again in a few minutes`);
  return again;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const dkimKeysProvider: pulumi.dynamic.ResourceProvider<DkimInputs, DkimOutputs> = {
  async create(inputs) {
    const s = await exchangeAdminSession(inputs);
    return { id: `${inputs.domain}/dkim`, outs: { ...inputs, ...(await readOrCreate(s, inputs.domain)) } };
  },
  async read(id, props) {
    const p = props as DkimOutputs;
    const s = await exchangeAdminSession(p);
    const state = decideDkimRead(p.domain, await invokeCmdlet(s, "Get-DkimSigningConfig", { Identity: p.domain }));
    return { id, props: state === "absent" ? { ...p, selector1CNAME: "", selector2CNAME: "", enabled: false } : { ...p, ...state } };
  },
  async diff(_id, olds, news) {
    const replaces = (["domain", "tenantId"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0 || olds.clientId !== news.clientId || olds.clientSecret !== news.clientSecret, replaces };
  },
  async update(_id, _olds, news) {
    const s = await exchangeAdminSession(news);
    return { outs: { ...news, ...(await readOrCreate(s, news.domain)) } };
  },
};

interface EnableInputs extends DkimInputs {
  /** The CNAME records' ids: only to order this after them. */
  cnameRecordIds: string[];
  /** How long to wait for Exchange to see the CNAMEs (default 300 s). */
  waitSeconds?: number;
}

async function enable(inputs: EnableInputs): Promise<DkimState> {
  const s = await exchangeAdminSession(inputs);
  const state = await readOrCreate(s, inputs.domain);
  if (state.enabled) return state;
  const deadline = Date.now() + (inputs.waitSeconds ?? 300) * 1000;
  for (let attempt = 0; ; attempt++) {
    const a = await invokeCmdlet(s, "Set-DkimSigningConfig", { Identity: inputs.domain, Enabled: true });
    if (decideDkimEnable(inputs.domain, a) === "enabled") break;
    if (Date.now() > deadline) {
      const e = new Error(
        `Exchange cannot see the DKIM CNAMEs of ${inputs.domain} yet (selector1._domainkey.${inputs.domain} -> ${state.selector1CNAME}); check them with \`dig CNAME selector1._domainkey.${inputs.domain}\` and run pulumi up again`,
      );
      e.name = "ExchangeAdminError";
      throw e;
    }
    await sleep(Math.min(30_000, 1_000 * 2 ** attempt));
  }
  return { ...state, enabled: true };
}

export const dkimEnableProvider: pulumi.dynamic.ResourceProvider<EnableInputs, DkimOutputs> = {
  async create(inputs) {
    return { id: `${inputs.domain}/dkim-enabled`, outs: { ...inputs, ...(await enable(inputs)) } };
  },
  async diff(_id, olds, news) {
    const replaces = (["domain", "tenantId"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces };
  },
  async read(id, props) {
    const p = props as DkimOutputs;
    const s = await exchangeAdminSession(p);
    const state = decideDkimRead(p.domain, await invokeCmdlet(s, "Get-DkimSigningConfig", { Identity: p.domain }));
    // signing switched off by hand shows as a difference on refresh, and the next up enables it again
    return { id, props: state === "absent" ? { ...p, enabled: false } : { ...p, ...state } };
  },
};
