// `mailshift preflight`: before anything is copied, every mailbox's source and destination checked: the port, the
// TLS certificate for the host name, the login, the capabilities, INBOX, the destination's quota against the
// audited size. One table, a sentence per problem. The program runs the same checks at preview and up (world/gates.ts).
// Exit codes: 0 passed; 1 a problem; 2 the command line is wrong.
import { readFileSync } from "node:fs";
import { UsageError } from "../engine";
import { parseAuditLines } from "../plan/config";
import { PlanError } from "../plan/errors";
import { renderPreflight } from "../plan/preflight";
import { runPreflight, type PreflightTarget } from "../world/gates";
import { commandFailure } from "./failure";
import { parseMailboxList, readListFile } from "./syncMany";

export const PREFLIGHT_USAGE = `usage:
  mailshift preflight --mailboxes FILE.json [--audit AUDIT.jsonl] [--parallel N] [--json]

FILE.json is sync-many's list ({"mailboxes": [{"from": "imaps://USER@HOST:993", "to": "imaps://USER@HOST:993"}, ...]},
passwords as sync-many takes them). AUDIT.jsonl: lines of \`mailshift audit --json\` (audit-many --out), to compare
each destination's quota with the size audited on its source.`;

interface PreflightArgs {
  mailboxes: string;
  audit?: string;
  parallel: number;
  json: boolean;
}

export function parsePreflightArgs(argv: readonly string[]): PreflightArgs {
  let mailboxes: string | undefined;
  let audit: string | undefined;
  let parallel = 4;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${PREFLIGHT_USAGE}`);
      return v;
    };
    if (a === "--mailboxes") mailboxes = value();
    else if (a === "--audit") audit = value();
    else if (a === "--parallel") {
      parallel = Number(value());
      if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`--parallel takes a positive whole number\n${PREFLIGHT_USAGE}`);
    } else if (a === "--json") json = true;
    else throw new UsageError(`unknown option "${a}"\n${PREFLIGHT_USAGE}`);
  }
  if (!mailboxes) throw new UsageError(`preflight needs --mailboxes FILE.json\n${PREFLIGHT_USAGE}`);
  return { mailboxes, ...(audit ? { audit } : {}), parallel, json };
}

export async function runPreflightCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parsePreflightArgs(argv);
    json = args.json;
    const [text, file, privateFile] = readListFile(args.mailboxes);
    const pairs = parseMailboxList(text, file, env, privateFile);
    let audit: Record<string, number> = {};
    if (args.audit) {
      let text: string;
      try {
        text = readFileSync(args.audit, "utf8");
      } catch (err) {
        throw new UsageError(`--audit ${args.audit}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      audit = parseAuditLines(text, args.audit);
    }
    const targets: PreflightTarget[] = pairs.flatMap((p) => {
      const mailbox = `${p.entry} ${p.from.user}`;
      const audited = audit[p.from.user.toLowerCase()];
      return [
        { mailbox, side: "source" as const, endpoint: p.from, credential: `the source password of ${p.entry} in ${args.mailboxes}` },
        {
          mailbox,
          side: "destination" as const,
          endpoint: p.to,
          credential: `the destination password of ${p.entry} in ${args.mailboxes}`,
          ...(audited !== undefined ? { auditedBytes: audited } : {}),
        },
      ];
    });
    const report = await runPreflight(targets, args.parallel);
    process.stdout.write(json ? `${JSON.stringify(report)}\n` : `${renderPreflight(report)}\n`);
    return report.problems.length === 0 ? 0 : 1;
  } catch (err) {
    return commandFailure("mailshift preflight", err, { json, expected: (e) => e instanceof PlanError });
  }
}
