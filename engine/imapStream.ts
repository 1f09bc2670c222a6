// Literal-aware splitting of an IMAP byte stream into lines and literal bytes. Pure and byte-exact: serializing
// the units gives the input back. Literal bytes come out as views of the chunks read, never copied, so a
// multi-megabyte message costs no more than reading it. Used by the engine's own append connection and by the
// test harness's fault proxy.

/** A literal announced at the end of a line: `{n}` (synchronizing), `{n+}` / `{n-}` (not), `~{n}` (literal8). */
export interface LiteralMark {
  size: number;
  /** The sender waits for a `+` continuation before sending the bytes. */
  sync: boolean;
}

export type StreamUnit =
  /** One line without its end-of-line; `literal` when the line announces literal bytes that follow. */
  | { kind: "line"; text: string; eol: string; literal?: LiteralMark }
  /** Literal bytes (possibly a part of one literal); `rest` is how many of its bytes are still to come. */
  | { kind: "literal"; data: Buffer; rest: number };

export class ImapStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImapStreamError";
  }
}

const LITERAL_AT_END = /~?\{(\d+)([+-]?)\}$/;

/** The literal a line announces at its end, if any. */
export function literalAtEnd(text: string): LiteralMark | undefined {
  const m = LITERAL_AT_END.exec(text);
  if (!m) return undefined;
  return { size: Number(m[1]), sync: m[2] === "" };
}

/** Longest line kept in memory while waiting for its end: IMAP lines are short, a runaway is a bug. */
const MAX_LINE = 1024 * 1024;

/** Feeds on chunks as they come off a socket; returns the complete units each chunk finishes. */
export class ImapLineSplitter {
  private partial = Buffer.alloc(0);
  private literalLeft = 0;

  /** True when the stream is between units: nothing half-read, no literal in progress. */
  get atBoundary(): boolean {
    return this.partial.length === 0 && this.literalLeft === 0;
  }

  push(chunk: Buffer): StreamUnit[] {
    const out: StreamUnit[] = [];
    let buf = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length) {
      if (this.literalLeft > 0) {
        const n = Math.min(this.literalLeft, buf.length - pos);
        this.literalLeft -= n;
        out.push({ kind: "literal", data: buf.subarray(pos, pos + n), rest: this.literalLeft });
        pos += n;
        continue;
      }
      const lf = buf.indexOf(0x0a, pos);
      if (lf < 0) {
        this.partial = Buffer.from(buf.subarray(pos));
        if (this.partial.length > MAX_LINE)
          throw new ImapStreamError(`an IMAP line longer than ${MAX_LINE} bytes without an end: not an IMAP stream`);
        break;
      }
      const crlf = lf > pos && buf[lf - 1] === 0x0d;
      const text = buf.toString("latin1", pos, crlf ? lf - 1 : lf);
      const literal = literalAtEnd(text);
      out.push(literal ? { kind: "line", text, eol: crlf ? "\r\n" : "\n", literal } : { kind: "line", text, eol: crlf ? "\r\n" : "\n" });
      if (literal) this.literalLeft = literal.size;
      pos = lf + 1;
    }
    buf = Buffer.alloc(0);
    return out;
  }
}

export function serializeUnit(u: StreamUnit): Buffer {
  return u.kind === "literal" ? u.data : Buffer.from(u.text + u.eol, "latin1");
}
