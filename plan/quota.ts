// Quota sizing for accounts on the new IMAP host. `auto` = audited size x headroom, rounded up to a whole MiB;
// an explicit quota below the audited size is refused with both numbers (the copy would stop on OVERQUOTA).
import type { QuotaSpec } from "./types";

export const MiB = 1024 * 1024;

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export class QuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QuotaError";
  }
}

/** `auto`, a number of bytes, or a size with a unit ("5GB" decimal, "5GiB" binary). */
export function parseQuota(v: unknown): QuotaSpec {
  if (v === "auto") return { kind: "auto" };
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v <= 0) throw new QuotaError(`quota ${v} is not a positive whole number of bytes`);
    return { kind: "bytes", bytes: v };
  }
  if (typeof v === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(v);
    if (m) {
      const bytes = Math.ceil(Number(m[1]) * UNITS[(m[2] ?? "b").toLowerCase()]!);
      if (Number.isSafeInteger(bytes) && bytes > 0) return { kind: "bytes", bytes };
    }
  }
  throw new QuotaError(`quota ${JSON.stringify(v)} is not auto, a number of bytes or a size like "5GB"`);
}

/** A size: a number of bytes, or a number with a unit ("50MB" decimal, "35MiB" binary); never auto. */
export function parseSize(v: unknown): number {
  if (v === "auto") throw new QuotaError('"auto" is only for a mailbox quota; give a size like "50MB"');
  const q = parseQuota(v);
  if (q.kind !== "bytes") throw new QuotaError(`${JSON.stringify(v)} is not a size`);
  return q.bytes;
}

/** Bytes in a human form for messages: 5368709120 -> "5.00 GiB (5368709120 bytes)". */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(2)} ${units[u]} (${n} bytes)`;
}

/** auto: audited x headroom rounded up to a whole MiB (never 0: an empty mailbox still receives mail). */
export function autoQuota(auditedBytes: number, headroom: number): number {
  return Math.max(1, Math.ceil((auditedBytes * headroom) / MiB)) * MiB;
}

export interface QuotaDecision {
  bytes: number | undefined;
  /** Where the number came from, for the per-mailbox plan. */
  basis: string;
}

/**
 * The quota for one mailbox. `undefined` spec: no quota is set (the host's default applies). Throws QuotaError
 * (the caller adds the config path) when auto has no audit, when an explicit quota is below the audited size,
 * and when no quota is set but the audit exceeds the host's default (`hostDefault`, newHost.defaultQuota): the
 * copy would stop over quota, the trap of a mailbox that silently gets 1 GB.
 */
export function sizeQuota(spec: QuotaSpec | undefined, audited: number | undefined, headroom: number, hostDefault?: number): QuotaDecision {
  if (spec === undefined) {
    if (audited !== undefined && hostDefault !== undefined && audited > hostDefault)
      throw new QuotaError(
        `has no quota, so the new host's default ${formatBytes(hostDefault)} (newHost.defaultQuota) applies, below the audited size ${formatBytes(audited)}; the copy would stop over quota. Set quota: auto (audited x headroom: ${formatBytes(autoQuota(audited, headroom))}) or a quota of at least ${formatBytes(audited)}`,
      );
    if (hostDefault !== undefined)
      return {
        bytes: undefined,
        basis: `no quota set: the host's default ${formatBytes(hostDefault)} applies${audited === undefined ? " (no audit)" : `, audited ${formatBytes(audited)}`}`,
      };
    return { bytes: undefined, basis: "no quota set: the host's default applies" };
  }
  if (spec.kind === "auto") {
    if (audited === undefined)
      throw new QuotaError(
        "quota is auto but there is no audit for this mailbox. Run `mailshift audit --from imap://USER@OLDHOST:993 --json >> audit.jsonl` and set mailshift:auditFile (or mailshift:audit), or give an explicit quota",
      );
    const bytes = autoQuota(audited, headroom);
    return { bytes, basis: `auto: audited ${formatBytes(audited)} x ${headroom}` };
  }
  if (audited !== undefined && spec.bytes < audited)
    throw new QuotaError(
      `quota ${formatBytes(spec.bytes)} is below the audited size ${formatBytes(audited)}; the copy would stop over quota. Raise the quota to at least ${formatBytes(audited)} or use auto`,
    );
  return { bytes: spec.bytes, basis: audited === undefined ? "explicit (no audit)" : `explicit, audited ${formatBytes(audited)}` };
}

/**
 * The quota problem of every imap mailbox (`at`: its position in the list given), for parseConfig to report with
 * the configuration's other problems in one run. Audits are matched by login, then address, as routing does.
 */
export function quotaProblems(
  mailboxes: readonly { address: string; sourceUser: string; route: string; quota?: QuotaSpec }[],
  audit: Readonly<Record<string, number>>,
  headroom: number,
  hostDefault: number | undefined,
): { at: number; message: string }[] {
  const out: { at: number; message: string }[] = [];
  mailboxes.forEach((m, at) => {
    if (m.route !== "imap") return;
    try {
      sizeQuota(m.quota, audit[m.sourceUser] ?? audit[m.address], headroom, hostDefault);
    } catch (err) {
      if (!(err instanceof QuotaError)) throw err;
      out.push({ at, message: `${m.address}: ${err.message}` });
    }
  });
  return out;
}
