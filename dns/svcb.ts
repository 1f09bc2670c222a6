// SVCB and HTTPS parameters (RFC 9460) in one normalized form, the one BIND prints: keys in number order, alpn
// and unknown keys quoted, the rest bare. Cloudflare exports carry HTTPS records; `alpn="h3,h2"` must stay one
// parameter whatever spacing and quoting the export used.
import { isIPv6 } from "node:net";
import { canonicalIPv6 } from "./records";

const KEY_NAMES = ["mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"];

/** Later registrations, read by name and printed keyNNNNN as BIND 9.18 prints them (RFC 9461 dohpath, RFC 9540 ohttp). */
const LATER_KEYS: Record<string, number> = { dohpath: 7, ohttp: 8 };

/** The key's number: a name RFC 9460 registers (or a later one), or keyNNNNN. */
export function svcKeyNumber(key: string): number | undefined {
  const i = KEY_NAMES.indexOf(key.toLowerCase());
  if (i >= 0) return i;
  const later = LATER_KEYS[key.toLowerCase()];
  if (later !== undefined) return later;
  const m = /^key(\d{1,5})$/i.exec(key);
  return m && Number(m[1]) <= 65535 ? Number(m[1]) : undefined;
}

const keyName = (n: number) => KEY_NAMES[n] ?? `key${n}`;

/**
 * The parameters, each `key` or `key=value` with the value bare or quoted, in normalized form. Throws an Error
 * whose message says what is wrong with which parameter (the caller adds the file and line).
 */
export function normalizeSvcParams(params: readonly string[]): string {
  const out = new Map<number, string>();
  for (const p of params) {
    const eq = p.indexOf("=");
    const key = eq < 0 ? p : p.slice(0, eq);
    let value = eq < 0 ? undefined : p.slice(eq + 1);
    if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const n = svcKeyNumber(key);
    if (n === undefined)
      throw new Error(
        `unknown SVCB parameter ${JSON.stringify(key)} (expected ${[...KEY_NAMES, ...Object.keys(LATER_KEYS)].join(", ")} or keyNNNNN)`,
      );
    if (out.has(n)) throw new Error(`SVCB parameter ${keyName(n)} given twice`);
    const need = () => {
      if (value === undefined || value === "") throw new Error(`SVCB parameter ${keyName(n)} needs a value`);
      return value;
    };
    switch (n) {
      case 0:
        out.set(
          n,
          `mandatory=${need()
            .split(",")
            .map((k) => {
              const m = svcKeyNumber(k);
              if (m === undefined) throw new Error(`mandatory=${value}: unknown key ${JSON.stringify(k)}`);
              return m;
            })
            .sort((a, b) => a - b)
            .map(keyName)
            .join(",")}`,
        );
        break;
      case 1:
        out.set(n, `alpn="${need()}"`);
        break;
      case 2:
        if (value !== undefined) throw new Error("no-default-alpn takes no value");
        out.set(n, "no-default-alpn");
        break;
      case 3: {
        const v = need();
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`port=${v}: expected a port number (0-65535)`);
        out.set(n, `port=${Number(v)}`);
        break;
      }
      case 6:
        out.set(
          n,
          `ipv6hint=${need()
            .split(",")
            .map((a) => {
              if (!isIPv6(a)) throw new Error(`ipv6hint: ${JSON.stringify(a)} is not an IPv6 address`);
              return canonicalIPv6(a);
            })
            .join(",")}`,
        );
        break;
      case 4:
      case 5:
        out.set(n, `${keyName(n)}=${need()}`);
        break;
      default:
        out.set(n, value === undefined ? keyName(n) : `${keyName(n)}="${value}"`);
    }
  }
  return [...out.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, v]) => v)
    .join(" ");
}
