// The connections one mailbox pass uses: one to read the source, one to list and flag the destination, and a
// pool to append. After a dropped connection everything is opened afresh: state lives on the servers, not here.
import type { ImapFlow } from "imapflow";
import type { Endpoint } from "./endpoint";
import { closeClient, DEFAULT_SOCKET_TIMEOUT_MS, openClient, type ConnectOptions } from "./connect";
import { AppendPool } from "./appendPool";
import { AppendConnection } from "./appendConnection";

export class MailboxSession {
  private src?: ImapFlow;
  private dst?: ImapFlow;
  private pool?: AppendPool;
  private poolClients: AppendConnection[] = [];

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
      await Promise.all(this.poolClients.map((c) => c.close()));
      const to = this.to;
      // The first connection must open (its failure is the mailbox's); the others are a bonus: a server
      // with a per-mailbox connection limit (Exchange Online) turns them away, and the pass goes on with fewer.
      const timeout = this.connect.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS;
      const first = AppendConnection.adopt(await openClient(to, this.connect), timeout);
      const extra = await Promise.allSettled(
        Array.from({ length: Math.max(0, this.appendConnections - 1) }, async () =>
          AppendConnection.adopt(await openClient(to, { ...this.connect, retry: { ...this.connect.retry, attempts: 1 } }), timeout),
        ),
      );
      this.poolClients = [first, ...extra.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))];
      this.pool = new AppendPool(this.poolClients);
    }
    return this.pool;
  }

  private takeAll(): { clients: (ImapFlow | undefined)[]; appenders: AppendConnection[] } {
    const taken = { clients: [this.src, this.dst], appenders: this.poolClients };
    this.src = this.dst = this.pool = undefined;
    this.poolClients = [];
    return taken;
  }

  /** Drops every connection at once (after a failure, a polite LOGOUT may hang); the next call opens new ones. */
  reset(): void {
    const { clients, appenders } = this.takeAll();
    for (const c of clients) c?.close();
    for (const a of appenders) a.drop();
  }

  /** Logs out of every connection. */
  async close(): Promise<void> {
    const { clients, appenders } = this.takeAll();
    await Promise.all([...clients.map(closeClient), ...appenders.map((a) => a.close())]);
  }
}
