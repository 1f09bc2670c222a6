// `mailshift dns-check`: prove the new zone answers like the old one, except where this stage changes it on purpose.
// Exit codes (as the other commands): 0 equal but for expected differences; 1 unexpected differences;
// 2 the command line is wrong; 3 the check stopped (unreadable zone file, a server that does not answer).
import { readFileSync } from "node:fs";
import { UsageError } from "../engine/errors";
import { commandFailure } from "./failure";
import { fitForCloudflare } from "../dns/cloudflareFit";
import { checkEquivalence, type EquivalenceReport } from "../dns/equivalence";
import { parseNameServer, type NameServer } from "../dns/query";
import { mergeForStage, type GeneratedRecord } from "../plan/stageMerge";
import { STAGES, type Stage } from "../plan/types";
import { readZoneFile, renderZoneFileIssue } from "../dns/zonefile";
import { compareZoneSpf, describeSpfSide, SPF_PROBE_IP, type SpfZoneLine } from "../dns/spfCompare";
import { recordsLookup, serverLookup } from "../dns/spfEval";

export const DNS_CHECK_USAGE = `usage:
  mailshift dns-check --zone FILE --old NS[:PORT] [--new NS[:PORT]] [--stage S] [--mail FILE] [--low-ttl SECONDS] [--timeout MS] [--json]

  --zone FILE        the zone exported from the old DNS host (BIND format)
  --old NS[:PORT]    an authoritative server of the old zone
  --new NS[:PORT]    a nameserver of the new zone; without it the planned records stand for its answers
  --stage S          prepare, copy, cutover or finalize (default prepare): decides which mail records are published
  --mail FILE        the generated mail records, a JSON array of {name, type, content, ttl, role}
  --low-ttl SECONDS  the TTL the old MX/SPF/autodiscover records get before cutover
  --timeout MS       how long to wait for each DNS answer before asking again (default 2000; 3 tries)
  --json             print the report as one JSON object on stdout`;

interface DnsCheckArgs {
  zone: string;
  old: NameServer;
  new?: NameServer;
  stage: Stage;
  mail?: string;
  lowTtl?: number;
  timeoutMs?: number;
  json: boolean;
}

