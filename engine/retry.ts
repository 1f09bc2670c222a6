// Backoff for transient failures: exponential, capped, with jitter so parallel mailboxes do not retry in step.

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 30_000 };

/** Delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, with up to 20% jitter. */
export function backoffDelay(p: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const raw = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.8 + 0.2 * random()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
