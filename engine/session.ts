// The connections one mailbox pass uses: one per side, where it can. Each side logs in with imapflow (TLS,
// STARTTLS, OAuth2, its retries and errors), lists its folders there, and then the same socket is taken over for
// the bulk work (bulkConnection.ts): on the source the reads of listings and bodies, on the destination the first
// APPEND connection of a pool (which also lists and reads back what arrived). A login costs six round trips and, on
// Dovecot, a server process: a resync pays for two, not three or four. What still needs imapflow after that (SEARCH
// for new mail already on the destination, a folder created after a retry) opens it again. After a dropped
// connection everything is opened afresh: state lives on the servers, not here.
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

  /**
   * The source connection that reads listings, marks and bodies in bulk (bulkConnection.ts): the imapflow one
   * taken over when it is open and idle (it listed the folders), else a new login.
   */
  async sourceReader(): Promise<BulkConnection> {
    if (this.reader?.usable) return this.reader;
    return this.single("reader", async () => {
      this.reader?.drop();
      this.reader = (await this.takeOver("source")) ?? (await this.openBulk(this.from, this.connect));
      return this.reader;
    });
  }

  /** Logs in with imapflow (its retries and errors), then takes the socket over for bulk work. */
  private async openBulk(e: Endpoint, opts: ConnectOptions): Promise<BulkConnection> {
    return BulkConnection.adopt(await openClient(e, opts), this.connect.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS);
  }

  /**
   * The side's imapflow connection as a bulk one, when it is open and no command runs on it (nor is it being
   * opened): it then counts as closed here, and `source()` or `destination()` log in again should they be needed.
   */
  private async takeOver(side: "source" | "destination"): Promise<BulkConnection | undefined> {
    const client = side === "source" ? this.src : this.dst;
    if (!client?.usable || this.opening.has(side) || !isIdle(client)) return undefined;
    if (side === "source") this.src = undefined;
    else this.dst = undefined;
    return BulkConnection.adopt(client, this.connect.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS);
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
    const v = (await this.appender()).capabilities.get("APPENDLIMIT");
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
      const first = (await this.takeOver("destination")) ?? (await this.openBulk(to, this.toConnect));
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

/**
 * No command queued or running on the imapflow client: its socket can be taken over. imapflow does not say so in
 * its public API; a client whose internals look otherwise than expected counts as busy (a new login instead).
 */
function isIdle(client: ImapFlow): boolean {
  const c = client as unknown as { currentRequest?: unknown; requestQueue?: unknown[]; idling?: boolean };
  return Array.isArray(c.requestQueue) && c.requestQueue.length === 0 && !c.currentRequest && !c.idling;
}
