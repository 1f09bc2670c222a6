// A connection for the bulk work: listings and bodies on the source, APPEND (and reading back what arrived) on
// the destination. imapflow opens and authenticates it (TLS, STARTTLS, OAuth2, retries and their errors stay in
// connect.ts), then hands the socket over (ImapFlow.unbind, its public API for that) and mailshift speaks these
// few commands itself: a body comes off the socket as views of the chunks read and goes out as the same
// Buffers, never copied, a listing is read by a scanner made for FETCH answers (fetchResponse.ts), and an
// APPEND goes out in as few writes as the server's literal support allows (appendCommand.ts). Commands whose
// answers do not depend on each other go out together in one write (`together`): a folder's EXAMINE and its
// FETCHes, the STATUS of several folders. SEARCH, CREATE and the folder list stay on imapflow connections.
import type { Readable, Writable } from "node:stream";
import type { ImapFlow } from "imapflow";
import { ImapLineSplitter } from "./imapStream";
import {
  appendSegments,
  expandUidSet,
  isFlag,
  nonSyncLiteral,
  quotedMailbox,
  quotedString,
  type LiteralSupport,
  type OutgoingMessage,
} from "./appendCommand";
import { fetchedBody, fetchedMeta, type Untagged } from "./fetchResponse";
import type { MessageMeta } from "./identity";
import { wireMailboxName } from "./mailboxName";
import type { FolderMark } from "./watermarks";

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
  /** Called on each `+` continuation; undefined for a command written whole. */
  onContinue?(): void;
  onUntagged?(u: Untagged): void;
  resolve(r: { code?: string; args: string[]; text: string }): void;
  reject(err: Error): void;
}

/** A resync's new messages of a folder, up to this many, are read with their bodies up to PREFETCH_BYTES each. */
const PREFETCH_COUNT = 50;
const PREFETCH_BYTES = 64 * 1024;

/** What EXAMINE or SELECT said about the folder. */
export interface OpenFolder {
  exists: number;
  permanentFlags?: Set<string>;
  /** HIGHESTMODSEQ (RFC 7162), where the server keeps mod-sequences for the folder. */
  highestModseq?: string;
  /** The server said NOMODSEQ: no CHANGEDSINCE in this folder. */
  noModseq: boolean;
}

// TAG OK|NO|BAD [CODE args] text
const TAGGED = /^(\S+) (OK|NO|BAD)(?: \[([^\]]*)\])? ?(.*)$/i;

