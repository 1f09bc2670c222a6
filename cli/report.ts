// `mailshift report`: the stakeholder page from the stack's outputs (and, optionally, the state export for the
// per-mailbox counts and sync runs' summaries). Exit codes: 0 written; 2 the command line is wrong; 3 an input
// could not be read.
import { readFileSync, writeFileSync } from "node:fs";
import { UsageError } from "../engine/errors";
import { commandFailure } from "./failure";
import { fromStackOutputs, mergeStateExport, mergeSyncSummary, renderReport, ReportInputError } from "../report";

export const REPORT_USAGE = `usage:
  mailshift report --stack-outputs FILE.json [--state FILE.json] [--sync FILE.json ...] [--out report.html] [--negative-ttl SECONDS]

  --stack-outputs FILE  what \`pulumi stack output --json\` prints (secrets in it are never copied to the page)
  --state FILE          what \`pulumi stack export\` prints: per-mailbox counts and the deployment time
  --sync FILE           what \`mailshift sync --json\` prints; repeatable, one per mailbox
  --out FILE            where to write the page (default report.html)
  --negative-ttl N      the zone's negative-caching TTL (SOA minimum) in seconds, default 1800 (check with dig SOA)`;

interface ReportArgs {
  stackOutputs: string;
  state?: string;
  sync: string[];
  out: string;
  negativeTtl?: number;
}

export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const args = argv[0] === "report" ? argv.slice(1) : argv;
  const single = new Map<string, string>();
  const sync: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!["--stack-outputs", "--state", "--sync", "--out", "--negative-ttl"].includes(flag))
      throw new UsageError(`unknown option "${a}"\n${REPORT_USAGE}`);
    const v = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || v === "") throw new UsageError(`${flag} needs a value\n${REPORT_USAGE}`);
    if (flag === "--sync") sync.push(v);
    else if (single.has(flag)) throw new UsageError(`${flag} is given more than once`);
    else single.set(flag, v);
  }
  const stackOutputs = single.get("--stack-outputs");
  if (!stackOutputs)
    throw new UsageError(
      `report needs --stack-outputs FILE.json (from \`pulumi stack output --json --show-secrets > FILE.json\`)\n${REPORT_USAGE}`,
    );
  const ttl = single.get("--negative-ttl");
  const negativeTtl = ttl === undefined ? undefined : Number(ttl);
  if (negativeTtl !== undefined && (!Number.isInteger(negativeTtl) || negativeTtl < 0))
    throw new UsageError(`--negative-ttl takes whole seconds, not "${ttl}"`);
  return {
    stackOutputs,
    sync,
    out: single.get("--out") ?? "report.html",
    ...(single.has("--state") ? { state: single.get("--state")! } : {}),
    ...(negativeTtl !== undefined ? { negativeTtl } : {}),
  };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ReportInputError(
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // the parser's message says where; no excerpt of the file, which may hold secrets
    throw new ReportInputError(`${file}: is not JSON (${(err as Error).message.replace(/"[^"]*"/g, "…")}); write it with --json`);
  }
}

export async function runReport(argv: string[], now: Date = new Date()): Promise<number> {
  try {
    const a = parseReportArgs(argv);
    let data = fromStackOutputs(readJson(a.stackOutputs), a.stackOutputs);
    if (a.state) data = mergeStateExport(data, readJson(a.state), a.state);
    for (const f of a.sync) data = mergeSyncSummary(data, readJson(f), f);
    if (
      !a.state &&
      a.sync.length === 0 &&
      data.mailboxes.length > 0 &&
      data.mailboxes.every((m) => !m.progress) &&
      data.stage !== "prepare"
    )
      data = {
        ...data,
        notes: [...data.notes, "The stack outputs carry no copy counts: pass --state FILE (from `pulumi stack export`) to show them."],
      };
    writeFileSync(a.out, renderReport(data, now, a.negativeTtl !== undefined ? { negativeTtl: a.negativeTtl } : {}));
    process.stdout.write(`wrote ${a.out}\n`);
    return 0;
  } catch (err) {
    return commandFailure("mailshift report", err, { expected: (e) => e instanceof ReportInputError });
  }
}
