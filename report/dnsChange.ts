// The stack output `dnsChanges` is text ("change MX example.com from 10 mx1.old.net ttl 300 to 0 (exchangeMx from
// the tenant) ttl 300", see plan/dns.ts show()); this reads it back. Each value ends in " ttl N", which anchors
// the split even when a value itself says "from".
import type { DnsChange, DnsRecordValue } from "./types";

const LINE = /^(add|change|remove) (\S+) (\S+)(?: from (.*? ttl \d+))?(?: to (.*? ttl \d+))?$/;

function value(text: string): DnsRecordValue {
  const m = /^(.*) ttl (\d+)$/.exec(text);
  return m ? { value: m[1]!, ttl: Number(m[2]) } : { value: text };
}

/** undefined when the line is not in that form (the page then shows it as given). */
export function parseDnsChange(line: string): DnsChange | undefined {
  const m = LINE.exec(line.trim());
  if (!m) return undefined;
  const [, action, type, name, from, to] = m;
  if (action === "add" && (!to || from)) return undefined;
  if (action === "remove" && (!from || to)) return undefined;
  if (action === "change" && (!from || !to)) return undefined;
  return {
    action: action as DnsChange["action"],
    type: type!,
    name: name!,
    ...(from ? { from: value(from) } : {}),
    ...(to ? { to: value(to) } : {}),
  };
}
