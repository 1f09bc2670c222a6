// The zone files of the sandbox's DNS, as text NSD reads. Pure: the records are decided elsewhere (plan/ for the
// zone mailshift declares, sandbox/dnsWorld.ts for the old DNS host and the registrar); this only writes them down.

/** One record as MailDns declares it: MX priority apart, TXT content already quoted, names without a final dot. */
export interface ZoneLine {
  name: string;
  type: string;
  content: string;
  priority?: number;
  /** Seconds, as served. */
  ttl: number;
}

export interface ZoneHead {
  origin: string;
  /** The zone's own nameservers (the NS set at the apex; the first is the SOA's primary). */
  nameServers: string[];
  serial: number;
  /** TTL of the SOA and NS records, and of a negative answer (SOA minimum), in seconds. */
  ttl: number;
}

const abs = (name: string) => `${name.replace(/\.$/, "")}.`;

/** A TTL of the plan (seconds, 60 and up) on the rehearsal's clock: `divisor` times faster, at least 1 s. */
export function scaledTtl(ttl: number, divisor: number): number {
  return Math.max(1, Math.round(ttl / divisor));
}

export function zoneText(head: ZoneHead, records: readonly ZoneLine[]): string {
  const hostmaster = abs(head.origin) === "." ? "hostmaster." : `hostmaster.${abs(head.origin)}`;
  const lines = [
    `$ORIGIN ${abs(head.origin)}`,
    `@ ${head.ttl} IN SOA ${abs(head.nameServers[0]!)} ${hostmaster} ${head.serial} 3600 600 86400 ${head.ttl}`,
    ...head.nameServers.map((ns) => `@ ${head.ttl} IN NS ${abs(ns)}`),
  ];
  for (const r of records) {
    const content =
      r.type === "MX" ? `${r.priority ?? 0} ${abs(r.content)}` : ["CNAME", "NS"].includes(r.type) ? abs(r.content) : r.content;
    if (/[\r\n]/.test(content)) throw new Error(`zone record ${r.name} ${r.type}: content holds a line break`);
    lines.push(`${abs(r.name)} ${r.ttl} IN ${r.type} ${content}`);
  }
  return `${lines.join("\n")}\n`;
}
