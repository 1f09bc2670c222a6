// Puts messages into a Maildir++ store as files, byte for byte, without APPEND: the way mail that came in by SMTP
// sits on an old host (bare CRs, 8-bit headers and all), which an APPEND through the harness's own server would
// already have normalized. INBOX is the Maildir root; folder "Work/2024" is the directory ".Work.2024".
import fs from "node:fs";
import path from "node:path";
import type { RawMessage } from "./corpus";

const FLAG_LETTERS: Readonly<Record<string, string>> = {
  "\\Draft": "D",
  "\\Flagged": "F",
  "\\Answered": "R",
  "\\Seen": "S",
  "\\Deleted": "T",
};

let sequence = 0;

/**
 * Writes `msgs` into `folder` ("INBOX", or segments joined by "/") under the Maildir root `maildir`, owned by
 * `owner` where given (a server that runs its mail processes as another user), with mtime = INTERNALDATE.
 */
export function storeInMaildir(maildir: string, folder: string, msgs: readonly RawMessage[], owner?: { uid: number; gid: number }): void {
  const segments = folder === "INBOX" ? [] : folder.split("/");
  const dir = path.join(maildir, segments.length ? `.${segments.join(".")}` : "");
  for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  if (segments.length) fs.writeFileSync(path.join(dir, "maildirfolder"), "");
  for (const m of msgs) {
    const date = m.internalDate ?? new Date();
    const info = (m.flags ?? [])
      .map((f) => FLAG_LETTERS[f] ?? "")
      .filter(Boolean)
      .sort()
      .join("");
    const file = path.join(dir, "cur", `${Math.floor(date.getTime() / 1000)}.M${++sequence}P${process.pid}.harness:2,${info}`);
    fs.writeFileSync(file, m.raw);
    fs.utimesSync(file, date, date);
  }
  if (owner) chownTree(maildir, owner);
}

function chownTree(dir: string, owner: { uid: number; gid: number }): void {
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, owner);
    else fs.chownSync(p, owner.uid, owner.gid);
  }
}
