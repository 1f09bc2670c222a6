// MailZone: the Cloudflare zone the records go into. Given by id, looked up by name (getZoneOutput), or created
// (cloudflare.Zone): a created zone's assigned nameservers are what the registrar must be changed to, once
// `mailshift dns-check` shows the new zone answers like the old one. Decisions are in plan/config.ts.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import dnsp from "node:dns/promises";
import { SpfTempError, type SpfLookup } from "../dns/spfEval";
import type { ZoneSource } from "../plan/types";

export class MailZone extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  /** The zone's nameservers: assigned by Cloudflare when created, as listed when looked up; unknown for an id. */
  readonly nameServers: pulumi.Output<string[]> | undefined;
  /** The created zone, when mailshift creates it. */
  readonly zone: cloudflare.Zone | undefined;

  constructor(name: string, source: ZoneSource, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:dns:MailZone", name, {}, opts);
    if (source.kind === "create") {
      // type full: Cloudflare is authoritative once the registrar points at its nameservers
      this.zone = new cloudflare.Zone(name, { account: { id: source.accountId }, name: source.name, type: "full" }, { parent: this });
      this.zoneId = this.zone.id;
      this.nameServers = this.zone.nameServers;
    } else if (source.kind === "lookup") {
      const found = cloudflare.getZoneOutput({ filter: { name: source.name } }, { parent: this });
      this.zone = undefined;
      this.zoneId = found.apply((z) => {
        if (!z.id) throw new Error(`mailshift:cloudflare.zone: no Cloudflare zone named ${source.name} is visible to the API token; create it (set zone to create and accountId) or give its zoneId`);
        return z.id;
      });
      this.nameServers = found.apply((z) => z.nameServers ?? []);
    } else {
      this.zone = undefined;
      this.zoneId = pulumi.output(source.zoneId);
      this.nameServers = undefined;
    }
    this.registerOutputs({ zoneId: this.zoneId });
  }
}

/**
 * Names outside the zone (spf.protection.outlook.com, the new host) for the SPF proof, from the system resolver as
 * a receiver would ask them. Offline, every such answer is a temperror in the proof, which says so.
 */
export const systemSpfLookup: SpfLookup = async (name, type) => {
  const n = name.replace(/\.$/, "");
  try {
    if (type === "TXT") return { nxdomain: false, records: (await dnsp.resolveTxt(n)).map((parts) => ({ name: n, type, content: parts.map((p) => `"${p.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(" "), ttl: 0 })) };
    if (type === "A" || type === "AAAA") return { nxdomain: false, records: (await (type === "A" ? dnsp.resolve4(n) : dnsp.resolve6(n))).map((ip) => ({ name: n, type, content: ip, ttl: 0 })) };
    if (type === "MX") return { nxdomain: false, records: (await dnsp.resolveMx(n)).map((m) => ({ name: n, type, content: `${m.priority} ${m.exchange.toLowerCase()}`, ttl: 0 })) };
    if (type === "PTR") return { nxdomain: false, records: (await dnsp.resolvePtr(n)).map((p) => ({ name: n, type, content: p.toLowerCase(), ttl: 0 })) };
    return { nxdomain: false, records: [] };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOTFOUND" || code === "NXDOMAIN") return { nxdomain: true, records: [] };
    if (code === "ENODATA") return { nxdomain: false, records: [] };
    throw new SpfTempError(`${n} ${type}: ${code ?? (e as Error).message}`);
  }
};
