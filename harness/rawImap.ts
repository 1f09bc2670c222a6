// A minimal IMAP client over a plain socket, for what imapflow does not say exactly: admin commands imapflow has no
// call for (CREATE ... (USE ...), SETQUOTA), and the server's exact lines when probing a server's behaviour. Lines
// are read whole, literals included (a line announcing {n} continues after its n bytes).
import net from "node:net";

export interface Tagged {
  tag: string;
  /** OK, NO or BAD; "BYE" when the server closed the connection before answering. */
  status: "OK" | "NO" | "BAD" | "BYE";
  /** The tagged line's text after the status (or the last line seen when closed). */
  text: string;
  /** The untagged and continuation lines received before the tagged one. */
  lines: string[];
}

export class RawImapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RawImapError";
  }
}

/** An IMAP astring for a command: a quoted string for printable ASCII, else a non-synchronizing literal (LITERAL+). */
export function astring(s: string): Buffer {
  if (/^[\x20-\x7e]*$/.test(s)) return Buffer.from(`"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`, "latin1");
  const bytes = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from(`{${bytes.length}+}\r\n`, "latin1"), bytes]);
}

export class RawImap {
  /** Every line received (latin1), in order, for a failing test's message or a finding. */
  readonly received: string[] = [];
  greeting = "";
  private buf = Buffer.alloc(0);
  private waiters: Array<(line: string | undefined) => void> = [];
  private queued: string[] = [];
  private ended = false;
  private seq = 0;

  private constructor(private readonly sock: net.Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    const end = () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    };
    sock.on("close", end);
    sock.on("error", end);
  }

  static async connect(host: string, port: number, timeoutMs = 10_000): Promise<RawImap> {
    const sock = net.connect({ host, port });
    sock.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
    const c = new RawImap(sock);
    const g = await c.nextLine(timeoutMs);
    if (g === undefined) throw new RawImapError(`${host}:${port} closed the connection before its greeting`);
    c.greeting = g;
    return c;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Sends bytes as they are (the caller adds CRLFs). */
  write(data: Buffer | string): void {
    this.sock.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** The next whole line (without CRLF), or undefined when the connection closed or `timeoutMs` passed. */
  nextLine(timeoutMs = 10_000): Promise<string | undefined> {
    const q = this.queued.shift();
    if (q !== undefined) return Promise.resolve(q);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (line: string | undefined) => {
        clearTimeout(t);
        resolve(line);
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `tag parts...CRLF` (parts joined by spaces) and collects lines up to the tagged answer. */
  async command(parts: Array<string | Buffer>, timeoutMs = 30_000): Promise<Tagged> {
    const tag = `r${++this.seq}`;
    const pieces: Buffer[] = [Buffer.from(tag, "latin1")];
    for (const p of parts) pieces.push(Buffer.from(" "), typeof p === "string" ? Buffer.from(p, "latin1") : p);
    pieces.push(Buffer.from("\r\n"));
    this.write(Buffer.concat(pieces));
    return this.until(tag, timeoutMs);
  }

  /** Collects lines until the one tagged `tag`. */
  async until(tag: string, timeoutMs = 30_000): Promise<Tagged> {
    const lines: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.nextLine(Math.max(1, deadline - Date.now()));
      if (line === undefined) {
        if (this.ended) return { tag, status: "BYE", text: lines[lines.length - 1] ?? "", lines };
        throw new RawImapError(`no answer to ${tag} within ${timeoutMs} ms; lines so far: ${JSON.stringify(lines)}`);
      }
      const m = new RegExp(`^${tag} (OK|NO|BAD)\\b ?(.*)$`, "s").exec(line);
      if (m) return { tag, status: m[1] as Tagged["status"], text: m[2], lines };
      lines.push(line);
    }
  }

  nextTag(): string {
    return `r${++this.seq}`;
  }

  close(): void {
    this.sock.destroy();
  }

  private drain(): void {
    for (;;) {
      const line = this.takeLine();
      if (line === undefined) return;
      this.received.push(line);
      const w = this.waiters.shift();
      if (w) w(line);
      else this.queued.push(line);
    }
  }

  /** One line with its literals, or undefined when it has not fully arrived. */
  private takeLine(): string | undefined {
    let pos = 0;
    for (;;) {
      const nl = this.buf.indexOf("\r\n", pos, "latin1");
      if (nl < 0) return undefined;
      const m = /\{(\d+)\+?\}$/.exec(this.buf.subarray(pos, nl).toString("latin1"));
      if (!m) {
        const line = this.buf.subarray(0, nl).toString("latin1");
        this.buf = this.buf.subarray(nl + 2);
        return line;
      }
      const after = nl + 2 + Number(m[1]);
      if (this.buf.length < after) return undefined;
      pos = after;
    }
  }
}
