// One DNS record in the sandbox's stand-in for the Cloudflare zone, as a dynamic resource: MailDns declares a
// cloudflare.DnsRecord per record, which cannot run here (no Cloudflare plugin, no internet), so the sandbox program
// declares one of these per record instead, with the same resource names and the same records (plan/zoneRecords.ts),
// and they write the zone a loopback NSD serves (localZoneRecordOps.ts, required by the dynamic-provider host).
import path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../providers/hostModule";
import type { LocalZoneRecordInputs } from "./localZoneRecordOps";

export const LOCAL_ZONE_RECORD = hostModule<typeof import("./localZoneRecordOps")>(
  "mailshift",
  "LocalZoneRecord",
  path.join(__dirname, "localZoneRecordOps.js"),
);

export type LocalZoneRecordArgs = LocalZoneRecordInputs;

export class LocalZoneRecord extends DynamicResource {
  constructor(name: string, args: LocalZoneRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(LOCAL_ZONE_RECORD, name, { ...args }, opts);
  }
}
