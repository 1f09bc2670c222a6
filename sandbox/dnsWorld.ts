// The sandbox's DNS, real and on loopback only: three NSD servers and an Unbound resolver, started by the harness.
//  - the registry (parent): the root zone "." with the domain's delegation (its NS records, as the registrar sets
//    them), and example.net, where the hosting companies' names live (nameservers, MX hosts, the old host's SPF);
//  - the old DNS host: the domain's zone as it is before the move (old MX, old SPF, the old TTL);
//  - the new zone: the sandbox's stand-in for the Cloudflare zone, written by the program's LocalZoneRecord resources.
// Unbound iterates from the registry (a stub zone for "."), so every answer comes through a delegation and is cached
// for its TTL, as at a receiving mail server. A delegation carries no port, so the servers listen on port 53 of their
// own 127.x.y.z addresses, chosen at random per run.
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { queryDns, type NameServer } from "../dns/query";
import { serverLookup, type SpfLookup } from "../dns/spfEval";
import type { DnsResponse } from "../dns/wire";
import { AuthDns, ensureAuthDns } from "../harness/authdns";
import { Unbound } from "../harness/unbound";
import type { LocalZone } from "./localZoneRecordOps";
import { zoneText, type ZoneLine } from "./zoneText";

export const REGISTRY_NS = "ns.registry.example.net";
export const OLD_NS = "ns1.olddns.example.net";
export const NEW_NS = "ns1.newdns.example.net";
export const OLD_MX = "mx.oldhost.example.net";
export const NEW_MX = "mx.newhost.example.net";
export const OLD_SPF_NAME = "_spf.oldhost.example.net";

/** Who sends mail, by the address a receiver sees (no packet is sent from them: SPF is evaluated for them). */
export const SENDERS = {
  oldHost: { label: "the old host", ip: "127.0.10.1" },
  newHost: { label: "the new IMAP host", ip: "127.0.20.1" },
  stranger: { label: "a stranger", ip: "127.0.99.1" },
} as const;

export interface DnsWorldOptions {
  domain: string;
  /** Where the stand-in's record files and zone state live. */
  dir: string;
  /** The old DNS host's TTL for the domain's records and the registrar's delegation, in seconds. */
  oldTtl: number;
  /** The TTL of the new zone's SOA and NS (and negative answers), in seconds. */
  newHeadTtl: number;
  /** mailshift-sandbox:zone's divisor: a planned TTL is served this many times shorter. */
  ttlDivisor: number;
}

export class DnsWorld {
  private serial = 1;
  delegatedTo: "old" | "new" = "old";

  private constructor(
    readonly opts: DnsWorldOptions,
    readonly registry: AuthDns,
    readonly oldDns: AuthDns,
    readonly newDns: AuthDns,
    readonly resolver: Unbound,
    private readonly base: string,
  ) {}

