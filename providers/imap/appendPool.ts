// A few destination connections that APPEND in parallel: imapflow keeps one command in flight per connection,
// so throughput comes from several connections, bounded so a server's per-user limit is respected.
import type { ImapFlow } from "imapflow";

export interface AppendResult {
  ok: true;
  uid?: number;
}
export interface AppendRefusal {
  ok: false;
  error: unknown;
}

export class AppendPool {
  private idle: ImapFlow[];
  private waiters: ((c: ImapFlow) => void)[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly clients: ImapFlow[]) {
    this.idle = [...clients];
  }

  get size(): number {
    return this.clients.length;
  }

  private acquire(): Promise<ImapFlow> {
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: ImapFlow): void {
    const w = this.waiters.shift();
    if (w) w(c);
    else this.idle.push(c);
  }

  /**
   * Starts one APPEND as soon as a connection is free and returns once it has started, so the caller keeps
   * reading the source meanwhile. `done` receives the outcome; failures never reject here.
   */
  async submit(
    path: string,
    raw: Buffer,
    flags: string[],
    internalDate: Date,
    done: (r: AppendResult | AppendRefusal) => void,
  ): Promise<void> {
    const client = await this.acquire();
    const p = client
      .append(path, raw, flags, internalDate)
      .then(
        (res) => done({ ok: true, uid: res ? res.uid : undefined }),
        (error: unknown) => done({ ok: false, error }),
      )
      .finally(() => {
        this.release(client);
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  /** Waits for every started APPEND to finish. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
