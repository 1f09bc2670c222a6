// One DNS record in the sandbox's stand-in for the Cloudflare zone, as a dynamic resource: MailDns declares a
// cloudflare.DnsRecord per record, which cannot run here (no Cloudflare plugin, no internet), so the sandbox program
// declares one of these per record instead, with the same resource names and the same records (plan/zoneRecords.ts),
// and they write the zone a loopback NSD serves (localZoneRecordOps.ts). Like LocalDovecotAccount, the serialized
// provider captures only the path of its operations module.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { LocalZone } from "./localZoneRecordOps";

const OPS_PATH: string = path.join(__dirname, "localZoneRecordOps.js");
type Ops = typeof import("./localZoneRecordOps");
function load(): Ops {
  return require(OPS_PATH) as Ops;
}

const provider: dynamic.ResourceProvider = {
  create: async (inputs) => load().create(inputs),
  diff: async (id, olds, news) => load().diff(id, olds, news),
  update: async (id, olds, news) => load().update(id, olds, news),
  delete: async (id, props) => load().remove(id, props),
};

export interface LocalZoneRecordArgs {
  zone: LocalZone;
  key: string;
  name: string;
  type: string;
  content: string;
  priority?: number;
  ttl: number;
}

export class LocalZoneRecord extends pulumi.dynamic.Resource {
  constructor(name: string, args: LocalZoneRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts, "mailshift", "LocalZoneRecord");
  }
}
