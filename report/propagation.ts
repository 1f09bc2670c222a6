// When a stage's DNS changes have reached every resolver. A resolver that cached the old answer keeps it for the
// old record's TTL; one that asked for a name that did not exist yet keeps "no such record" for the zone's
// negative-caching TTL (the SOA minimum, RFC 2308). So a change or removal is everywhere after the old TTL, an
// addition after the negative TTL.
import type { DnsChange } from "./types";

/** Assumed negative-caching TTL: Cloudflare zones commonly publish an SOA minimum of 1800 s (`dig SOA example.com` shows the real one; `--negative-ttl` overrides). */
export const DEFAULT_NEGATIVE_TTL = 1800;

export interface Propagation {
  /** Seconds after the deployment by which every resolver sees the stage's records; 0 when nothing changes. */
  seconds: number;
  /** The change that takes longest. */
  slowest?: DnsChange;
  /** Set when deployedAt is known. */
  readyAt?: string;
  /** Whether readyAt is before `now`. */
  done?: boolean;
}

export function changeSeconds(c: DnsChange, negativeTtl = DEFAULT_NEGATIVE_TTL): number {
  if (c.action === "add") return negativeTtl;
  // an old TTL the text did not give: assume the longest common one (a day) rather than promise too early
  return c.from?.ttl ?? 86400;
}

export function propagation(
  changes: readonly DnsChange[],
  deployedAt: string | undefined,
  now: Date,
  negativeTtl = DEFAULT_NEGATIVE_TTL,
): Propagation {
  let seconds = 0;
  let slowest: DnsChange | undefined;
  for (const c of changes) {
    const s = changeSeconds(c, negativeTtl);
    if (s > seconds) {
      seconds = s;
      slowest = c;
    }
  }
  const out: Propagation = { seconds, ...(slowest ? { slowest } : {}) };
  const start = deployedAt ? new Date(deployedAt) : undefined;
  if (start && !Number.isNaN(start.getTime())) {
    const ready = new Date(start.getTime() + seconds * 1000);
    out.readyAt = ready.toISOString();
    out.done = ready.getTime() <= now.getTime();
  }
  return out;
}
