// TXT content as Cloudflare wants it: quoted character-strings of at most 255 bytes each, `"` and `\` escaped.
// Receivers join the strings without a separator, so splitting long SPF/DKIM values is lossless.

export function quoteTxt(value: string): string {
  const bytes = Buffer.from(value, "utf8");
  const parts: string[] = [];
  for (let i = 0; i < bytes.length || parts.length === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255).toString("latin1");
    parts.push(`"${chunk.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  }
  return parts.join(" ");
}
