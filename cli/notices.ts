// `mailshift notices`: every person's notice of a stage, from the stack outputs. Without --send, one .eml per
// person and stage is written for review; with --send, each is APPENDed into the INBOX the person reads (the
// old host's, the new mailbox's after finalize; logins and passwords from the same --mailboxes file as
// sync-many) and, given --smtp, sent to the
// person's backup address. Both channels deliver once, however often this runs.
// Exit codes: 0 every notice delivered (or already there); 1 some were not; 2 usage; 3 an input is unreadable.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { closeClient, openClient } from "../engine/connect";
import type { Endpoint } from "../engine/endpoint";
import { UsageError } from "../engine/errors";
import { commandFailure } from "./failure";
import { DEFAULT_RETRY } from "../engine/retry";
import { composeNotices, NoticeError } from "../notices/compose";
import { appendNotice, NoticeDeliveryError, sendBackup, type SmtpRelay } from "../notices/deliver";
import { noticePlanFromOutputs, NoticeInputError } from "../notices/fromOutputs";
import { noticeMime } from "../notices/mime";
import { parseRelayUrl, RelayUrlError } from "../notices/relay";
import { NOTICE_OF_STAGE, NOTICE_STAGES, type Notice, type NoticeStage } from "../notices/types";
import { readSent, sentKey, writeSent } from "./noticesSent";
import { parseMailboxList } from "./syncMany";

export const NOTICES_USAGE = `usage:
  mailshift notices --stack-outputs FILE.json --out DIR [--notice STAGE]
  mailshift notices --stack-outputs FILE.json --send --mailboxes FILE.json [--smtp smtp://HOST:PORT] [--sent FILE] [--notice STAGE] [--out DIR]

  --stack-outputs FILE  what \`pulumi stack output --json\` prints (its "notices" output: set mailshift:notices)
  --notice STAGE        before-cutover, at-cutover, after-finalize or all (only with --out and no --send);
                        default: the notice of the stack's stage (copy: before-cutover, cutover: at-cutover,
                        finalize: after-finalize)
  --out DIR             write one .eml per person and notice here, for review
  --send                deliver: APPEND into each person's INBOX, once (found by Message-ID): on the old host,
                        and in the new mailbox for after-finalize (the old host is no longer read then)
  --mailboxes FILE      the sync-many list: a person's login is an entry's "from" URL (old host) or "to" URL
                        (new host), with its password as sync-many reads it (variable or chmod-600 file)
  --smtp URL            smtp://[USER@]HOST:PORT (STARTTLS) or smtps://[USER@]HOST:PORT: the relay that sends a
                        copy to each backup address (mailshift:mailboxes[i].backupAddress); its password comes
                        from MAILSHIFT_SMTP_PASSWORD
  --sent FILE           the record of backup copies already sent (default mailshift-notices-sent.json)
  --ca FILE             trust this CA certificate (PEM) for the SMTP relay`;

export interface NoticesArgs {
  stackOutputs: string;
  notice?: NoticeStage | "all";
  out?: string;
  send: boolean;
  mailboxes?: string;
  smtp?: string;
  sent: string;
  ca?: string;
}

/** Pure: argv (after "notices") in, validated options out. */
export function parseNoticesArgs(argv: readonly string[]): NoticesArgs {
  const values = new Map<string, string>();
  let send = false;
  const withValue = ["--stack-outputs", "--notice", "--out", "--mailboxes", "--smtp", "--sent", "--ca"];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === "--send" && eq < 0) send = true;
    else if (withValue.includes(flag)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value\n${NOTICES_USAGE}`);
      if (values.has(flag)) throw new UsageError(`${flag} is given more than once`);
      values.set(flag, v);
    } else if (/password/i.test(flag))
      throw new UsageError(`passwords never go on the command line: see --mailboxes and MAILSHIFT_SMTP_PASSWORD\n${NOTICES_USAGE}`);
    else throw new UsageError(`unknown option "${a}"\n${NOTICES_USAGE}`);
  }
  const stackOutputs = values.get("--stack-outputs");
  if (!stackOutputs)
    throw new UsageError(`notices needs --stack-outputs FILE.json (from \`pulumi stack output --json > FILE.json\`)\n${NOTICES_USAGE}`);
  const notice = values.get("--notice");
  if (notice !== undefined && notice !== "all" && !(NOTICE_STAGES as readonly string[]).includes(notice))
    throw new UsageError(`--notice takes ${NOTICE_STAGES.join(", ")} or all, not "${notice}"`);
  if (notice === "all" && send) throw new UsageError("--notice all is for review (--out); --send delivers one stage's notices at a time");
  if (!send && !values.has("--out"))
    throw new UsageError(`notices needs --out DIR (write for review) or --send (deliver)\n${NOTICES_USAGE}`);
  if (send && !values.has("--mailboxes"))
    throw new UsageError(`--send needs --mailboxes FILE.json: each person's logins, as sync-many reads them\n${NOTICES_USAGE}`);
  if (!send) for (const f of ["--mailboxes", "--smtp", "--sent"]) if (values.has(f)) throw new UsageError(`${f} is only used with --send`);
  return {
    stackOutputs,
    send,
    sent: values.get("--sent") ?? "mailshift-notices-sent.json",
    ...(notice ? { notice: notice as NoticeStage | "all" } : {}),
    ...(values.has("--out") ? { out: values.get("--out")! } : {}),
    ...(values.has("--mailboxes") ? { mailboxes: values.get("--mailboxes")! } : {}),
    ...(values.has("--smtp") ? { smtp: values.get("--smtp")! } : {}),
    ...(values.has("--ca") ? { ca: values.get("--ca")! } : {}),
  };
}

