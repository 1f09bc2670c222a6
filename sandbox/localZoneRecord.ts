// One DNS record in the sandbox's stand-in for the Cloudflare zone, as a dynamic resource: MailDns declares a
// cloudflare.DnsRecord per record, which cannot run here (no Cloudflare plugin, no internet), so the sandbox program
// declares one of these per record instead, with the same resource names and the same records (plan/zoneRecords.ts),
// and they write the zone a loopback NSD serves (localZoneRecordOps.ts). Like LocalDovecotAccount, the serialized
// provider captures only the path of its operations module (opsProvider.ts).
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { opsProvider } from "./opsProvider";
import type { LocalZoneRecordInputs } from "./localZoneRecordOps";

const provider = opsProvider<typeof import("./localZoneRecordOps")>(path.join(__dirname, "localZoneRecordOps.js"));

export type LocalZoneRecordArgs = LocalZoneRecordInputs;

export class LocalZoneRecord extends pulumi.dynamic.Resource {
  constructor(name: string, args: LocalZoneRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts, "mailshift", "LocalZoneRecord");
  }
}