export function parseDnsCheckArgs(argv: readonly string[]): DnsCheckArgs {
  const args = argv[0] === "dns-check" ? argv.slice(1) : argv;
  const values = new Map<string, string>();
  let json = false;
  const withValue = new Set(["--zone", "--old", "--new", "--stage", "--mail", "--low-ttl", "--timeout"]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === "--json") json = true;
    else if (withValue.has(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value\n${DNS_CHECK_USAGE}`);
      if (values.has(flag)) throw new UsageError(`${flag} is given more than once`);
      values.set(flag, v);
    } else throw new UsageError(`unknown option "${a}"\n${DNS_CHECK_USAGE}`);
  }
  const zone = values.get("--zone");
  const old = values.get("--old");
  if (!zone || !old) throw new UsageError(`dns-check needs --zone FILE and --old NS[:PORT]\n${DNS_CHECK_USAGE}`);
  const stage = (values.get("--stage") ?? "prepare") as Stage;
  if (!STAGES.includes(stage)) throw new UsageError(`--stage must be one of ${STAGES.join(", ")}, not "${stage}"`);
  const lowTtlText = values.get("--low-ttl");
  const lowTtl = lowTtlText === undefined ? undefined : Number(lowTtlText);
  if (lowTtl !== undefined && (!Number.isInteger(lowTtl) || lowTtl <= 0))
    throw new UsageError(`--low-ttl takes a positive whole number of seconds, not "${lowTtlText}"`);
  const timeoutText = values.get("--timeout");
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0))
    throw new UsageError(`--timeout takes a positive whole number of milliseconds, not "${timeoutText}"`);
  const parseNs = (flag: string, v: string) => {
    try {
      return parseNameServer(v);
    } catch (e) {
      throw new UsageError(`${flag}: ${(e as Error).message}`);
    }
  };
  const fresh = values.get("--new");
  return {
    zone,
    old: parseNs("--old", old),
    new: fresh === undefined ? undefined : parseNs("--new", fresh),
    stage,
    mail: values.get("--mail"),
    lowTtl,
    timeoutMs,
    json,
  };
}

/** Generated mail records from a JSON file, checked field by field. */
export function readMailRecords(file: string, text: string): GeneratedRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message}); expected an array of {name, type, content, ttl, role}`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected an array of {name, type, content, ttl, role}`);
  return data.map((r: unknown, i) => {
    const o = r as Record<string, unknown>;
    for (const [k, t] of [
      ["name", "string"],
      ["type", "string"],
      ["content", "string"],
      ["ttl", "number"],
      ["role", "string"],
    ] as const) {
      if (typeof o?.[k] !== t) throw new Error(`${file}: record [${i}].${k} must be a ${t}`);
    }
    return {
      name: o.name as string,
      type: (o.type as string).toUpperCase(),
      content: o.content as string,
      ttl: o.ttl as number,
      role: o.role as string,
    };
  });
}

/**
 * The check in words. `importReport`: the zone file's lines not imported as written (ParsedZone.issues, rendered):
 * records skipped or dropped at import are not asked of either side, so they are listed first.
 */
export function renderDnsCheck(
  report: EquivalenceReport,
  stage: Stage,
  importReport: readonly string[] = [],
  spf: readonly SpfZoneLine[] = [],
): string {
  const lines = [
    `zone ${report.zone}, stage ${stage}: ${report.questions} name/type pairs asked of ${report.oldServer} (old) and ${report.newSide} (new)`,
  ];
  if (importReport.length > 0) {
    lines.push(`  zone file lines not imported as written: ${importReport.length}`);
    for (const l of importReport) lines.push(`    ${l}`);
  }
  lines.push(`  equal: ${report.equal}`);
  const list = (title: string, items: EquivalenceReport["expected"]) => {
    lines.push(`  ${title}: ${items.length}`);
    for (const d of items) lines.push(`    ${d.name} ${d.type}: ${d.detail}`);
  };
  list("expected differences (this stage makes them on purpose, or the import reported them)", report.expected);
  list("DIFFERENCES", report.differences);
  if (report.notCompared.length) list("not compared", report.notCompared);
  if (spf.length > 0) {
    lines.push(`  SPF, evaluated as a strict receiver does (RFC 7208) for ${SPF_PROBE_IP}: ${spf.length} name(s)`);
    for (const l of spf)
      lines.push(`    ${l.broken ? "BROKEN " : ""}${l.name}: old: ${describeSpfSide(l.old)}; new: ${describeSpfSide(l.new)}`);
  }
  const spfBroken = spf.some((l) => l.broken);
  if (!report.ok) lines.push("the zones differ: fix the differences above before changing the nameservers");
  else if (spfBroken)
    lines.push("receivers would refuse the new side's SPF (BROKEN above): fix those records before changing the nameservers");
  else lines.push("the new zone answers like the old one, apart from the expected differences");
  return lines.join("\n");
}

/** Run `mailshift dns-check`; returns the exit code. */
export async function runDnsCheck(argv: string[]): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseDnsCheckArgs(argv);
    json = args.json;
    const zone = readZoneFile(args.zone);
    const importReport = zone.issues.map((i) => renderZoneFileIssue(args.zone, i));
    if (zone.origin === "")
      throw new Error(
        `${args.zone}: no SOA record and no $ORIGIN, so the zone's name is unknown; add "$ORIGIN example.com." (your domain) as the first line`,
      );
    const mail = args.mail ? readMailRecords(args.mail, readFileSync(args.mail, "utf8")) : [];
    const fit = fitForCloudflare(zone.origin, zone.records);
    const merged = mergeForStage([...fit.importable, ...fit.adjusted.map((a) => a.record)], mail, args.stage, { lowTtl: args.lowTtl });
    const query = args.timeoutMs === undefined ? undefined : { timeoutMs: args.timeoutMs };
    const report = await checkEquivalence({
      zone: zone.origin,
      imported: zone.records,
      planned: merged.records,
      decisions: merged.decisions,
      fit,
      old: args.old,
      new: args.new,
      query,
    });
    // The same check_host as the SPF proof, on both sides: the new side must not serve what receivers refuse.
    const spf = await compareZoneSpf(
      zone.origin,
      [...zone.records, ...merged.records],
      serverLookup(args.old, query),
      args.new ? serverLookup(args.new, query) : recordsLookup(merged.records),
    );
    const ok = report.ok && !spf.some((l) => l.broken);
    process.stdout.write(
      json
        ? `${JSON.stringify({ stage: args.stage, importReport, ...report, ok, spf })}\n`
        : `${renderDnsCheck(report, args.stage, importReport, spf)}\n`,
    );
    return ok ? 0 : 1;
  } catch (err) {
    // Every failure here is about the zone file or a name server the user gave: its own words say which.
    return commandFailure("mailshift dns-check", err, { json, expected: () => true });
  }
}

if (require.main === module) {
  runDnsCheck(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
