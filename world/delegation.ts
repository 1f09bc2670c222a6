// Where the parent zone delegates the domain, asked live: a server of the parent zone (its referral), a resolver
// (the NS set it resolves), or the system resolver. plan/gates.ts compares the answer with the new zone's nameservers.
import dnsp from "node:dns/promises";
import { parseNameServer, queryDns } from "../dns/query";
import type { DelegationFact } from "../plan/gates";

export interface DelegationOptions {
  /** HOST:PORT of a server of the parent zone: its referral (authority section) is the delegation itself. */
  parentNameServer?: string;
  /** HOST:PORT of a resolver to ask instead of the system one. */
  resolver?: string;
}

export async function readDelegation(domain: string, expected: string[] | undefined, o: DelegationOptions): Promise<DelegationFact> {
  const base = expected ? { expected } : {};
  try {
    if (o.parentNameServer) {
      const spec = o.parentNameServer;
      // a parent answers with a referral (the authority section); asked without recursion, as a resolver asks it
      const res = await queryDns(parseNameServer(spec), domain, "NS", { timeoutMs: 2000, tries: 2 });
      const via = `the parent zone's server ${spec}`;
      if (res.rcode !== 0) return { ...base, via, error: `rcode ${res.rcode}` };
      const records = [...res.answers, ...res.authority].filter(
        (r) => r.type === "NS" && r.name.toLowerCase().replace(/\.$/, "") === domain,
      );
      return { ...base, via, found: [...new Set(records.map((r) => r.content.toLowerCase().replace(/\.$/, "")))] };
    }
    if (o.resolver) {
      const r = new dnsp.Resolver({ timeout: 2000, tries: 2 });
      r.setServers([o.resolver]);
      return {
        ...base,
        via: `the resolver ${o.resolver}`,
        found: (await r.resolveNs(domain)).map((n) => n.toLowerCase().replace(/\.$/, "")),
      };
    }
    return { ...base, via: "the system resolver", found: (await dnsp.resolveNs(domain)).map((n) => n.toLowerCase().replace(/\.$/, "")) };
  } catch (err) {
    return { ...base, via: o.parentNameServer ?? o.resolver ?? "the system resolver", error: (err as Error).message };
  }
}
