// MailDns: the zone's records as Cloudflare DNS records (provider v6). Decisions are in plan/dns.ts (mail records)
// and plan/zoneRecords.ts (the imported zone merged with them); this only wires them, filling in the values only
// the tenant knows (MX target, MS= code) from the Exchange components.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedRecord, TenantRef } from "../plan/dns";
import { quoteTxt } from "../plan/txt";
import { checkMailRecords, mailRecordsOnly, type DeclaredRecord } from "../plan/zoneRecords";

export interface MailDnsArgs {
  zoneId: pulumi.Input<string>;
  /** mailshift's records at this stage. */
  records: readonly PlannedRecord[];
  /** What to declare when the zone file is imported (plan/zoneRecords.ts); without it, `records` as they are. */
  declared?: readonly DeclaredRecord[];
  /** Values for records whose content is a TenantRef. */
  tenant: Partial<Record<TenantRef, pulumi.Input<string>>>;
  /** Resource keys of the records declared with `protect` (plan/protection.ts decides which). */
  protect?: readonly string[];
}

/** The generated records for `mailshift dns-check --mail FILE`, tenant values filled in. */
export interface MailRecordJson {
  name: string;
  type: string;
  content: string;
  ttl: number;
  role: string;
}

export class MailDns extends pulumi.ComponentResource {
  /** mailshift's own records by PlannedRecord.key (those published at this stage). */
  readonly records: Record<string, cloudflare.DnsRecord> = {};
  /** Every declared record by its resource key. */
  readonly all: Record<string, cloudflare.DnsRecord> = {};
  /** Every generated record of this stage (published or held), as dns-check reads them. */
  readonly mailRecords: pulumi.Output<MailRecordJson[]>;

  constructor(name: string, args: MailDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:dns:MailDns", name, {}, opts);
    const resolve = (
      content: DeclaredRecord["content"],
      type: string,
      recordName: string,
      source: string,
      key: string,
    ): pulumi.Input<string> => {
      if (typeof content === "string") return content;
      const ref = content.ref;
      const value = args.tenant[ref];
      if (value === undefined)
        throw new Error(
          `MailDns: record ${key} needs ${ref} from the tenant but none was wired; set ${source} or enable the Exchange components`,
        );
      return pulumi.output(value).apply((v) => {
        if (!v)
          throw new Error(
            ref === "dkimSelector1" || ref === "dkimSelector2"
              ? `Exchange did not report the DKIM CNAME target for ${recordName}; paste it into ${source} from \`Get-DkimSigningConfig -Identity ${recordName.replace(/^selector[12]\._domainkey\./, "")} | Format-List Selector1CNAME,Selector2CNAME\`, or run \`pulumi refresh\` once Exchange lists it`
              : `The tenant did not list the ${ref === "exchangeMx" ? "MX target" : "MS= verification value"} for ${recordName}; set ${source} in the stack file (Microsoft 365 admin center > Settings > Domains shows it), or run \`pulumi refresh\` once the tenant lists it`,
          );
        return type === "TXT" ? quoteTxt(v) : v;
      });
    };
    const sourceOf = (key: string | undefined) => args.records.find((p) => p.key === key)?.source ?? "mailshift:exchange";
    for (const r of args.declared ?? mailRecordsOnly(args.records)) {
      const record = new cloudflare.DnsRecord(
        `${name}-${r.resourceKey}`,
        {
          zoneId: args.zoneId,
          name: r.name,
          type: r.type,
          content: resolve(r.content, r.type, r.name, sourceOf(r.plannedKey), r.resourceKey),
          ttl: r.ttl,
          proxied: r.proxied,
          ...(r.priority !== undefined ? { priority: r.priority } : {}),
          comment: r.comment,
        },
        { parent: this, protect: args.protect?.includes(r.resourceKey) ?? false },
      );
      this.all[r.resourceKey] = record;
      if (r.plannedKey !== undefined && r.source === "generated") this.records[r.plannedKey] = record;
    }
    // Held records are not declared, so their tenant values are resolved here too (unknown until the tenant answers).
    this.mailRecords = pulumi.all(
      checkMailRecords(args.records).map((m, i) =>
        pulumi
          .output(
            typeof m.content === "string" || args.tenant[m.content.ref] !== undefined
              ? resolve(m.content, m.type, m.name, args.records[i]!.source, args.records[i]!.key)
              : "",
          )
          .apply((content) => ({
            name: m.name,
            type: m.type,
            content: m.type === "MX" ? `${m.priority ?? 0} ${content}` : content,
            ttl: m.ttl,
            role: m.role,
          })),
      ),
    );
    this.registerOutputs({});
  }
}
