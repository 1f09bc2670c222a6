// The one way a command's failure becomes what the user reads and an exit code: 2 when the command line is wrong,
// 3 when the work stopped. An error mailshift raises on purpose (MailshiftError: it names the mailbox, file or option
// and says what to do) prints its own words; anything else is a bug to report, so its stack is printed with it.
import { MailshiftError, UsageError } from "../engine/errors";

export function commandFailure(prefix: string, err: unknown, opts: { json?: boolean; expected?: (err: unknown) => boolean } = {}): 2 | 3 {
  const usage = err instanceof UsageError;
  const known = usage || err instanceof MailshiftError || (opts.expected?.(err) ?? false);
  const message = known ? ((err as Error)?.message ?? String(err)) : `unexpected failure: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`${prefix}: ${message}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify({ error: { type: (err as Error)?.name ?? "Error", message } })}\n`);
  return usage ? 2 : 3;
}
