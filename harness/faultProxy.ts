// A fault-injecting TCP proxy for tests: it sits on 127.0.0.1 between the copy engine and a plaintext Dovecot
// and, armed at run time, cuts connections after N bytes, stalls them, rewrites IMAP lines (never the bytes of
// a {n} literal), answers commands itself, and counts and limits connections. Rules for Exchange Online's
// behaviour are in exchangeEmulation.ts.
import net from "node:net";

// Literal-aware splitting of the IMAP text stream lives in the engine (engine/imapStream.ts).
import { ImapLineSplitter, ImapStreamError, literalAtEnd, serializeUnit, type StreamUnit } from "../engine/imapStream";

/**
 * Checks a rewrite's result against the line it replaces: a line that announced a literal must still end with
 * the same announcement (else the literal's bytes would be read as commands), and no new line may announce one.
 * Returns the replacement units.
 */
export function rewrittenUnits(original: Extract<StreamUnit, { kind: "line" }>, result: string | readonly string[]): StreamUnit[] {
  const lines = typeof result === "string" ? [result] : [...result];
  for (const [i, text] of lines.entries()) {
    if (/[\r\n]/.test(text))
      throw new ImapStreamError(
        `a rewritten line contains a line break: ${JSON.stringify(text)}; return several lines as an array instead`,
      );
    const mark = literalAtEnd(text);
    const last = i === lines.length - 1;
    if (original.literal && last) {
      if (!mark || mark.size !== original.literal.size || mark.sync !== original.literal.sync)
        throw new ImapStreamError(
          `a rewrite of ${JSON.stringify(original.text)} must keep its literal announcement at the end of its last line; got ${JSON.stringify(text)}`,
        );
    } else if (mark) {
      throw new ImapStreamError(
        `a rewrite may not announce a new literal: ${JSON.stringify(text)} (from ${JSON.stringify(original.text)})`,
      );
    }
  }
  if (original.literal && lines.length === 0)
    throw new ImapStreamError(`a line that announces a literal cannot be dropped: ${JSON.stringify(original.text)}`);
  return lines.map((text) => {
    const literal = literalAtEnd(text);
    return literal && original.literal ? { kind: "line", text, eol: original.eol, literal } : { kind: "line", text, eol: original.eol };
  });
}

// ---------------------------------------------------------------------------------------------------------
// The proxy

export type Direction = "client" | "server";

/** What a rule sees about the connection a line travels on. */
export interface LineContext {
  /** 1 for the proxy's first connection, 2 for the next, ... */
  connectionId: number;
  /** The line came from the server (to the client) or from the client (to the server). */
  from: Direction;
}

/** Returns the line unchanged, changed, several lines, or [] to drop it. */
export type LineRewrite = (line: string, ctx: LineContext) => string | readonly string[];

/**
 * Looks at the first line of each client command (tag and verb included) and may answer it in the proxy's
 * place: the command, its literals included, never reaches the server; the client gets `reply` (whole lines,
 * without CRLF). `literalSize` is the first literal's size when the line announces one.
 */
export type Interceptor = (line: string, ctx: LineContext & { literalSize?: number }) => { reply: readonly string[] } | undefined;

export interface ProxyRules {
  server?: LineRewrite;
  client?: LineRewrite;
  intercept?: Interceptor;
  /** After forwarding this server line (after rewriting), the proxy closes the connection: a server that says BYE. */
  closeAfter?: (line: string, ctx: LineContext) => boolean;
}

export interface FaultProxyOptions {
  target: { host: string; port: number };
}

export class FaultProxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultProxyError";
  }
}

/** A stall in progress: `release()` lets the data flow again; `released` settles when it does. */
export interface Stall {
  release(): void;
  released: Promise<void>;
}

/** Where an armed cut struck: on which connection, and whether in the middle of a line or a literal. */
export interface CutReport {
  connectionId: number;
  /** True when the last byte let through left a line or a literal unfinished. */
  midUnit: boolean;
  /** Connections reset by the cut. */
  connections: number;
}

interface Cut {
  direction: Direction;
  left: number;
  done: (r: CutReport) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One client connection and its upstream connection to the target. */
class Link {
  private readonly fromClient = new ImapLineSplitter();
  private readonly fromServer = new ImapLineSplitter();
  /** Lines the proxy itself sends the client, held back while the server is mid-line or mid-literal. */
  private injected: Buffer[] = [];
  /** The client's next line starts a command (not a continuation after a literal). */
  private commandStart = true;
  /** Set while the proxy answers a command itself: its lines and literals are dropped, `reply` sent at its end. */
  private swallowing: { reply: readonly string[] } | undefined;
  closed = false;

  constructor(
    readonly id: number,
    readonly client: net.Socket,
    readonly server: net.Socket,
    private readonly proxy: FaultProxy,
  ) {}

