// MailZone: the Cloudflare zone the records go into. Given by id, looked up by name (getZoneOutput), or created
// (cloudflare.Zone): a created zone's assigned nameservers are what the registrar must be changed to, once
// `mailshift dns-check` shows the new zone answers like the old one. Decisions are in plan/config.ts.
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { ZoneSource } from "../plan/types";

export class MailZone extends pulumi.ComponentResource {
  readonly zoneId: pulumi.Output<string>;
  /** The zone's nameservers: assigned by Cloudflare when created, as listed when looked up; unknown for an id. */
  readonly nameServers: pulumi.Output<string[]> | undefined;
  /** The created zone, when mailshift creates it. */
  readonly zone: cloudflare.Zone | undefined;

  /** `protect`: a created zone is declared protected, so Pulumi refuses to delete it (plan/protection.ts decides). */
  constructor(name: string, source: ZoneSource, protect: boolean, opts?: pulumi.ComponentResourceOptions) {
    super("mailshift:dns:MailZone", name, {}, opts);
    if (source.kind === "create") {
      // type full: Cloudflare is authoritative once the registrar points at its nameservers
      this.zone = new cloudflare.Zone(
        name,
        { account: { id: source.accountId }, name: source.name, type: "full" },
        { parent: this, protect },
      );
      this.zoneId = this.zone.id;
      this.nameServers = this.zone.nameServers;
    } else if (source.kind === "lookup") {
      const found = cloudflare.getZoneOutput({ filter: { name: source.name } }, { parent: this });
      this.zone = undefined;
      this.zoneId = found.apply((z) => {
        if (!z.id)
          throw new Error(
            `mailshift:cloudflare.zone: no Cloudflare zone named ${source.name} is visible to the API token; create it (set zone to create and accountId) or give its zoneId`,
          );
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
