// The connections one mailbox pass uses: one to read the source, one to list and flag the destination, and a
// pool to append. After a dropped connection everything is opened afresh: state lives on the servers, not here.
import type { ImapFlow } from "imapflow";
import type { Endpoint } from "./endpoint";
import { closeClient, openClient, type ConnectOptions } from "./connect";
import { AppendPool } from "./appendPool";

export class MailboxSession {
  private src?: ImapFlow;
  private dst?: ImapFlow;
  private pool?: AppendPool;
  private poolClients: ImapFlow[] = [];

  constructor(
    readonly from: Endpoint,
    readonly to: Endpoint | undefined,
    private readonly connect: ConnectOptions,
    private readonly appendConnections: number,
  ) {}

  async source(): Promise<ImapFlow> {
    if (!this.src?.usable) {
      await closeClient(this.src);
      this.src = await openClient(this.from, this.connect);
    }
    return this.src;
  }

  async destination(): Promise<ImapFlow> {
    if (!this.to) throw new Error("this pass has no destination");
    if (!this.dst?.usable) {
      await closeClient(this.dst);
      this.dst = await openClient(this.to, this.connect);
    }
    return this.dst;
  }

  async appender(): Promise<AppendPool> {
    if (!this.to) throw new Error("this pass has no destination");
    if (!this.pool || this.poolClients.some((c) => !c.usable)) {
      await Promise.all(this.poolClients.map(closeClient));
      const to = this.to;
      // The first connection must open (its failure is the mailbox's); the others are a bonus: a server
      // with a per-mailbox connection limit (Exchange Online) turns them away, and the pass goes on with fewer.
      const first = await openClient(to, this.connect);
      const extra = await Promise.allSettled(
        Array.from({ length: Math.max(0, this.appendConnections - 1) }, () =>
          openClient(to, { ...this.connect, retry: { ...this.connect.retry, attempts: 1 } }),
        ),
      );
      this.poolClients = [first, ...extra.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))];
      this.pool = new AppendPool(this.poolClients);
    }
    return this.pool;
  }

  private takeAll(): (ImapFlow | undefined)[] {
    const all = [this.src, this.dst, ...this.poolClients];
    this.src = this.dst = this.pool = undefined;
    this.poolClients = [];
    return all;
  }

  /** Drops every connection at once (after a failure, a polite LOGOUT may hang); the next call opens new ones. */
  reset(): void {
    for (const c of this.takeAll()) c?.close();
  }

  /** Logs out of every connection. */
  async close(): Promise<void> {
    await Promise.all(this.takeAll().map(closeClient));
  }
}
