// Live lookups through the machine's own resolver, as a receiving mail server would make them.
import dnsp from "node:dns/promises";
import { SpfTempError, type SpfLookup } from "./spfEval";

/**
 * Names outside the zone (spf.protection.outlook.com, the new host) for the SPF proof, from the system resolver as
 * a receiver would ask them. Offline, every such answer is a temperror in the proof, which says so.
 */
export const systemSpfLookup: SpfLookup = async (name, type) => {
  const n = name.replace(/\.$/, "");
  try {
    if (type === "TXT")
      return {
        nxdomain: false,
        records: (await dnsp.resolveTxt(n)).map((parts) => ({
          name: n,
          type,
          content: parts.map((p) => `"${p.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(" "),
          ttl: 0,
        })),
      };
    if (type === "A" || type === "AAAA")
      return {
        nxdomain: false,
        records: (await (type === "A" ? dnsp.resolve4(n) : dnsp.resolve6(n))).map((ip) => ({ name: n, type, content: ip, ttl: 0 })),
      };
    if (type === "MX")
      return {
        nxdomain: false,
        records: (await dnsp.resolveMx(n)).map((m) => ({ name: n, type, content: `${m.priority} ${m.exchange.toLowerCase()}`, ttl: 0 })),
      };
    if (type === "PTR")
      return { nxdomain: false, records: (await dnsp.resolvePtr(n)).map((p) => ({ name: n, type, content: p.toLowerCase(), ttl: 0 })) };
    return { nxdomain: false, records: [] };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOTFOUND" || code === "NXDOMAIN") return { nxdomain: true, records: [] };
    if (code === "ENODATA") return { nxdomain: false, records: [] };
    throw new SpfTempError(`${n} ${type}: ${code ?? (e as Error).message}`);
  }
};
