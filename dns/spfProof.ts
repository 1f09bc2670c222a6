// The proof that each SPF record mailshift publishes does its job: evaluated as a receiver would, it passes the
// hosts that must send for the domain (Exchange Online, the new IMAP host) and fails one that must not.
import { evaluateSpf, type SpfEvaluation, type SpfLookup } from "./spfEval";

export interface SpfHost {
  /** Who it is, for the report: "Exchange Online", "new IMAP host", "a stranger". */
  label: string;
  ip: string;
}

export interface SpfExpectation {
  domain: string;
  allow: readonly SpfHost[];
  deny: readonly SpfHost[];
}

export interface SpfProofLine extends SpfEvaluation {
  domain: string;
  host: SpfHost;
  want: "pass" | "fail";
  ok: boolean;
}

export interface SpfProof {
  lines: SpfProofLine[];
  ok: boolean;
}

/**
 * Evaluate every expectation. An allowed host must get pass; a denied one must get fail (softfail and neutral
 * let a forger's mail through at many receivers, so they count as denied only with softfailDenies, for a
 * domain whose DMARC policy rejects or quarantines what SPF does not pass).
 */
export async function proveSpf(
  expectations: readonly SpfExpectation[],
  lookup: SpfLookup,
  options: { /** Accept softfail for denied hosts (a ~all record relying on DMARC). */ softfailDenies?: boolean } = {},
): Promise<SpfProof> {
  const lines: SpfProofLine[] = [];
  for (const e of expectations) {
    for (const [want, hosts] of [
      ["pass", e.allow],
      ["fail", e.deny],
    ] as const) {
      for (const host of hosts) {
        const r = await evaluateSpf({ ip: host.ip, domain: e.domain, lookup });
        const ok = r.result === want || (want === "fail" && r.result === "softfail" && options.softfailDenies === true);
        lines.push({ ...r, domain: e.domain, host, want, ok });
      }
    }
  }
  return { lines, ok: lines.every((l) => l.ok) };
}

/** One line per evaluation, for preview and the report. */
export function renderSpfProof(proof: SpfProof): string {
  return proof.lines
    .map((l) => {
      const why = l.matched ?? l.reason ?? "no mechanism matched";
      return `${l.ok ? "ok  " : "FAIL"} ${l.domain}: ${l.host.label} (${l.host.ip}) -> ${l.result}, want ${l.want}; ${l.lookups} lookup(s); ${why}`;
    })
    .join("\n");
}
