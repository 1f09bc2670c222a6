// How many passes (create, update, refresh) one dynamic-provider host runs at once. Pulumi starts as many
// resource operations as its --parallel allows (8 on a 2-core machine by default), and every MailboxMigration of
// a program runs in the same host process: without a limit, all of them would copy at once, on the same cores,
// where `mailshift sync-many` copies --parallel 4 at a time. So both run the same work the same way.

/** sync-many's default --parallel. */
export const DEFAULT_PASSES = 4;

/** The limit: MAILSHIFT_PROVIDER_PARALLEL in the host's environment (a positive integer), else sync-many's. */
export function passLimit(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.MAILSHIFT_PROVIDER_PARALLEL);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_PASSES;
}

/** A counting semaphore, first come first served. */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly size: number) {}

  /** True when a pass asking now would wait. */
  get full(): boolean {
    return this.running >= this.size;
  }

  /** Resolves with the function that gives the slot back. */
  async take(): Promise<() => void> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight on
      else this.running--;
    };
  }
}
