// A connection for the bulk work: listings and bodies on the source, APPEND (and reading back what arrived) on
// the destination. imapflow opens and authenticates it (TLS, STARTTLS, OAuth2, retries and their errors stay in
// connect.ts), then hands the socket over (ImapFlow.unbind, its public API for that) and mailshift speaks these
// few commands itself: a body comes off the socket as views of the chunks read and goes out as the same
// Buffers, never copied, a listing is read by a scanner made for FETCH answers (fetchResponse.ts), and an
// APPEND goes out in as few writes as the server's literal support allows (appendCommand.ts). STATUS, STORE,
// SEARCH and folder management stay on imapflow connections.
import type { Readable, Writable } from "node:stream";
import type { ImapFlow } from "imapflow";
import { ImapLineSplitter } from "./imapStream";
import { appendSegments, expandUidSet, quotedMailbox, type LiteralSupport, type OutgoingMessage } from "./appendCommand";
import { fetchedBody, fetchedMeta, type Untagged } from "./fetchResponse";
import type { MessageMeta } from "./identity";

/** A tagged NO or BAD, with the fields classify.ts reads (the same names imapflow uses). */
export class CommandError extends Error {
  constructor(
    readonly responseStatus: string,
    readonly responseText: string,
    readonly serverResponseCode?: string,
  ) {
    super(`${responseStatus}${serverResponseCode ? ` [${serverResponseCode}]` : ""} ${responseText}`.trim());
  }
}

/** The connection is gone (closed, reset, stalled): `code` is one classify.ts counts as transient. */
export class ConnectionLostError extends Error {
  constructor(
    readonly code: "NoConnection" | "ETIMEOUT",
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  tag: string;
  /** Called on each `+` continuation. */
  onContinue(): void;
  onUntagged?(u: Untagged): void;
  resolve(r: { code?: string; args: string[]; text: string }): void;
  reject(err: Error): void;
}

// TAG OK|NO|BAD [CODE args] text
const TAGGED = /^(\S+) (OK|NO|BAD)(?: \[([^\]]*)\])? ?(.*)$/i;

export class BulkConnection {
  private readonly splitter = new ImapLineSplitter();
  /** The response being read, when a literal cut it. */
  private partial?: Untagged;
  private pending?: Pending;
  private lost?: Error;
  private bye?: string;
  private seq = 0;
  private readonly timeoutMs: number;
  /** The folder this connection has open read-only (EXAMINE), if any. */
  private examined?: string;
  /** The folder this connection has open read-write (SELECT), if any: what it appends there it sees at once. */
  private selected?: string;

