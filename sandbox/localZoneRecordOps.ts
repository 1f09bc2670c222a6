// What the sandbox's LocalZoneRecord does: keep one file per declared record in the zone's folder, write the whole
// zone file from them (sandbox/zoneText.ts) and have the loopback NSD serving the zone re-read it (nsd-control),
// then wait until NSD answers with the new serial. Removing a record removes it from the zone the same way.
import fs from "node:fs";
import path from "node:path";
import { queryDns } from "../dns/query";
import { reloadZone } from "../harness/authdns";
import { scaledTtl, zoneText, type ZoneLine } from "./zoneText";

/** The zone the records go into: the sandbox's stand-in for the Cloudflare zone (mailshift-sandbox:zone). */
export interface LocalZone {
  origin: string;
  /** Where the record files, the serial and the zone file live. */
  dir: string;
  /** The NSD that serves the zone: its nsd.conf (for nsd-control), the file it reads, where it answers. */
  nsdConf: string;
  zoneFile: string;
  server: { host: string; port: number };
  nameServers: string[];
  /** SOA/NS and negative-answer TTL in seconds. */
  headTtl: number;
  /** The rehearsal's clock: a planned TTL is served divided by this (sandbox/zoneText.ts scaledTtl). */
  ttlDivisor: number;
}

export interface LocalZoneRecordInputs {
  zone: LocalZone;
  /** The resource key (DeclaredRecord.resourceKey): the record's file. */
  key: string;
  name: string;
  type: string;
  content: string;
  priority?: number;
  /** As planned (seconds); served scaled by zone.ttlDivisor. */
  ttl: number;
}

const recordsDir = (z: LocalZone) => path.join(z.dir, "records");
const recordFile = (z: LocalZone, key: string) => {
  if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new Error(`sandbox zone record key ${JSON.stringify(key)} cannot name a file`);
  return path.join(recordsDir(z), `${key}.json`);
};

/** Writes the zone file from every record file, reloads NSD and waits for the new serial (all but the wait synchronous). */
async function publish(z: LocalZone): Promise<void> {
  fs.mkdirSync(recordsDir(z), { recursive: true });
  const serialFile = path.join(z.dir, "serial");
  const serial = (fs.existsSync(serialFile) ? Number(fs.readFileSync(serialFile, "utf8")) : 1) + 1;
  fs.writeFileSync(serialFile, String(serial));
  const lines: ZoneLine[] = fs
    .readdirSync(recordsDir(z))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const r = JSON.parse(fs.readFileSync(path.join(recordsDir(z), f), "utf8")) as LocalZoneRecordInputs;
      return {
        name: r.name,
        type: r.type,
        content: r.content,
        ...(r.priority !== undefined ? { priority: r.priority } : {}),
        ttl: scaledTtl(r.ttl, z.ttlDivisor),
      };
    });
  const text = zoneText({ origin: z.origin, nameServers: z.nameServers, serial, ttl: z.headTtl }, lines);
  fs.writeFileSync(`${z.zoneFile}.tmp`, text);
  fs.renameSync(`${z.zoneFile}.tmp`, z.zoneFile);
  reloadZone(z.nsdConf, z.origin);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await queryDns(z.server, z.origin, "SOA", { timeoutMs: 500, tries: 1 }).catch(() => undefined);
    const got = Number(r?.answers.find((a) => a.type === "SOA")?.content.split(" ")[2]);
    if (got >= serial) return;
    if (Date.now() > deadline)
      throw new Error(
        `the sandbox zone ${z.origin} was written (serial ${serial}) but NSD at ${z.server.host}:${z.server.port} still serves ${got}`,
      );
    await new Promise((res) => setTimeout(res, 50));
  }
}

function save(i: LocalZoneRecordInputs): void {
  fs.mkdirSync(recordsDir(i.zone), { recursive: true });
  fs.writeFileSync(recordFile(i.zone, i.key), JSON.stringify(i));
}

export async function create(inputs: LocalZoneRecordInputs): Promise<{ id: string; outs: LocalZoneRecordInputs }> {
  save(inputs);
  await publish(inputs.zone);
  return { id: `${inputs.zone.origin}/${inputs.key}`, outs: inputs };
}

export async function diff(
  _id: string,
  olds: LocalZoneRecordInputs,
  news: LocalZoneRecordInputs,
): Promise<{ changes: boolean; replaces: string[] }> {
  const keys = ["key", "name", "type", "content", "priority", "ttl"] as const;
  const changed = keys.filter((k) => olds[k] !== news[k]);
  if (JSON.stringify(olds.zone) !== JSON.stringify(news.zone)) changed.push("zone" as never);
  return { changes: changed.length > 0, replaces: changed.filter((k) => k === "key" || (k as string) === "zone") };
}

export async function update(
  _id: string,
  olds: LocalZoneRecordInputs,
  news: LocalZoneRecordInputs,
): Promise<{ outs: LocalZoneRecordInputs }> {
  if (olds.key !== news.key) fs.rmSync(recordFile(olds.zone, olds.key), { force: true });
  save(news);
  await publish(news.zone);
  return { outs: news };
}

export async function remove(_id: string, props: LocalZoneRecordInputs): Promise<void> {
  fs.rmSync(recordFile(props.zone, props.key), { force: true });
  await publish(props.zone);
}
