// Loads generated mailboxes into a loopback "old" Dovecot by writing maildir files directly: APPENDing
// 250,000 messages over IMAP would take longer than the copy being measured. The old layout is Maildir++
// (`mail_location = maildir:~/Maildir`, namespace prefix "INBOX.", separator "."): INBOX is the Maildir root,
// folder Archive/2023 is the directory `.Archive.2023`. Files go to cur/ as `NAME,S=size,W=vsize:2,FLAGS`
// with mtime = internal date (what Dovecot's maildir reports as INTERNALDATE); Dovecot indexes them afterwards.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Dovecot } from "../harness/dovecot";
import { renderMessage, type CorpusOptions, type MessagePlan } from "./generateCorpus";

const FLAG_LETTERS: Record<string, string> = { "\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T" };

/** Maildir info suffix for IMAP system flags: letters in ASCII order, as the maildir spec requires. */
export function maildirInfo(flags: readonly string[]): string {
  return `:2,${flags
    .map((f) => FLAG_LETTERS[f] ?? "")
    .filter(Boolean)
    .sort()
    .join("")}`;
}

/** The folder's directory under the Maildir root in Maildir++ ("" for INBOX). */
export function maildirFolderDir(folder: readonly string[]): string {
  for (const s of folder)
    if (s.includes(".") || s.includes("/")) throw new Error(`folder segment "${s}" cannot be stored in Maildir++ with "." as separator`);
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

/**
 * Writes the messages of `plans` into a user's Maildir; `tag` keeps names of later deltas distinct. The paths
 * written go to `files` when given (to take a delta away again).
 */
export function writeMessages(maildir: string, plans: Iterable<MessagePlan>, tag = "", files?: string[]): LoadResult {
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
    files?.push(file);
    messages += 1;
    bytes += Number(/,W=(\d+)/.exec(name)![1]);
  }
  // New folder directories change the root's mtime; deltas into cur/ change cur/'s mtime, which Dovecot watches.
  return { messages, bytes };
}

/** The mail files belong to the mail user Dovecot runs as (`dovecot` when we are root). */
export async function handOver(d: Dovecot, user: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await run("chown", ["-R", "dovecot:dovecot", d.home(user)]);
}

/** Lets Dovecot index (and notice removals in) every folder of the user now, so no tool under test pays for it. */
export async function indexMailbox(d: Dovecot, user: string): Promise<void> {
  await run("doveadm", ["-c", d.confPath, "index", "-u", user, "*"]);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _out, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(" ")}: ${err.message} ${stderr}`)) : resolve(),
    ),
  );
}

export interface WriteJob {
  maildir: string;
  corpus: CorpusOptions;
  mailbox: number;
}

/**
 * Generates mailbox i of the corpus for users[i], every one of them, `workers` mailboxes at a time in worker
 * threads (rendering is CPU-bound); each is handed to the mail user and indexed while the next ones render.
 * `onLoaded` hears of each finished mailbox.
 */
export async function loadMailboxes(
  d: Dovecot,
  users: readonly string[],
  corpus: CorpusOptions,
  workers: number,
  onLoaded?: (done: number, total: LoadResult) => void,
): Promise<LoadResult> {
  const total: LoadResult = { messages: 0, bytes: 0 };
  let next = 0;
  let done = 0;
  const finishing: Promise<void>[] = [];
  let failure: unknown;
  const finish = async (user: string, r: LoadResult): Promise<void> => {
    await handOver(d, user);
    await indexMailbox(d, user);
    total.messages += r.messages;
    total.bytes += r.bytes;
    onLoaded?.(++done, total);
  };
  const one = async (w: Worker): Promise<void> => {
    while (next < users.length && failure === undefined) {
      const i = next++;
      const job: WriteJob = { maildir: d.maildir(users[i]), corpus, mailbox: i };
      const r = await new Promise<LoadResult>((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
        w.postMessage(job);
      });
      w.removeAllListeners("error");
      finishing.push(finish(users[i], r).catch((err: unknown) => void (failure ??= err)));
    }
  };
  const pool = Array.from(
    { length: Math.max(1, Math.min(workers, users.length)) },
    () => new Worker(path.join(__dirname, "writeWorker.js")),
  );
  try {
    await Promise.all(pool.map(one));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  await Promise.all(finishing);
  if (failure !== undefined) throw failure;
  return total;
}

/** Writes further messages into a loaded mailbox (mail arriving later) and lets Dovecot index them, as delivery would. */
export async function addMessages(
  d: Dovecot,
  user: string,
  plans: Iterable<MessagePlan>,
  tag: string,
  files?: string[],
): Promise<LoadResult> {
  const r = writeMessages(d.maildir(user), plans, tag, files);
  await handOver(d, user);
  await indexMailbox(d, user);
  return r;
}

/** Takes written messages away again (a delta one tool has seen and the next must not). */
export async function removeMessages(d: Dovecot, user: string, files: readonly string[]): Promise<void> {
  for (const f of files) fs.rmSync(f);
  await indexMailbox(d, user);
}
