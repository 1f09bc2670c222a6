// Mailbox names on the wire: modified UTF-7 (RFC 3501 5.1.3) unless the server accepts UTF-8.
// Needed where the engine builds a command itself (MULTIAPPEND); imapflow encodes its own commands.

function modifiedBase64(text: string): string {
  const utf16 = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) utf16.writeUInt16BE(text.charCodeAt(i), i * 2);
  return utf16.toString("base64").replace(/=+$/, "").replace(/\//g, ",");
}

export function encodeModifiedUtf7(name: string): string {
  let out = "";
  let pending = "";
  const flush = () => {
    if (pending) out += `&${modifiedBase64(pending)}-`;
    pending = "";
  };
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0x20 && code <= 0x7e) {
      flush();
      out += ch === "&" ? "&-" : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

/** The name a modified UTF-7 mailbox name stands for (what a client that reads it shows). */
export function decodeModifiedUtf7(wire: string): string {
  return wire.replace(/&([^-]*)-/g, (_, b64: string) => {
    if (!b64) return "&";
    const bytes = Buffer.from(b64.replace(/,/g, "/"), "base64");
    let out = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
    return out;
  });
}

export function wireMailboxName(name: string, utf8Accepted: boolean): string {
  return utf8Accepted ? name : encodeModifiedUtf7(name);
}