  /** Raw bytes from one side; `cutLeft` is how many of them may pass before the connection is cut. */
  onData(from: Direction, chunk: Buffer): void {
    if (this.closed) return;
    const allowed = this.proxy.takeCutBudget(from, chunk.length);
    const pass = allowed < chunk.length ? chunk.subarray(0, allowed) : chunk;
    try {
      if (from === "server") this.fromServerData(pass);
      else this.fromClientData(pass);
    } catch (err) {
      this.proxy.recordError(err as Error);
      this.destroy();
      return;
    }
    if (allowed < chunk.length)
      this.proxy.cutNow({ connectionId: this.id, midUnit: !(from === "server" ? this.fromServer : this.fromClient).atBoundary });
  }

  private ctx(from: Direction): LineContext {
    return { connectionId: this.id, from };
  }

  private fromServerData(chunk: Buffer): void {
    const out: Buffer[] = [];
    for (const u of this.fromServer.push(chunk)) {
      if (u.kind === "literal") {
        out.push(u.data);
        continue;
      }
      for (const v of this.proxy.rewrite("server", u, this.ctx("server"))) {
        out.push(serializeUnit(v));
        if (v.kind === "line" && this.proxy.closesAfter(v.text, this.ctx("server"))) {
          this.client.end(Buffer.concat(out));
          this.destroy();
          return;
        }
      }
    }
    if (this.fromServer.atBoundary && this.injected.length) out.push(...this.injected.splice(0));
    if (out.length) this.client.write(Buffer.concat(out));
  }

  private inject(lines: readonly string[]): void {
    const data = Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "latin1");
    if (this.fromServer.atBoundary) this.client.write(data);
    else this.injected.push(data);
  }

  private fromClientData(chunk: Buffer): void {
    const out: Buffer[] = [];
    for (const u of this.fromClient.push(chunk)) {
      if (u.kind === "literal") {
        if (!this.swallowing) out.push(u.data);
        continue;
      }
      const starts = this.commandStart;
      this.commandStart = !u.literal;
      if (starts && !this.swallowing) {
        const decision = this.proxy.intercept(u.text, { ...this.ctx("client"), literalSize: u.literal?.size });
        if (decision) this.swallowing = decision;
      }
      if (this.swallowing) {
        if (u.literal?.sync) this.inject(["+ Ready for literal data"]);
        if (!u.literal) {
          this.inject(this.swallowing.reply);
          this.swallowing = undefined;
        }
        continue;
      }
      for (const v of this.proxy.rewrite("client", u, this.ctx("client"))) out.push(serializeUnit(v));
    }
    if (out.length) this.server.write(Buffer.concat(out));
  }

  private holds = 0;

  /** Stops reading both sides; held until every pause is matched by a resume. */
  pause(): void {
    if (this.holds++ > 0) return;
    this.client.pause();
    this.server.pause();
  }

  resume(): void {
    if (this.holds === 0 || --this.holds > 0 || this.closed) return;
    this.client.resume();
    this.server.resume();
  }

  /**
   * Closes both sides. `reset` sends a TCP RST, as when a network path dies (for injected faults); otherwise a
   * plain close, which is what one side closing asks of the other.
   */
  destroy(reset = false): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.client, this.server]) {
      if (s.destroyed) continue;
      // a reset only on a connected socket: resetAndDestroy on one half-closed by its peer can leave a live handle
      if (reset && s.readyState === "open") s.resetAndDestroy();
      else s.destroy();
    }
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of a plaintext IMAP server, with faults armed at run time: cut every
 * connection after N bytes, stall, rewrite lines (literal-aware), answer commands itself, limit connections.
 */
