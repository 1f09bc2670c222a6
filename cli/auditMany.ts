// `mailshift audit-many`: every mailbox of a list audited, N at a time, into one file the stack reads
// (mailshift:auditFile): one line of `mailshift audit --json` per mailbox. With an administrator per entry
// ("fromAdmin"), one credential audits a whole host.
import { writeFileSync } from "node:fs";
import { auditMailbox, MailshiftError, UsageError, type AuditReport } from "../engine";
import { mailboxLabel } from "../engine/endpoint";
import { bytes, count } from "../report/format";
import { commandFailure } from "./failure";
import { parseSourceList, readListFile } from "./syncMany";

export const AUDIT_MANY_USAGE = `usage:
  mailshift audit-many --mailboxes FILE.json --out audit.jsonl [--parallel N]

FILE.json is sync-many's list ("to" may be left out): {"mailboxes": [{"from": "imap://USER@HOST:PORT"}, ...]},
passwords as there ("fromPasswordEnv", "fromPassword" in a file only its owner reads), and "fromAdmin" for an
administrator who logs in on each user's behalf. --out gets one audit per line: set mailshift:auditFile to it.

options:
  --parallel N   mailboxes audited at the same time (default 4)`;

export interface AuditManyArgs {
  mailboxesFile: string;
  out: string;
  parallel: number;
}

export function parseAuditManyArgs(argv: readonly string[]): AuditManyArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!["--mailboxes", "--out", "--parallel"].includes(flag)) throw new UsageError(`unknown option "${a}"\n${AUDIT_MANY_USAGE}`);
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
    if (values.has(flag)) throw new UsageError(`${flag} is given more than once`);
    values.set(flag, v);
  }
  const mailboxesFile = values.get("--mailboxes");
  const out = values.get("--out");
  if (!mailboxesFile || !out) throw new UsageError(`audit-many needs --mailboxes FILE.json and --out FILE\n${AUDIT_MANY_USAGE}`);
  const p = values.get("--parallel") ?? "4";
  const parallel = Number(p);
  if (!Number.isInteger(parallel) || parallel <= 0) throw new UsageError(`--parallel takes a positive whole number, not "${p}"`);
  return { mailboxesFile, out, parallel };
}

/** The audits as the stack reads them: one `mailshift audit --json` report per line, in the list's order. */
export function auditLines(reports: readonly AuditReport[]): string {
  return reports.map((r) => `${JSON.stringify(r)}\n`).join("");
}

export async function runAuditMany(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const args = parseAuditManyArgs(argv);
    const [text, file, privateFile] = readListFile(args.mailboxesFile);
    const list = parseSourceList(text, file, env, privateFile);
    const reports: (AuditReport | undefined)[] = [];
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const i = next++;
        const { entry, from } = list[i]!;
        try {
          reports[i] = await auditMailbox(from);
          const t = reports[i]!.totals;
          process.stdout.write(`${mailboxLabel(from)}: ${count(t.messages)} messages, ${bytes(t.bytes)}, largest ${bytes(t.largest)}\n`);
        } catch (err) {
          failed += 1;
          const message = err instanceof MailshiftError ? err.message : `unexpected failure: ${(err as Error)?.message ?? String(err)}`;
          process.stderr.write(`mailshift: ${entry} ${mailboxLabel(from)} not audited: ${message}\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(args.parallel, list.length) }, worker));
    const done = reports.filter((r): r is AuditReport => r !== undefined);
    writeFileSync(args.out, auditLines(done));
    process.stdout.write(
      `wrote ${done.length} of ${list.length} audits to ${args.out}${failed ? `; ${failed} not audited (above)` : ""}\n`,
    );
    return failed ? 3 : 0;
  } catch (err) {
    return commandFailure("mailshift", err);
  }
}