  private constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly socket: { destroy(): void; setTimeout(ms: number): void; on(e: "timeout", f: () => void): void },
    readonly multiAppend: boolean,
    private readonly literals: LiteralSupport,
    timeoutMs: number,
  ) {
    input.on("data", (chunk: Buffer) => this.onData(chunk));
    // unbind() unpiped the stream from imapflow, which may leave it paused: a 'data' listener alone does not resume it.
    input.resume();
    const gone = (err?: Error) =>
      this.fail(
        new ConnectionLostError(
          "NoConnection",
          `the connection closed${this.bye ? ` (server said: ${this.bye})` : err ? ` (${err.message})` : ""}`,
        ),
      );
    input.on("error", gone);
    input.on("close", () => gone());
    input.on("end", () => gone());
    output.on("error", gone);
    // Armed only while a command waits for its answer: an idle connection between folders is not stalled.
    this.timeoutMs = timeoutMs;
    socket.setTimeout(0);
    socket.on("timeout", () => {
      if (!this.pending) return;
      this.fail(new ConnectionLostError("ETIMEOUT", `no answer from the server for ${Math.round(timeoutMs / 1000)} s`));
      socket.destroy();
    });
  }

  /** Takes over an authenticated imapflow client's socket; the client must not be used afterwards. */
  static adopt(client: ImapFlow, timeoutMs: number): BulkConnection {
    const caps = client.capabilities;
    const enabled = (client as unknown as { enabled?: Set<string> }).enabled ?? new Set<string>();
    const literals: LiteralSupport = {
      plus: caps.has("LITERAL+"),
      minus: caps.has("LITERAL-") || caps.has("IMAP4REV2"),
      utf8: enabled.has("UTF8=ACCEPT"),
    };
    const multi = caps.has("MULTIAPPEND");
    const greeting = client.greeting ?? "";
    const { readSocket, writeSocket, socket } = client.unbind();
    const c = new BulkConnection(readSocket, writeSocket as unknown as Writable, socket as never, multi, literals, timeoutMs);
    c.greeting = greeting;
    return c;
  }

  /** False once the connection is lost, or the server said BYE (it closes next, whatever arrives first). */
  /** The server's greeting (which server it is, where a server's quirk matters: limits.ts). */
  greeting = "";

  get usable(): boolean {
    return !this.lost && !this.bye;
  }

  private onData(chunk: Buffer): void {
    let units: ReturnType<ImapLineSplitter["push"]>;
    try {
      units = this.splitter.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    for (const u of units) {
      if (u.kind === "literal") {
        this.partial?.literals[this.partial.literals.length - 1].push(u.data);
        continue;
      }
      const r: Untagged = this.partial ?? { text: "", literals: [] };
      r.text += u.text;
      if (u.literal) {
        r.literals.push([]);
        this.partial = r;
        continue;
      }
      this.partial = undefined;
      this.onResponse(r);
    }
  }

  private onResponse(r: Untagged): void {
    const line = r.text;
    if (line.startsWith("+")) {
      this.pending?.onContinue();
      return;
    }
    if (line.startsWith("* ")) {
      if (/^\* BYE\b/i.test(line)) this.bye = line.slice(6).trim();
      else this.pending?.onUntagged?.(r);
      return;
    }
    const m = TAGGED.exec(line);
    const p = this.pending;
    if (!m || !p || m[1] !== p.tag) return;
    this.pending = undefined;
    this.socket.setTimeout(0);
    const [, , status, codeText, text] = m;
    const [code, ...args] = (codeText ?? "").split(" ").filter(Boolean);
    if (status.toUpperCase() === "OK") p.resolve({ code: code?.toUpperCase(), args, text });
    else p.reject(new CommandError(status.toUpperCase(), text, code?.toUpperCase()));
  }

  private fail(err: Error): void {
    if (this.lost) return;
    this.lost = err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  private write(parts: readonly Buffer[]): void {
    this.output.cork();
    for (const b of parts) this.output.write(b);
    this.output.uncork();
  }

  /** Sends one command and waits for its tagged answer, writing each further segment on a `+`. */
  private run(
    segments: Buffer[][],
    tag: string,
    onUntagged?: (u: Untagged) => void,
  ): Promise<{ code?: string; args: string[]; text: string }> {
    if (this.lost) return Promise.reject(this.lost);
    if (this.pending) return Promise.reject(new Error("a command is already running on this connection"));
    return new Promise((resolve, reject) => {
      let next = 1;
      this.pending = {
        tag,
        onContinue: () => {
          if (next < segments.length) this.write(segments[next++]);
        },
        onUntagged,
        resolve,
        reject,
      };
      this.socket.setTimeout(this.timeoutMs);
      this.write(segments[0]);
    });
  }

  /**
   * Appends the messages in one command (several only where the server has MULTIAPPEND: atomic, on NO none
   * is stored). Returns the destination UIDs in order when the server says them (UIDPLUS).
   */
  async append(path: string, messages: readonly OutgoingMessage[]): Promise<number[] | undefined> {
    if (messages.length > 1 && !this.multiAppend) throw new Error("this server has no MULTIAPPEND: append one message at a time");
    const tag = this.nextTag();
    const done = await this.run(appendSegments(tag, path, messages, this.literals), tag);
    if (done.code !== "APPENDUID") return undefined;
    const uids = expandUidSet(done.args[1] ?? "");
    return uids.length === messages.length ? uids : undefined;
  }

  private nextTag(): string {
    return `M${++this.seq}`;
  }

  private command(text: string, onUntagged?: (u: Untagged) => void) {
    const tag = this.nextTag();
    return this.run([[Buffer.from(`${tag} ${text}\r\n`, "utf8")]], tag, onUntagged);
  }

  /**
   * Opens a folder: EXAMINE (read-only: the source is never changed, not even \Seen) or SELECT. Returns its
   * message count and PERMANENTFLAGS (undefined when the server does not say).
   */
  async open(path: string, readOnly: boolean): Promise<{ exists: number; permanentFlags?: Set<string> }> {
    let exists = 0;
    let permanentFlags: Set<string> | undefined;
    // A failed EXAMINE or SELECT leaves no folder selected (RFC 3501 6.3.1).
    this.examined = undefined;
    this.selected = undefined;
    await this.command(`${readOnly ? "EXAMINE" : "SELECT"} ${quotedMailbox(path, this.literals.utf8)}`, (u) => {
      const n = /^\* (\d+) EXISTS$/i.exec(u.text);
      if (n) exists = Number(n[1]);
      const f = /^\* OK \[PERMANENTFLAGS \(([^)]*)\)\]/i.exec(u.text);
      if (f) permanentFlags = new Set(f[1].split(" ").filter(Boolean));
    });
    if (readOnly) this.examined = path;
    else this.selected = path;
    return { exists, permanentFlags };
  }

  /** True when this connection has `path` open read-write (SELECT): messages appended on it are in its view. */
  hasSelected(path: string): boolean {
    return this.selected === path && this.usable;
  }

  /**
   * EXAMINE, unless this connection already has the folder open read-only (the listing just before opened it):
   * bodies are then read by UID, which mail arriving or expunged since does not confuse.
   */
  async examine(path: string): Promise<void> {
    if (this.examined !== path) await this.open(path, true);
  }

  /**
   * Identity and flags (listing.ts's fields) of the messages in a UID set ("1:*" for all) of the open folder.
   * `withIds` false: without the Message-ID header, which the server must read from each message's file (from
   * disk, on a cold host), where the bodies are read anyway next (fetchBodies with `withIds`).
   */
  async fetchMetas(uidSet: string, withIds = true): Promise<MessageMeta[]> {
    const out: MessageMeta[] = [];
    const header = withIds ? " BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]" : "";
    await this.command(`UID FETCH ${uidSet} (UID FLAGS INTERNALDATE RFC822.SIZE${header})`, (u) => {
      const m = fetchedMeta(u);
      if (m) out.push(m);
    });
    return out;
  }

  /**
   * Reads the bodies of the given UIDs in the examined folder, byte for byte, each as the chunks it arrived in,
   * and with `withIds` each one's Message-ID too (in the same read of its file; the server keeps it in its cache
   * for later listings). A message the server no longer has is simply not reported.
   */
  async fetchBodies(
    uids: readonly number[],
    onBody: (uid: number, chunks: Buffer[], size: number, messageId?: string) => void,
    withIds = false,
  ): Promise<void> {
    if (!uids.length) return;
    const header = withIds ? "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] " : "";
    await this.command(`UID FETCH ${uids.join(",")} (UID ${header}BODY.PEEK[])`, (u) => {
      const body = fetchedBody(u);
      if (body) onBody(body.uid, body.chunks, body.size, body.messageId);
    });
  }

  /** Closes at once, without LOGOUT (after a failure, when a polite goodbye may hang). */
  drop(): void {
    this.fail(new ConnectionLostError("NoConnection", "the connection was closed by mailshift"));
    this.socket.destroy();
  }

  /** LOGOUT, politely but briefly; the socket is closed either way. */
  async close(): Promise<void> {
    if (!this.lost && !this.pending) {
      const bye = this.command("LOGOUT").catch(() => undefined);
      await Promise.race([bye, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this.drop();
  }
}