export class FaultProxy {
  private readonly links = new Set<Link>();
  private readonly rules: ProxyRules[] = [];
  private cut: Cut | undefined;
  private stalls = new Set<{ held: Set<Link>; newConnections: boolean }>();
  private limit: { max: number; bye: string } | undefined;
  private nextId = 1;
  /** Connections accepted and forwarded, in total. */
  total = 0;
  /** Most connections open at once since start (or resetPeak). */
  peak = 0;
  /** Connections turned away by the connection limit. */
  refused = 0;
  /** Connections dropped by cutAfter. */
  cutConnections = 0;
  /** Rule errors (a rewrite that broke the stream): the connection is dropped and the error kept here. */
  readonly errors: Error[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  readonly host = "127.0.0.1";

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port, { ...opts.target });
    server.on("connection", (s) => proxy.accept(s));
    return proxy;
  }

  /** Connections open now. */
  get current(): number {
    return this.links.size;
  }

  resetPeak(): void {
    this.peak = this.links.size;
  }

  private accept(client: net.Socket): void {
    client.on("error", () => undefined);
    if (this.limit && this.links.size >= this.limit.max) {
      this.refused += 1;
      client.end(`* BYE ${this.limit.bye}\r\n`);
      return;
    }
    const upstream = net.connect({ host: this.target.host, port: this.target.port });
    upstream.on("error", () => undefined);
    const link = new Link(this.nextId++, client, upstream, this);
    this.links.add(link);
    this.total += 1;
    this.peak = Math.max(this.peak, this.links.size);
    for (const st of this.stalls) {
      if (!st.newConnections) continue;
      st.held.add(link);
      link.pause();
    }
    client.on("data", (d: Buffer) => link.onData("client", d));
    upstream.on("data", (d: Buffer) => link.onData("server", d));
    const close = () => {
      link.destroy();
      this.links.delete(link);
    };
    client.on("close", close);
    upstream.on("close", close);
  }

  /** Adds rules (applied after the ones already in place); returns a function that removes them. */
  use(rules: ProxyRules): () => void {
    this.rules.push(rules);
    return () => {
      const i = this.rules.indexOf(rules);
      if (i >= 0) this.rules.splice(i, 1);
    };
  }

  rewriteServer(fn: LineRewrite): () => void {
    return this.use({ server: fn });
  }

  rewriteClient(fn: LineRewrite): () => void {
    return this.use({ client: fn });
  }

  /** @internal Applies every rule of that direction to one line. */
  rewrite(from: Direction, unit: Extract<StreamUnit, { kind: "line" }>, ctx: LineContext): StreamUnit[] {
    let units: StreamUnit[] = [unit];
    for (const r of this.rules) {
      const fn = from === "server" ? r.server : r.client;
      if (!fn) continue;
      const next: StreamUnit[] = [];
      for (const u of units) {
        if (u.kind !== "line") continue;
        next.push(...rewrittenUnits(u, fn(u.text, ctx)));
      }
      units = next;
    }
    return units;
  }

  /** @internal True when a rule closes the connection after this server line. */
  closesAfter(line: string, ctx: LineContext): boolean {
    return this.rules.some((r) => r.closeAfter?.(line, ctx));
  }

  /** @internal The first rule that answers the command itself. */
  intercept(line: string, ctx: LineContext & { literalSize?: number }): { reply: readonly string[] } | undefined {
    for (const r of this.rules) {
      const d = r.intercept?.(line, ctx);
      if (d) return d;
    }
    return undefined;
  }

  /** @internal */
  recordError(err: Error): void {
    this.errors.push(err);
  }

  /**
   * Cuts every open connection once `bytes` more bytes have come from that side (counted over all connections,
   * from now). Exactly that many pass; then every connection is reset. One-shot; settles when it happened.
   */
  cutAfter(opts: { direction: Direction; bytes: number }): Promise<CutReport> {
    if (!Number.isSafeInteger(opts.bytes) || opts.bytes < 0)
      throw new FaultProxyError(`cutAfter: bytes must be a whole number >= 0, got ${opts.bytes}`);
    return new Promise<CutReport>((resolve) => {
      this.cut = { direction: opts.direction, left: opts.bytes, done: resolve };
    });
  }

  /** @internal How many of `n` bytes from that side may pass before an armed cut. */
  takeCutBudget(from: Direction, n: number): number {
    const c = this.cut;
    if (!c || c.direction !== from) return n;
    if (n < c.left) {
      c.left -= n;
      return n;
    }
    const allowed = c.left;
    c.left = 0;
    return allowed;
  }

  /** @internal */
  cutNow(where: { connectionId: number; midUnit: boolean }): void {
    const c = this.cut;
    this.cut = undefined;
    const connections = this.links.size;
    this.cutConnections += connections;
    for (const l of [...this.links]) l.destroy(true);
    c?.done({ ...where, connections });
  }

  /** Resets every open connection now. */
  dropAll(): void {
    for (const l of [...this.links]) l.destroy(true);
  }

  /**
   * Stops forwarding on every open connection (sockets stay open, nothing is read) until released or `ms`
   * passes. Connections opened meanwhile flow normally unless `newConnections` is true.
   */
  stall(opts: { ms?: number; newConnections?: boolean } = {}): Stall {
    const held = new Set(this.links);
    for (const l of held) l.pause();
    let timer: NodeJS.Timeout | undefined;
    let resolve!: () => void;
    const released = new Promise<void>((r) => (resolve = r));
    const entry = { held, newConnections: opts.newConnections === true };
    const release = () => {
      if (!this.stalls.delete(entry)) return;
      if (timer) clearTimeout(timer);
      for (const l of held) l.resume();
      resolve();
    };
    this.stalls.add(entry);
    if (opts.ms !== undefined) timer = setTimeout(release, opts.ms);
    return { release, released };
  }

  /**
   * At most `max` connections at once; one more is greeted with `* BYE <text>` and closed, as Exchange Online
   * does past its per-mailbox limit. `undefined` lifts the limit.
   */
  limitConnections(max: number | undefined, bye = "Connection refused: too many concurrent connections for this mailbox."): void {
    this.limit = max === undefined ? undefined : { max, bye };
  }

  /** Waits until no connection is open (or the timeout passes); true when none is. */
  async idle(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.links.size && Date.now() < deadline) await sleep(20);
    return this.links.size === 0;
  }

  async stop(): Promise<void> {
    this.stalls.clear();
    for (const l of [...this.links]) l.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Counts what the server sends through the proxy from now on: bytes (literals included) and FETCH responses. */
export function meterServer(p: FaultProxy): { bytes: number; fetches: number } {
  const m = { bytes: 0, fetches: 0 };
  p.rewriteServer((line) => {
    m.bytes += line.length + 2 + (literalAtEnd(line)?.size ?? 0);
    if (/^\* \d+ FETCH /.test(line)) m.fetches += 1;
    return line;
  });
  return m;
}
