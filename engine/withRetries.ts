// Runs one unit of work (a folder), retrying with backoff when the connection fails, never when the
// failure is one a retry cannot fix. Each retry starts from fresh connections and a fresh listing.
import { classifySessionFailure, errorFacts, serverWords } from "./classify";
import { MailshiftError, RetriesExhaustedError } from "./errors";
import { backoffDelay, sleep, type RetryPolicy } from "./retry";
import type { MailboxSession } from "./session";

export async function withRetries<T>(
  session: MailboxSession,
  policy: RetryPolicy,
  where: { mailbox: string; folder: string },
  onRetry: (attempt: number, cause: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (err instanceof MailshiftError && !(err instanceof RetriesExhaustedError)) {
        // Unreachable after its own connect retries, auth, quota: retrying the folder cannot help.
        throw err;
      }
      const f = errorFacts(err);
      if (classifySessionFailure(f) !== "transient") {
        throw new MailshiftError(`folder "${where.folder}" of ${where.mailbox}: ${serverWords(f)}`);
      }
      session.reset();
      if (attempt >= policy.attempts) throw new RetriesExhaustedError(where.mailbox, where.folder, attempt, serverWords(f));
      onRetry(attempt, serverWords(f));
      await sleep(backoffDelay(policy, attempt));
    }
  }
}
