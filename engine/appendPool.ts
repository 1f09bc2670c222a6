// A few destination connections that APPEND batches in parallel. A batch goes as one MULTIAPPEND where the
// server has it; when the server refuses the batch (atomically: nothing stored), its messages go one by one
// so that only the refused message is skipped, with the server's reason. The pool starts with one connection
// and opens another only when a batch waits for one, up to its limit: a pass that copies ten messages pays
// for one login, not four.
import { withCrlfLines, type OutgoingMessage } from "./appendCommand";
import { ConnectionLostError, type BulkConnection } from "./bulkConnection";
import { errorFacts, throttleDelayMs } from "./classify";
import { sleep } from "./retry";

/** `uid` is the message's UID on the destination, when the server says it (UIDPLUS). */
export type AppendOutcome = { ok: true; uid?: number } | { ok: false; error: unknown };

/** A refusal of the whole batch (NO/BAD), as opposed to a lost connection, where retrying one by one cannot help. */
function isRefusal(err: unknown): boolean {
  const f = errorFacts(err);
  return f.responseStatus === "NO" || f.responseStatus === "BAD";
}

/** A refusal for the message's size (TOOBIG, LIMIT, or the server's words), after which a server may hang up. */
function isSizeRefusal(err: unknown): boolean {
  const f = errorFacts(err);
  return (
    isRefusal(err) &&
    (["TOOBIG", "LIMIT"].includes((f.serverResponseCode ?? "").toUpperCase()) || /too (large|big)|size/i.test(f.responseText ?? ""))
  );
}

/** Most throttled answers in a row before the message counts as refused: the server is not just pacing us. */
const MAX_THROTTLED = 20;

/**
 * One APPEND; a throttled answer is waited out as the server suggests, then the same message goes again. A message
 * refused for bare LFs goes once more with CRLF line endings (what other servers store anyway).
 */
async function appendOne(client: BulkConnection, path: string, m: OutgoingMessage): Promise<number | undefined> {
  for (let throttled = 0; ; throttled++) {
    try {
      return (await client.append(path, [m]))?.[0];
    } catch (err) {
      const f = errorFacts(err);
      const crlf =
        isRefusal(err) && client.usable && /bare newline|bare lf|bare linefeed/i.test(f.responseText ?? "")
          ? withCrlfLines(m.raw)
          : undefined;
      if (crlf) return (await client.append(path, [{ ...m, raw: crlf }]))?.[0];
      const wait = throttleDelayMs(f);
      if (wait === undefined || throttled >= MAX_THROTTLED) throw err;
      await sleep(wait);
    }
  }
}

export class AppendPool {
  private readonly all: BulkConnection[];
  private idle: BulkConnection[];
  private waiters: ((c: BulkConnection) => void)[] = [];
  private inFlight = new Set<Promise<void>>();
  private opening = false;
  private shut = false;

  /**
   * `open` makes one more connection; when it fails (a server with a per-mailbox connection limit, such as
   * Exchange Online, turns it away) the pool goes on with the ones it has and stops growing.
   */
  constructor(
    first: BulkConnection,
    private readonly open: () => Promise<BulkConnection>,
    private max: number,
  ) {
    this.all = [first];
    this.idle = [first];
    this.capabilities = first.capabilities;
  }

  /** The server's capabilities, as the first connection read them at login. */
  readonly capabilities: ReadonlyMap<string, boolean | number>;

  /** Hands every connection over for closing; one still being opened is dropped when it arrives. */
  shutdown(): BulkConnection[] {
    this.shut = true;
    return this.all.splice(0);
  }

  /** A closed connection is replaced when next taken (acquire), so one alive is enough. */
  get usable(): boolean {
    return !this.shut && this.all.some((c) => c.usable);
  }

  private grow(): void {
    if (this.opening || this.all.length >= this.max) return;
    this.opening = true;
    this.open().then(
      (c) => {
        this.opening = false;
        if (this.shut) return c.drop();
        this.all.push(c);
        this.release(c);
      },
      () => {
        this.opening = false;
        this.max = this.all.length;
      },
    );
  }

  /** A free connection; one the server closed meanwhile (BYE after a refusal) is replaced first. */
  private async acquire(): Promise<BulkConnection> {
    let c = this.idle.pop();
    if (!c) {
      this.grow();
      c = await new Promise<BulkConnection>((resolve) => this.waiters.push(resolve));
    }
    return c.usable ? c : this.replace(c);
  }

  private release(c: BulkConnection): void {
    const w = this.waiters.shift();
    if (w) w(c);
    else this.idle.push(c);
  }

  /**
   * A connection the server closed after refusing a message (Cyrus answers a too-big APPEND with NO [TOOBIG], then
   * BYE): replaced by a fresh one in the pool, so the rest of the batch goes on.
   */
  private async replace(gone: BulkConnection): Promise<BulkConnection> {
    let fresh: BulkConnection;
    try {
      fresh = await this.open();
    } catch (err) {
      // Still a lost connection (the server may be restarting): the folder's retry, with its backoff, takes it from
      // here, where a failure to connect would stop the mailbox.
      throw new ConnectionLostError("NoConnection", `the connection closed and a new one could not be opened (${(err as Error).message})`);
    }
    const at = this.all.indexOf(gone);
    if (at >= 0) this.all[at] = fresh;
    else this.all.push(fresh);
    gone.drop();
    return fresh;
  }

  /** Appends the batch; returns the connection to give back (a replacement where the server closed the first). */
  private async appendBatch(
    client: BulkConnection,
    path: string,
    batch: readonly OutgoingMessage[],
    done: (i: number, r: AppendOutcome) => void,
  ) {
    if (batch.length > 1 && client.multiAppend) {
      try {
        const uids = await client.append(path, batch);
        for (let i = 0; i < batch.length; i++) done(i, { ok: true, uid: uids?.[i] });
        return client;
      } catch (error) {
        if (!isRefusal(error)) {
          for (let i = 0; i < batch.length; i++) done(i, { ok: false, error });
          return client;
        }
        // Refused as a whole (nothing stored): one by one, so only the refused message is skipped,
        // and a throttled batch is paced message by message as the server asks.
      }
    }
    let suspect = false;
    for (const [i, m] of batch.entries()) {
      try {
        if (suspect || !client.usable) client = await this.replace(client);
        suspect = false;
        const uid = await appendOne(client, path, m);
        done(i, { ok: true, uid });
      } catch (error) {
        done(i, { ok: false, error });
        // After refusing a message for its size Cyrus says BYE and closes, maybe in a later packet than its NO: the
        // next message goes on a new connection rather than racing the close.
        suspect = isSizeRefusal(error);
        if (!isRefusal(error)) {
          // The connection is gone (or could not be replaced): the rest of the batch cannot be sent on it.
          for (let j = i + 1; j < batch.length; j++) done(j, { ok: false, error });
          return client;
        }
      }
    }
    return client;
  }

  /**
   * Starts appending a batch as soon as a connection is free and returns once it has started, so the caller
   * keeps reading the source meanwhile. `done` is called once per message; failures never reject here.
   */
  async submit(path: string, batch: readonly OutgoingMessage[], done: (i: number, r: AppendOutcome) => void): Promise<void> {
    const client = await this.acquire();
    const p = this.appendBatch(client, path, batch, done)
      .then(
        (last) => this.release(last),
        () => this.release(client),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Runs `f` on a connection of the pool while no batch uses it (e.g. to read back what arrived). */
  async use<T>(f: (c: BulkConnection) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      return await f(c);
    } finally {
      this.release(c);
    }
  }

  /** Waits for every started batch to finish. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
