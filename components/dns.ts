// MailDns: the planned records as Cloudflare DNS records (provider v6). Decisions are in plan/dns.ts; this only
// wires them, filling in the values only the tenant knows (MX target, MS= code) from the Exchange components.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedRecord, TenantRef } from "../plan/dns";
import { quoteTxt } from "../plan/txt";

export interface MailDnsArgs {
  zoneId: string;
  records: readonly PlannedRecord[];
  /** Values for records whose content is a TenantRef. */
  tenant: Partial<Record<TenantRef, pulumi.Input<string>>>;
}

export class MailDns extends pulumi.ComponentResource {
  /** By PlannedRecord.key. */
  readonly records: Record<string, cloudflare.DnsRecord> = {};

  constructor(name: string, args: MailDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:dns:MailDns", name, {}, opts);
    for (const r of args.records) {
      let content: pulumi.Input<string>;
      if (typeof r.content === "string") content = r.content;
      else {
        const ref = r.content.ref;
        const value = args.tenant[ref];
        if (value === undefined) throw new Error(`MailDns: record ${r.key} needs ${ref} from the tenant but none was wired; set ${r.source} or enable the Exchange components`);
        content = pulumi.output(value).apply((v) => {
          if (!v) throw new Error(`The tenant did not list the ${ref === "exchangeMx" ? "MX target" : "MS= verification value"} for ${r.name}; set ${r.source} in the stack file (Microsoft 365 admin center > Settings > Domains shows it), or run \`pulumi refresh\` once the tenant lists it`);
          return r.type === "TXT" ? quoteTxt(v) : v;
        });
      }
      this.records[r.key] = new cloudflare.DnsRecord(
        `${name}-${r.key}`,
        {
          zoneId: args.zoneId,
          name: r.name,
          type: r.type,
          content,
          ttl: r.ttl,
          proxied: r.proxied,
          ...(r.priority !== undefined ? { priority: r.priority } : {}),
          comment: `mailshift: ${r.purpose}`,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
