// Loads generated mailboxes into a loopback "old" Dovecot by writing maildir files directly: APPENDing
// 250,000 messages over IMAP would take longer than the copy being measured. The old layout is Maildir++
// (`mail_location = maildir:~/Maildir`, namespace prefix "INBOX.", separator "."): INBOX is the Maildir root,
// folder Archive/2023 is the directory `.Archive.2023`. Files go to cur/ as `NAME,S=size,W=vsize:2,FLAGS`
// with mtime = internal date (what Dovecot's maildir reports as INTERNALDATE); Dovecot indexes them afterwards.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Dovecot } from "../test/harness/dovecot";
import { planMailbox, renderMessage, type CorpusOptions, type MessagePlan } from "./generateCorpus";

const FLAG_LETTERS: Record<string, string> = { "\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T" };

/** Maildir info suffix for IMAP system flags: letters in ASCII order, as the maildir spec requires. */
export function maildirInfo(flags: readonly string[]): string {
  return `:2,${flags.map((f) => FLAG_LETTERS[f] ?? "").filter(Boolean).sort().join("")}`;
}

/** The folder's directory under the Maildir root in Maildir++ ("" for INBOX). */
export function maildirFolderDir(folder: readonly string[]): string {
  for (const s of folder) if (s.includes(".") || s.includes("/")) throw new Error(`folder segment "${s}" cannot be stored in Maildir++ with "." as separator`);
  return folder.length === 0 ? "" : `.${folder.join(".")}`;
}

/** Unique, sortable file name base; S= is the file's size, W= its size with CRLF line endings (RFC822.SIZE). */
export function maildirFileName(p: MessagePlan, raw: Buffer, tag: string): string {
  let lf = 0;
  for (let i = raw.indexOf(10); i !== -1; i = raw.indexOf(10, i + 1)) lf++;
  return `${Math.floor(p.internalDate.getTime() / 1000)}.M${p.index}${tag}.bench,S=${raw.length},W=${raw.length + lf}${maildirInfo(p.flags)}`;
}

export interface LoadResult {
  messages: number;
  /** RFC822.SIZE total: what IMAP moves. */
  bytes: number;
}

function ensureFolder(root: string, dir: string, made: Set<string>): string {
  const full = path.join(root, dir);
  if (!made.has(full)) {
    for (const sub of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(full, sub), { recursive: true });
    if (dir) fs.writeFileSync(path.join(full, "maildirfolder"), "");
    made.add(full);
  }
  return full;
}

/** Writes the messages of `plans` into a user's Maildir; `tag` keeps names of later deltas distinct. */
export function writeMessages(maildir: string, plans: Iterable<MessagePlan>, tag = ""): LoadResult {
  const made = new Set<string>();
  let messages = 0;
  let bytes = 0;
  for (const p of plans) {
    const dir = ensureFolder(maildir, maildirFolderDir(p.folder), made);
    const raw = renderMessage(p);
    const name = maildirFileName(p, raw, tag);
    const file = path.join(dir, "cur", name);
    fs.writeFileSync(file, raw);
    const t = p.internalDate.getTime() / 1000;
    fs.utimesSync(file, t, t);
    messages += 1;
    bytes += Number(/,W=(\d+)/.exec(name)![1]);
  }
  // New folder directories change the root's mtime; deltas into cur/ change cur/'s mtime, which Dovecot watches.
  return { messages, bytes };
}

/** The mail files belong to the mail user Dovecot runs as (`dovecot` when we are root). */
export function handOver(d: Dovecot, user: string): void {
  if (process.getuid?.() !== 0) return;
  execFileSync("chown", ["-R", "dovecot:dovecot", d.home(user)]);
}

/** Lets Dovecot index every folder of the user now, so neither tool under test pays for it. */
export function indexMailbox(d: Dovecot, user: string): void {
  execFileSync("doveadm", ["-c", d.confPath, "index", "-u", user, "*"], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Generates and writes mailbox `mailbox` of the corpus for `user`, owned by the mail user and indexed. */
export function loadMailbox(d: Dovecot, user: string, corpus: CorpusOptions, mailbox: number): LoadResult {
  const r = writeMessages(d.maildir(user), planMailbox(corpus, mailbox));
  handOver(d, user);
  indexMailbox(d, user);
  return r;
}