/** Pure: smtp:// or smtps:// with an optional user; the password only from the environment. */
export function parseSmtpUrl(url: string, env: NodeJS.ProcessEnv, ca?: string): SmtpRelay {
  try {
    return parseRelayUrl(url, env.MAILSHIFT_SMTP_PASSWORD, "--smtp", "MAILSHIFT_SMTP_PASSWORD", ca);
  } catch (err) {
    if (err instanceof RelayUrlError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Pure: the login each notice is delivered with, from the mailbox list: the entry's "from" for the old host,
 * its "to" for the new one, matched by the notice's own login. No entry, or two, is an error for that notice.
 */
export function loginsFor(
  notices: readonly Notice[],
  entries: readonly { entry: string; from: Endpoint; to: Endpoint }[],
  file: string,
): Map<Notice, Endpoint | string> {
  const out = new Map<Notice, Endpoint | string>();
  for (const n of notices) {
    const side = n.appendHost === "old" ? "from" : "to";
    const hits = entries.filter((e) => e[side].user.toLowerCase() === n.appendTo.toLowerCase());
    if (hits.length === 1) out.set(n, hits[0]![side]);
    else if (hits.length === 0)
      out.set(n, `${file} has no entry whose "${side}" logs in as ${n.appendTo}; add one to deliver the notice for ${n.to.address}`);
    else
      out.set(
        n,
        `${file} has ${hits.length} entries whose "${side}" logs in as ${n.appendTo} (${hits.map((h) => h.entry).join(", ")}); keep one so the notice goes to one INBOX`,
      );
  }
  return out;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new NoticeInputError(
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new NoticeInputError(
      `${file}: is not JSON (${(err as Error).message.replace(/"[^"]*"/g, "…")}); write it with \`pulumi stack output --json\``,
    );
  }
}

/** "bob@example.com.at-cutover.eml": addresses are validated by the config, but a path separator never passes. */
export function emlName(n: Notice): string {
  return `${n.to.address.replace(/[^A-Za-z0-9@._+-]/g, "_")}.${n.stage}.eml`;
}

export async function runNotices(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  now: () => Date = () => new Date(),
): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (argv.includes("--help") || argv.includes("-h")) {
    say(NOTICES_USAGE);
    return 0;
  }
  try {
    const a = parseNoticesArgs(argv);
    const { stage, plan } = noticePlanFromOutputs(readJson(a.stackOutputs), a.stackOutputs);
    const due = a.notice ?? NOTICE_OF_STAGE[stage];
    if (!due)
      throw new UsageError(`the stack is at stage ${stage}, which sends no notice; give --notice before-cutover to write that one now`);
    const stages = due === "all" ? [...NOTICE_STAGES] : [due];
    const notices = stages.flatMap((s) => composeNotices(plan, s));
    const raws = new Map<Notice, Buffer>();
    for (const n of notices) raws.set(n, await noticeMime(n, now()));
    if (a.out) {
      mkdirSync(a.out, { recursive: true });
      for (const n of notices) writeFileSync(path.join(a.out, emlName(n)), raws.get(n)!);
      say(`wrote ${notices.length} notice${notices.length === 1 ? "" : "s"} (${stages.join(", ")}) to ${a.out}`);
    }
    if (!a.send) return 0;

    let text: string;
    let mode: number;
    try {
      text = readFileSync(a.mailboxes!, "utf8");
      mode = statSync(a.mailboxes!).mode;
    } catch (err) {
      throw new UsageError(`--mailboxes ${a.mailboxes}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const logins = loginsFor(notices, parseMailboxList(text, a.mailboxes!, env, (mode & 0o077) === 0), a.mailboxes!);
    const relay = a.smtp ? parseSmtpUrl(a.smtp, env, a.ca ? readFileSync(a.ca, "utf8") : undefined) : undefined;
    const sent = relay ? readSent(a.sent) : undefined;
    let failed = 0;
    for (const n of notices) {
      const label = `${n.to.address} ${n.stage}`;
      const login = logins.get(n)!;
      if (typeof login === "string") {
        failed += 1;
        say(`${label}: INBOX not delivered: ${login}`);
      } else {
        const client = await openClient(login, { retry: DEFAULT_RETRY }).catch((err: Error) => err);
        if (client instanceof Error) {
          failed += 1;
          say(`${label}: INBOX not delivered: ${client.message}`);
        } else {
          try {
            say(`${label}: INBOX of ${login.user} on the ${n.appendHost} host ${await appendNotice(client, login.user, n, raws.get(n)!)}`);
          } catch (err) {
            failed += 1;
            say(`${label}: INBOX not delivered: ${(err as Error).message}`);
          } finally {
            await closeClient(client);
          }
        }
      }
      if (!n.backupAddress) continue;
      if (!relay || !sent) {
        say(`${label}: backup ${n.backupAddress} not sent: give --smtp to send it`);
        continue;
      }
      const key = sentKey(n.messageId, n.backupAddress);
      if (sent.sent[key]) {
        say(`${label}: backup ${n.backupAddress} already sent (${sent.sent[key]})`);
        continue;
      }
      try {
        await sendBackup(relay, n, raws.get(n)!);
        sent.sent[key] = now().toISOString();
        writeSent(a.sent, sent);
        say(`${label}: backup ${n.backupAddress} sent`);
      } catch (err) {
        failed += 1;
        say(`${label}: backup ${n.backupAddress} not sent: ${(err as Error).message}`);
      }
    }
    return failed > 0 ? 1 : 0;
  } catch (err) {
    const expected = (e: unknown) => e instanceof NoticeInputError || e instanceof NoticeError || e instanceof NoticeDeliveryError;
    return commandFailure("mailshift notices", err, { expected });
  }
}
