// The connections one mailbox pass uses: on the source one for STATUS and the like (imapflow) and one that lists
// and reads bodies in bulk; on the destination one to list and flag (imapflow) and a pool to append (and read
// back what arrived). After a dropped connection everything is opened afresh: state lives on the servers, not here.
import type { ImapFlow } from "imapflow";
import type { Endpoint } from "./endpoint";
import { closeClient, DEFAULT_SOCKET_TIMEOUT_MS, openClient, type ConnectOptions } from "./connect";
import { AppendPool } from "./appendPool";
import { appendConnectionsFor } from "./limits";
import { BulkConnection } from "./bulkConnection";

export class MailboxSession {
  private src?: ImapFlow;
  private reader?: BulkConnection;
  private dst?: ImapFlow;
  private pool?: AppendPool;

  constructor(
    readonly from: Endpoint,
    readonly to: Endpoint | undefined,
    private readonly connect: ConnectOptions,
    private readonly appendConnections: number,
  ) {}

  /** The destination's connections name folders in modified UTF-7, readable by every client (connect.ts). */
  private get toConnect(): ConnectOptions {
    return { ...this.connect, legacyNames: true };
  }

  /** The destination server as the report names it. */
  get destinationLabel(): string {
    return this.to ? `the destination server (${this.to.host})` : "the destination server";
  }

  private readonly opening = new Map<string, Promise<unknown>>();

  /**
   * One opening at a time per connection: callers that ask at once (a lane being opened beside the running one)
   * share it, rather than each opening its own and one leaking.
   */
  private single<T>(key: string, open: () => Promise<T>): Promise<T> {
    const pending = this.opening.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const p = open().finally(() => this.opening.delete(key));
    this.opening.set(key, p);
    return p;
  }

  async source(): Promise<ImapFlow> {
    if (this.src?.usable) return this.src;
    return this.single("source", async () => {
      await closeClient(this.src);
      this.src = await openClient(this.from, this.connect);
      return this.src;
    });
  }

  /** True while a bulk reader is open on the source (a few bodies are then read there, not on `source()`). */
  get hasSourceReader(): boolean {
    return !!this.reader?.usable;
  }

  /** The source connection that lists folders and reads message bodies in bulk (bulkConnection.ts). */
  async sourceReader(): Promise<BulkConnection> {
    if (this.reader?.usable) return this.reader;
    return this.single("reader", async () => {
      this.reader?.drop();
      this.reader = await this.openBulk(this.from, this.connect);
      return this.reader;
    });
  }

  /** Logs in with imapflow (its retries and errors), then takes the socket over for bulk work. */
  private async openBulk(e: Endpoint, opts: ConnectOptions): Promise<BulkConnection> {
    return BulkConnection.adopt(await openClient(e, opts), this.connect.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS);
  }

  async destination(): Promise<ImapFlow> {
    const to = this.to;
    if (!to) throw new Error("this pass has no destination");
    if (this.dst?.usable) return this.dst;
    return this.single("destination", async () => {
      await closeClient(this.dst);
      this.dst = await openClient(to, this.toConnect);
      return this.dst;
    });
  }

  /** The destination's APPENDLIMIT (RFC 7889) when it announces one for every folder; undefined otherwise. */
  async appendLimit(): Promise<number | undefined> {
    const v = (await this.destination()).capabilities.get("APPENDLIMIT");
    return typeof v === "number" && v > 0 ? v : undefined;
  }

  async appender(): Promise<AppendPool> {
    const to = this.to;
    if (!to) throw new Error("this pass has no destination");
    if (this.pool?.usable) return this.pool;
    return this.single("appender", async () => {
      await Promise.all((this.pool?.shutdown() ?? []).map((c) => c.close()));
      // The first connection must open (its failure is the mailbox's); the others are a bonus, opened when
      // batches wait, once each: a server with a per-mailbox connection limit (Exchange Online) turns them away.
      const first = await this.openBulk(to, this.toConnect);
      const more = () => this.openBulk(to, { ...this.toConnect, retry: { ...this.connect.retry, attempts: 1 } });
      this.pool = new AppendPool(first, more, appendConnectionsFor(first.greeting, this.appendConnections));
      return this.pool;
    });
  }

  private takeAll(): { clients: (ImapFlow | undefined)[]; bulk: BulkConnection[] } {
    const taken = { clients: [this.src, this.dst], bulk: [...(this.reader ? [this.reader] : []), ...(this.pool?.shutdown() ?? [])] };
    this.src = this.dst = this.pool = this.reader = undefined;
    return taken;
  }

  /** Drops every connection at once (after a failure, a polite LOGOUT may hang); the next call opens new ones. */
  reset(): void {
    const { clients, bulk } = this.takeAll();
    for (const c of clients) c?.close();
    for (const a of bulk) a.drop();
  }

  /** Logs out of every connection. */
  async close(): Promise<void> {
    const { clients, bulk } = this.takeAll();
    await Promise.all([...clients.map(closeClient), ...bulk.map((a) => a.close())]);
  }
}