  static async start(opts: DnsWorldOptions): Promise<DnsWorld> {
    ensureAuthDns();
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const base = `127.${randomInt(64, 192)}.${randomInt(1, 255)}`;
      const started: AuthDns[] = [];
      try {
        const at = (n: number): NameServer => ({ host: `${base}.${n}`, port: 53 });
        const registry = await AuthDns.start({
          name: "registry",
          listen: at(1),
          control: true,
          zones: [
            { origin: ".", text: rootZone(base, "old", opts.oldTtl, 1) },
            { origin: "example.net", text: hostersZone(base) },
          ],
        });
        started.push(registry);
        const oldDns = await AuthDns.start({ name: "olddns", listen: at(2), zones: [{ origin: opts.domain, text: oldZone(opts) }] });
        started.push(oldDns);
        // Cloudflare's zone before mailshift declares anything: SOA and NS only
        const newDns = await AuthDns.start({
          name: "newdns",
          listen: at(3),
          control: true,
          zones: [
            { origin: opts.domain, text: zoneText({ origin: opts.domain, nameServers: [NEW_NS], serial: 1, ttl: opts.newHeadTtl }, []) },
          ],
        });
        started.push(newDns);
        const resolver = await Unbound.start({ root: registry.server, probe: "example.net" });
        fs.mkdirSync(opts.dir, { recursive: true });
        return new DnsWorld(opts, registry, oldDns, newDns, resolver, base);
      } catch (e) {
        last = e; // most likely an address of this run's block is taken: another block
        await Promise.allSettled(started.map((s) => s.stop()));
      }
    }
    throw last;
  }

  /** The stand-in zone for mailshift-sandbox:zone: where the program's records go and which NSD serves them. */
  zone(): LocalZone {
    return {
      origin: this.opts.domain,
      dir: this.opts.dir,
      nsdConf: this.newDns.confFile,
      zoneFile: this.newDns.zoneFile(this.opts.domain),
      server: this.newDns.server,
      nameServers: [NEW_NS],
      headTtl: this.opts.newHeadTtl,
      ttlDivisor: this.opts.ttlDivisor,
    };
  }

  /** The registrar's step: the domain's NS records at the parent point to the old DNS host or to the new zone. */
  async delegate(to: "old" | "new"): Promise<void> {
    this.serial++;
    fs.writeFileSync(this.registry.zoneFile("."), rootZone(this.base, to, this.opts.oldTtl, this.serial));
    this.registry.reload(".");
    // nsd-control returns before the reloaded zone is served
    const want = to === "old" ? OLD_NS : NEW_NS;
    const deadline = Date.now() + 10_000;
    while (!(await this.parentNs()).includes(want)) {
      if (Date.now() > deadline)
        throw new Error(
          `the registry still delegates ${this.opts.domain} elsewhere than ${want} 10 s after the reload:\n${this.registry.log()}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    this.delegatedTo = to;
  }

  /** Whom the registry names as the domain's nameservers now (asked directly, as a registrar check would). */
  async parentNs(): Promise<string[]> {
    const r = await queryDns(this.registry.server, this.opts.domain, "NS");
    return [...r.answers, ...r.authority].filter((a) => a.type === "NS").map((a) => a.content);
  }

  /** One question through the resolver, as a receiving mail server asks it. */
  ask(name: string, type: string): Promise<DnsResponse> {
    return queryDns(this.resolver.server, name, type, { recursion: true });
  }

  /** MX through the resolver: targets by priority, with the TTL the resolver gave. */
  async mx(name: string): Promise<{ rcode: number; targets: string[]; ttl?: number }> {
    const r = await this.ask(name, "MX");
    const mx = r.answers
      .filter((a) => a.type === "MX")
      .map((a) => ({ pref: Number(a.content.split(" ")[0]), host: a.content.split(" ")[1]!, ttl: a.ttl }))
      .sort((a, b) => a.pref - b.pref);
    return { rcode: r.rcode, targets: mx.map((m) => m.host), ...(mx[0] ? { ttl: mx[0].ttl } : {}) };
  }

  /** SPF's DNS, through the resolver. */
  get lookup(): SpfLookup {
    return serverLookup(this.resolver.server, { recursion: true });
  }

  /** The logs of all four servers, for a failing step's message. */
  logs(): string {
    return [this.registry, this.oldDns, this.newDns]
      .map((s) => `--- nsd ${s.name}\n${s.log()}`)
      .concat(`--- unbound\n${this.resolver.log()}`)
      .join("\n");
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.resolver.stop(), this.registry.stop(), this.oldDns.stop(), this.newDns.stop()]);
  }
}

/** The registry's root zone: example.net served here, the domain delegated to the old DNS host or the new zone. */
function rootZone(base: string, to: "old" | "new", delegationTtl: number, serial: number): string {
  const lines: ZoneLine[] = [
    { name: "example.net", type: "NS", content: REGISTRY_NS, ttl: 300 },
    { name: REGISTRY_NS, type: "A", content: `${base}.1`, ttl: 300 },
    { name: "example.com", type: "NS", content: to === "old" ? OLD_NS : NEW_NS, ttl: delegationTtl },
  ];
  return zoneText({ origin: ".", nameServers: [REGISTRY_NS], serial, ttl: 300 }, lines);
}

/** The hosting companies' names: the nameservers, the mail hosts, the old host's SPF include. */
function hostersZone(base: string): string {
  const a = (name: string, ip: string): ZoneLine => ({ name, type: "A", content: ip, ttl: 300 });
  return zoneText({ origin: "example.net", nameServers: [REGISTRY_NS], serial: 1, ttl: 300 }, [
    a(REGISTRY_NS, `${base}.1`),
    a(OLD_NS, `${base}.2`),
    a(NEW_NS, `${base}.3`),
    a(OLD_MX, SENDERS.oldHost.ip),
    a(NEW_MX, SENDERS.newHost.ip),
    { name: OLD_SPF_NAME, type: "TXT", content: `"v=spf1 ip4:${SENDERS.oldHost.ip} ~all"`, ttl: 300 },
  ]);
}

/** The domain at the old DNS host, before the move: its MX and SPF (what mailshift:oldHost describes), the old TTL. */
function oldZone(o: DnsWorldOptions): string {
  return zoneText({ origin: o.domain, nameServers: [OLD_NS], serial: 1, ttl: o.oldTtl }, [
    { name: o.domain, type: "MX", content: OLD_MX, priority: 10, ttl: o.oldTtl },
    { name: o.domain, type: "TXT", content: `"v=spf1 include:${OLD_SPF_NAME} ~all"`, ttl: o.oldTtl },
  ]);
}

export const dnsWorldDir = (runDir: string) => path.join(runDir, "zone");
