// A notice is written once as blocks and rendered twice, as plain text and as HTML, so both parts say the same.
// Every string may come from outside (display names, addresses, the contact's name): HTML escapes all of it,
// and names are isolated for the bidirectional algorithm (<bdi>; U+2068..U+2069 in text when right-to-left),
// so a Hebrew or Arabic name does not reorder the English sentence around it.
import { esc } from "../report/escape";

export type Inline =
  | string
  | { strong: string }
  /** A name or an address: isolated from the text's direction. */
  | { who: string }
  | { link: string; href: string };

export type Block =
  | { kind: "heading"; text: string }
  | { kind: "para"; parts: Inline[] }
  | { kind: "list"; items: Inline[][] }
  /** Label/value rows: server settings. */
  | { kind: "settings"; rows: [string, Inline[]][] };

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;

function inlineText(i: Inline): string {
  if (typeof i === "string") return i;
  if ("strong" in i) return i.strong;
  if ("who" in i) return RTL.test(i.who) ? `\u2068${i.who}\u2069` : i.who;
  // a web link shows where it goes; a phone number or address is its own target
  return /^https?:/.test(i.href) && i.link !== i.href ? `${i.link} (${i.href})` : i.link;
}

function inlineHtml(i: Inline): string {
  if (typeof i === "string") return esc(i);
  if ("strong" in i) return `<strong>${esc(i.strong)}</strong>`;
  if ("who" in i) return `<bdi>${esc(i.who)}</bdi>`;
  return `<a href="${esc(i.href)}">${esc(i.link)}</a>`;
}

const line = (parts: Inline[], f: (i: Inline) => string) => parts.map(f).join("");

export function renderText(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === "heading") out.push(`${b.text}\n${"-".repeat(b.text.length)}`);
    else if (b.kind === "para") out.push(line(b.parts, inlineText));
    else if (b.kind === "list") out.push(b.items.map((it) => `- ${line(it, inlineText)}`).join("\n"));
    else {
      const width = Math.max(...b.rows.map(([label]) => label.length));
      out.push(b.rows.map(([label, v]) => `  ${`${label}:`.padEnd(width + 2)}${line(v, inlineText)}`).join("\n"));
    }
  }
  return `${out.join("\n\n")}\n`;
}

/** A whole HTML document; `title` is the subject. Inline styles only: mail clients drop <style> blocks. */
export function renderHtml(blocks: readonly Block[], title: string): string {
  const body = blocks.map((b) => {
    if (b.kind === "heading") return `<h2 style="font-size:1.1em;margin:1.4em 0 .4em">${esc(b.text)}</h2>`;
    if (b.kind === "para") return `<p>${line(b.parts, inlineHtml)}</p>`;
    if (b.kind === "list") return `<ul>\n${b.items.map((it) => `<li>${line(it, inlineHtml)}</li>`).join("\n")}\n</ul>`;
    return `<table style="border-collapse:collapse">\n${b.rows
      .map(
        ([label, v]) =>
          `<tr><th style="text-align:left;padding:2px 12px 2px 0;font-weight:normal;color:#555">${esc(label)}</th><td style="padding:2px 0">${line(v, inlineHtml)}</td></tr>`,
      )
      .join("\n")}\n</table>`;
  });
  return `<!DOCTYPE html>
<html lang="en" dir="ltr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.45;max-width:40em">
${body.join("\n")}
</body>
</html>
`;
}