export class BulkConnection {
  private readonly splitter = new ImapLineSplitter();
  /** The response being read, when a literal cut it. */
  private partial?: Untagged;
  /** Commands sent and not yet answered, oldest first: the server answers them in order. */
  private pending: Pending[] = [];
  private lost?: Error;
  private bye?: string;
  private seq = 0;
  private readonly timeoutMs: number;
  /** The folder this connection has open read-only (EXAMINE), if any. */
  private examined?: string;
  /** The folder this connection has open read-write (SELECT), if any: what it appends there it sees at once. */
  private selected?: string;
  /** Whole bodies read ahead with a resync's listing (readSince), by UID, for the folder examined now. */
  private prefetched = new Map<number, { chunks: Buffer[]; size: number; messageId?: string }>();

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
      if (!this.pending.length) return;
      this.fail(new ConnectionLostError("ETIMEOUT", `no answer from the server for ${Math.round(timeoutMs / 1000)} s`));
      socket.destroy();
    });
  }

  /** Takes over an authenticated imapflow client's socket; the client must not be used afterwards. */
  static adopt(client: ImapFlow, timeoutMs: number): BulkConnection {
    const caps = new Map(client.capabilities);
    const enabled = new Set((client as unknown as { enabled?: Set<string> }).enabled ?? []);
    const literals: LiteralSupport = {
      plus: caps.has("LITERAL+"),
      minus: caps.has("LITERAL-") || caps.has("IMAP4REV2"),
      utf8: enabled.has("UTF8=ACCEPT"),
    };
    const multi = caps.has("MULTIAPPEND");
    const greeting = client.greeting ?? "";
    const box = client.mailbox || undefined;
    const { readSocket, writeSocket, socket } = client.unbind();
    const c = new BulkConnection(readSocket, writeSocket as unknown as Writable, socket as never, multi, literals, timeoutMs);
    c.greeting = greeting;
    c.capabilities = caps;
    c.enabled = enabled;
    // A folder imapflow left open stays open (statuses syncs its view before asking for its STATUS).
    if (box?.readOnly) c.examined = box.path;
    else if (box) c.selected = box.path;
    return c;
  }

  /** The server's greeting (which server it is, where a server's quirk matters: limits.ts). */
  greeting = "";
  /** The server's capabilities after login, as imapflow read them. */
  capabilities = new Map<string, boolean | number>();
  /** The extensions ENABLEd at login (CONDSTORE, UTF8=ACCEPT). */
  enabled = new Set<string>();

  /** False once the connection is lost, or the server said BYE (it closes next, whatever arrives first). */

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
      this.pending[0]?.onContinue?.();
      return;
    }
    if (line.startsWith("* ")) {
      if (/^\* BYE\b/i.test(line)) this.bye = line.slice(6).trim();
      else this.pending[0]?.onUntagged?.(r);
      return;
    }
    const m = TAGGED.exec(line);
    const at = m ? this.pending.findIndex((x) => x.tag === m[1]) : -1;
    if (!m || at < 0) return;
    const [p] = this.pending.splice(at, 1);
    if (!this.pending.length) this.socket.setTimeout(0);
    const [, , status, codeText, text] = m;
    const [code, ...args] = (codeText ?? "").split(" ").filter(Boolean);
    if (status.toUpperCase() === "OK") p.resolve({ code: code?.toUpperCase(), args, text });
    else p.reject(new CommandError(status.toUpperCase(), text, code?.toUpperCase()));
  }

  private fail(err: Error): void {
    if (this.lost) return;
    this.lost = err;
    for (const p of this.pending.splice(0)) p.reject(err);
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
    // A command that waits for `+` goes alone: a continuation could not be told apart, nor a command written
    // while the server waits for literal bytes.
    const waiting = this.pending.some((p) => p.onContinue);
    if (waiting || (segments.length > 1 && this.pending.length))
      return Promise.reject(new Error("a command is already running on this connection"));
    return new Promise((resolve, reject) => {
      let next = 1;
      const onContinue =
        segments.length > 1
          ? () => {
              if (next < segments.length) this.write(segments[next++]);
            }
          : undefined;
      this.pending.push({ tag, onContinue, onUntagged, resolve, reject });
      this.socket.setTimeout(this.timeoutMs);
      this.write(segments[0]);
    });
  }

  /**
   * Runs `send`, which starts several commands, and writes them in one go: the server reads them together and
   * answers each in turn, one round trip for all. Each command's promise settles with its own answer.
   */
  together<T>(send: () => T): T {
    this.output.cork();
    try {
      return send();
    } finally {
      this.output.uncork();
    }
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
  async open(path: string, readOnly: boolean): Promise<OpenFolder> {
    const box: OpenFolder = { exists: 0, noModseq: false };
    // A failed EXAMINE or SELECT leaves no folder selected (RFC 3501 6.3.1).
    this.examined = undefined;
    this.selected = undefined;
    this.prefetched.clear();
    await this.command(`${readOnly ? "EXAMINE" : "SELECT"} ${quotedMailbox(path, this.literals.utf8)}`, (u) => readBox(u, box));
    if (readOnly) this.examined = path;
    else this.selected = path;
    return box;
  }

  /**
   * Opens a folder (as `open`) and lists every message in it (as `fetchMetas("1:*")`), both in one write: a full
   * listing's two round trips in one. A failed EXAMINE or SELECT throws; a FETCH refused in an empty folder (some
   * servers take no `1:*` there) is an empty listing.
   */
  async openAndList(path: string, readOnly: boolean, withIds = true): Promise<{ box: OpenFolder; metas: MessageMeta[] }> {
    const box: OpenFolder = { exists: 0, noModseq: false };
    const metas: MessageMeta[] = [];
    this.examined = undefined;
    this.selected = undefined;
    this.prefetched.clear();
    // One reader for both: the FETCH answers follow the EXAMINE's, and only they are FETCH responses.
    const onUntagged = (u: Untagged) => {
      const m = /^\* \d+ FETCH /i.test(u.text) ? fetchedMeta(u) : undefined;
      if (m) metas.push(m);
      else readBox(u, box);
    };
    const header = withIds ? " BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]" : "";
    const sent = this.together(() => [
      this.command(`${readOnly ? "EXAMINE" : "SELECT"} ${quotedMailbox(path, this.literals.utf8)}`, onUntagged),
      this.command(`UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE${header})`, onUntagged),
    ]);
    const [opened, listed] = await Promise.allSettled(sent);
    if (opened.status === "rejected") throw opened.reason;
    if (readOnly) this.examined = path;
    else this.selected = path;
    if (listed.status === "rejected" && (box.exists > 0 || !(listed.reason instanceof CommandError))) throw listed.reason;
    return { box, metas: metas.sort((a, b) => a.uid - b.uid) };
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
    const rest: number[] = [];
    for (const uid of uids) {
      const ahead = this.prefetched.get(uid);
      if (!ahead) {
        rest.push(uid);
        continue;
      }
      this.prefetched.delete(uid);
      onBody(uid, ahead.chunks, ahead.size, withIds ? ahead.messageId : undefined);
    }
    if (!rest.length) return;
    const header = withIds ? "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] " : "";
    await this.command(`UID FETCH ${rest.join(",")} (UID ${header}BODY.PEEK[])`, (u) => {
      const body = fetchedBody(u);
      if (body) onBody(body.uid, body.chunks, body.size, body.messageId);
    });
  }

  /**
   * STATUS of each folder (UIDVALIDITY, UIDNEXT, MESSAGES, and HIGHESTMODSEQ where the server has CONDSTORE), all
   * asked in one write; undefined for a folder the server would not answer for (gone, or no access). A NOOP goes
   * first, and is waited for, when one of them is open here: Dovecot answers STATUS for it from this session's
   * view, which misses what other connections appended until the session syncs (and it runs commands sent
   * together at the same time, so the NOOP must be answered before).
   */
  async statuses(paths: readonly string[]): Promise<(FolderMark | undefined)[]> {
    if (!paths.length) return [];
    const items = `UIDVALIDITY UIDNEXT MESSAGES${this.capabilities.has("CONDSTORE") ? " HIGHESTMODSEQ" : ""}`;
    const open = this.examined ?? this.selected;
    if (open !== undefined && paths.includes(open)) await this.command("NOOP");
    const wires = paths.map((p) => wireMailboxName(p, this.literals.utf8));
    // Answers may come in any order (a server may run the commands at once): each is known by the name it gives.
    const got = new Map<string, FolderMark>();
    const onUntagged = (u: Untagged) => {
      const m = statusOf(u);
      if (m) got.set(m.name, m.mark);
    };
    const sent = this.together(() =>
      paths.map((p) => this.command(`STATUS ${quotedMailbox(p, this.literals.utf8)} (${items})`, onUntagged)),
    );
    const done = await Promise.allSettled(sent);
    for (const r of done) if (r.status === "rejected" && !(r.reason instanceof CommandError)) throw r.reason;
    return paths.map((path, i) => {
      if (done[i].status === "rejected") return undefined;
      const m = got.get(wires[i]) ?? (wires[i].toUpperCase() === "INBOX" ? got.get("INBOX") : undefined);
      return m && { ...m, path };
    });
  }

  /**
   * A resync's read of one source folder, in one write: EXAMINE, the flag changes below `below` since `changedSince`
   * (CONDSTORE), and the identity and flags of the messages from `below` to `upTo`. A failed EXAMINE throws.
   * `flagsUnchanged`: the server proved that no message below `below` changed its flags (false where it cannot tell).
   */
  async readSince(
    path: string,
    below: number,
    upTo: number,
    changedSince?: string,
  ): Promise<{ flagsUnchanged: boolean; metas: MessageMeta[] }> {
    const checkFlags = changedSince !== undefined && below > 1;
    const askable = !checkFlags || (this.enabled.has("CONDSTORE") && /^[1-9]\d*$/.test(changedSince));
    let changed = 0;
    let highestModseq: string | undefined;
    let noModseq = false;
    const metas: MessageMeta[] = [];
    // A few new messages come with their bodies up to PREFETCH_BYTES each: a whole one (shorter than that) is then
    // not asked for again (fetchBodies), a round trip less per folder; memory stays within PREFETCH_COUNT of them.
    const prefetch = below <= upTo && upTo - below < PREFETCH_COUNT;
    // One reader for every answer: a server may run the two FETCHes at once and mix their answers, which are
    // then told apart by UID (the flag changes are below `below`, the new messages from it on).
    const onUntagged = (u: Untagged) => {
      const h = /^\* OK \[HIGHESTMODSEQ (\d+)\]/i.exec(u.text);
      if (h) highestModseq = h[1];
      if (/^\* OK \[NOMODSEQ\]/i.test(u.text)) noModseq = true;
      const uid = /^\* \d+ FETCH \(.*\bUID (\d+)/i.exec(u.text);
      if (!uid) return;
      const n = Number(uid[1]);
      if (n < below) changed += 1;
      else if (n <= upTo) {
        // An explicit upper bound: mail arriving meanwhile is the next pass's.
        const m = fetchedMeta(u);
        if (m) metas.push(m);
        const body = prefetch ? fetchedBody(u, `BODY[]<0>`) : undefined;
        if (m && body && body.size < PREFETCH_BYTES)
          this.prefetched.set(n, { chunks: body.chunks, size: body.size, messageId: m.messageId });
      }
    };
    // A failed EXAMINE leaves no folder selected (RFC 3501 6.3.1), and the FETCHes after it fail too.
    this.examined = undefined;
    this.selected = undefined;
    this.prefetched.clear();
    const bodies = prefetch ? ` BODY.PEEK[]<0.${PREFETCH_BYTES}>` : "";
    const sent = this.together(() => ({
      box: this.command(`EXAMINE ${quotedMailbox(path, this.literals.utf8)}`, onUntagged),
      flags:
        checkFlags && askable ? this.command(`UID FETCH 1:${below - 1} (UID FLAGS) (CHANGEDSINCE ${changedSince})`, onUntagged) : undefined,
      listed:
        below <= upTo
          ? this.command(
              `UID FETCH ${below}:${upTo} (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]${bodies})`,
              onUntagged,
            )
          : undefined,
    }));
    // Every answer is awaited (a rejection left alone would be unhandled), the EXAMINE's first.
    const [box, flags, listed] = await Promise.allSettled([sent.box, sent.flags, sent.listed]);
    if (box.status === "rejected") {
      this.prefetched.clear();
      throw box.reason;
    }
    this.examined = path;
    for (const r of [flags, listed]) if (r.status === "rejected" && !(r.reason instanceof CommandError)) throw r.reason;
    if (listed.status === "rejected") throw listed.reason;
    const proven = !noModseq && highestModseq !== undefined;
    const flagsUnchanged = !checkFlags || (askable && proven && flags.status === "fulfilled" && changed === 0);
    return { flagsUnchanged, metas: metas.sort((a, b) => a.uid - b.uid) };
  }

  /**
   * Adds or removes flags of messages by UID in the folder SELECTed here, every command in one write. Flags that
   * cannot go on the wire are left out; a refused STORE is left to the next pass's comparison, as imapflow did.
   */
  async store(commands: readonly { op: "add" | "remove"; uids: readonly number[]; flags: readonly string[] }[]): Promise<void> {
    const sent = this.together(() =>
      commands
        .map((c) => ({ c, flags: c.flags.filter(isFlag) }))
        .filter(({ c, flags }) => flags.length && c.uids.length)
        .map(({ c, flags }) =>
          this.command(`UID STORE ${c.uids.join(",")} ${c.op === "add" ? "+" : "-"}FLAGS.SILENT (${flags.join(" ")})`),
        ),
    );
    for (const r of await Promise.allSettled(sent)) if (r.status === "rejected" && !(r.reason instanceof CommandError)) throw r.reason;
  }

  /**
   * The UIDs of the messages of `path` changed after `modseq` (UID SEARCH MODSEQ, RFC 7162), the folder opened
   * read-only here. Throws where the server refuses: the caller then lists the folder.
   */
  async changedAfter(path: string, modseq: bigint): Promise<number[]> {
    await this.examine(path);
    const uids: number[] = [];
    // "* SEARCH 4 9 (MODSEQ 917)": the UIDs, then the highest modseq among them
    await this.command(`UID SEARCH MODSEQ ${modseq + 1n}`, (u) => {
      const m = /^\* SEARCH\b([^(]*)/i.exec(u.text);
      if (m) for (const n of m[1].trim().split(/\s+/)) if (/^\d+$/.test(n)) uids.push(Number(n));
    });
    return uids;
  }

  /** Sets a server entry (SETMETADATA on the server, RFC 5464): its value sent as a literal. */
  async setServerMetadata(entry: string, value: Buffer): Promise<void> {
    const tag = this.nextTag();
    const head = `${tag} SETMETADATA "" (${quotedString(entry, "the entry name")} `;
    const segments = nonSyncLiteral(value.length, this.literals)
      ? [[Buffer.from(`${head}{${value.length}+}\r\n`), value, Buffer.from(")\r\n")]]
      : [[Buffer.from(`${head}{${value.length}}\r\n`)], [value, Buffer.from(")\r\n")]];
    await this.run(segments, tag);
  }

  /** Closes at once, without LOGOUT (after a failure, when a polite goodbye may hang). */
  drop(): void {
    this.fail(new ConnectionLostError("NoConnection", "the connection was closed by mailshift"));
    this.socket.destroy();
  }

  /** LOGOUT, politely but briefly; the socket is closed either way. */
  async close(): Promise<void> {
    if (!this.lost && !this.pending.length) {
      const bye = this.command("LOGOUT").catch(() => undefined);
      await Promise.race([bye, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this.drop();
  }
}

/** What an untagged answer to EXAMINE or SELECT says about the folder, into `box`. */
function readBox(u: Untagged, box: OpenFolder): void {
  const n = /^\* (\d+) EXISTS$/i.exec(u.text);
  if (n) box.exists = Number(n[1]);
  const f = /^\* OK \[PERMANENTFLAGS \(([^)]*)\)\]/i.exec(u.text);
  if (f) box.permanentFlags = new Set(f[1].split(" ").filter(Boolean));
  const h = /^\* OK \[HIGHESTMODSEQ (\d+)\]/i.exec(u.text);
  if (h) box.highestModseq = h[1];
  if (/^\* OK \[NOMODSEQ\]/i.test(u.text)) box.noModseq = true;
}

/** A folder's mark from an untagged STATUS answer, with the folder's name as the server gave it. */
function statusOf(u: Untagged): { name: string; mark: FolderMark } | undefined {
  const m = /^\* STATUS (.*) \(([^()]*)\)$/i.exec(u.text);
  if (!m) return undefined;
  const raw = m[1];
  const name = /^\{\d+\}$/.test(raw)
    ? Buffer.concat(u.literals[0] ?? []).toString("utf8")
    : raw.startsWith('"')
      ? raw.slice(1, -1).replace(/\\(.)/g, "$1")
      : raw;
  const v = new Map<string, string>();
  const parts = m[2].trim().split(/\s+/);
  for (let i = 0; i + 1 < parts.length; i += 2) v.set(parts[i].toUpperCase(), parts[i + 1]);
  if (!v.has("UIDNEXT") || !v.has("MESSAGES")) return undefined;
  const mark: FolderMark = {
    path: name,
    uidValidity: v.get("UIDVALIDITY") ?? "",
    uidNext: Number(v.get("UIDNEXT")),
    messages: Number(v.get("MESSAGES")),
    highestModseq: v.get("HIGHESTMODSEQ"),
  };
  return { name, mark };
}
