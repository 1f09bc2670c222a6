// NoticeDelivery's operations, run in the dynamic-provider host (provider.ts requires this file at call time).
// create delivers: APPEND into the person's own INBOX unless the Message-ID is there already, then the backup
// copy by SMTP. The state records both, so a second `pulumi up` finds nothing to do; delete forgets and never
// touches mail.
import type { CheckResult, CreateResult, DiffResult, UpdateResult } from "@pulumi/pulumi/dynamic";
import type { Notice } from "../../notices/types";
import { PartialPassError, redact } from "../mailboxMigration/secrets";
import type { NoticeDeliveryInputs, NoticeDeliveryOutputs } from "./types";

function secretsOf(i: Partial<NoticeDeliveryInputs>): string[] {
  const out = [i.inbox?.password, i.inbox?.accessToken, i.inbox?.oauth2?.clientSecret, i.backup?.relay.password];
  return out.filter((v): v is string => typeof v === "string" && v.length > 0).sort((a, b) => b.length - a.length);
}

/** Refuses, before anything is sent, a notice whose login is not the person's own. */
export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const i = news as unknown as NoticeDeliveryInputs;
  const failures: { property: string; reason: string }[] = [];
  if (typeof i.inbox?.user !== "string" || i.inbox.user.toLowerCase() !== String(i.appendTo).toLowerCase())
    failures.push({
      property: "inbox.user",
      reason: `the ${i.stage} notice for ${i.recipient} goes only into the INBOX of ${i.appendTo}, not of ${i.inbox?.user}`,
    });
  if (typeof i.messageId !== "string" || !/^<[^<>\s]+@[^<>\s]+>$/.test(i.messageId))
    failures.push({ property: "messageId", reason: "is not a Message-ID <...@...>: the INBOX could not be searched for it" });
  return { inputs: news, failures };
}

const sameInbox = (o: Partial<NoticeDeliveryOutputs>, n: NoticeDeliveryInputs) =>
  o.recipient === n.recipient &&
  o.stage === n.stage &&
  o.inboxHost === n.inboxHost &&
  o.appendTo?.toLowerCase() === n.appendTo.toLowerCase() &&
  o.inbox?.host === n.inbox.host &&
  o.inbox?.port === n.inbox.port;

/**
 * Another person, stage or INBOX replaces (the new one has not been told); a backup copy not sent yet (a new
 * backup address, or a relay that failed) updates, which sends only that. Nothing else changes a notice
 * already delivered: new words or credentials cannot unsend it.
 */
export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult> {
  const o = olds as Partial<NoticeDeliveryOutputs>;
  const n = news as unknown as NoticeDeliveryInputs;
  if (!sameInbox(o, n)) return { changes: true, replaces: ["recipient", "stage", "inbox"], deleteBeforeReplace: false };
  const backupPending = n.backup !== undefined && (o.backupAddress?.toLowerCase() !== n.backup.address.toLowerCase() || !o.backupSentAt);
  return { changes: backupPending, replaces: [], deleteBeforeReplace: false };
}

function noticeOf(i: NoticeDeliveryInputs): Notice {
  return {
    stage: i.stage,
    messageId: i.messageId,
    from: i.from,
    to: { name: i.recipientName, address: i.recipient },
    appendHost: i.inboxHost,
    appendTo: i.appendTo,
    ...(i.backup ? { backupAddress: i.backup.address } : {}),
    subject: i.subject,
    text: i.text,
    html: i.html,
  };
}

function idOf(i: NoticeDeliveryInputs): string {
  return `${i.stage}:${i.recipient}`;
}

async function deliver(i: NoticeDeliveryInputs, previous: Partial<NoticeDeliveryOutputs> | undefined): Promise<NoticeDeliveryOutputs> {
  // loaded at call time: check and diff (a preview) never load imapflow or nodemailer
  const { appendNotice } = require("../../notices/deliver") as typeof import("../../notices/deliver");
  const { noticeMime } = require("../../notices/mime") as typeof import("../../notices/mime");
  const { openClient, closeClient } = require("../../engine/connect") as typeof import("../../engine/connect");
  const { DEFAULT_RETRY } = require("../../engine/retry") as typeof import("../../engine/retry");
  const { resolveEndpoint } = require("../mailboxMigration/endpoints") as typeof import("../mailboxMigration/endpoints");
  const secrets = secretsOf(i);
  const notice = noticeOf(i);
  const raw = await noticeMime(notice, new Date());
  const base = {
    stage: i.stage,
    recipient: i.recipient,
    recipientName: i.recipientName,
    subject: i.subject,
    messageId: i.messageId,
    from: i.from,
    text: i.text,
    html: i.html,
    inboxHost: i.inboxHost,
    appendTo: i.appendTo,
    inbox: { host: i.inbox.host, ...(i.inbox.port !== undefined ? { port: i.inbox.port } : {}), user: i.inbox.user },
    ...(i.backup ? { backupAddress: i.backup.address } : {}),
  };
  const what = `the ${i.stage} notice for ${i.recipient}`;
  // an update comes only for a pending backup copy (diff): the INBOX copy the state records is not touched again
  if (previous?.inboxResult && previous.inboxAt)
    return backup(i, { ...base, inboxResult: previous.inboxResult, inboxAt: previous.inboxAt }, previous, notice, raw, secrets);
  let inboxResult: NoticeDeliveryOutputs["inboxResult"];
  const endpoint = resolveEndpoint(i.inbox, "destination", { onToken: (t) => secrets.push(t) });
  try {
    const client = await openClient(endpoint, { retry: DEFAULT_RETRY });
    try {
      inboxResult = await appendNotice(client, i.inbox.user, notice, raw);
    } finally {
      await closeClient(client);
    }
  } catch (err) {
    // nothing recorded: the next `pulumi up` tries again, and the Message-ID search keeps it to one copy
    throw new Error(
      redact(
        `NoticeDelivery: ${what} was not delivered into the INBOX of ${i.inbox.user} on ${i.inbox.host}: ${(err as Error).message}. Run pulumi up again once the host is reachable.`,
        secrets,
      ),
    );
  }
  return backup(i, { ...base, inboxResult, inboxAt: new Date().toISOString() }, previous, notice, raw, secrets);
}

/** The second channel, once: a copy the state says was sent to this address is not sent again. */
async function backup(
  i: NoticeDeliveryInputs,
  done: NoticeDeliveryOutputs,
  previous: Partial<NoticeDeliveryOutputs> | undefined,
  notice: Notice,
  raw: Buffer,
  secrets: string[],
): Promise<NoticeDeliveryOutputs> {
  const { sendBackup } = require("../../notices/deliver") as typeof import("../../notices/deliver");
  if (!i.backup) return done;
  const sentBefore = previous?.backupSentAt && previous.backupAddress?.toLowerCase() === i.backup.address.toLowerCase();
  if (sentBefore) return { ...done, backupSentAt: previous.backupSentAt! };
  try {
    await sendBackup(i.backup.relay, notice, raw);
    return { ...done, backupSentAt: new Date().toISOString() };
  } catch (err) {
    const message = redact(
      `NoticeDelivery: ${(err as Error).message}. The INBOX copy is delivered; the next pulumi up sends the backup copy.`,
      secrets,
    );
    // The resource stays, with the INBOX delivery recorded: the next `pulumi up` updates it and sends only the
    // backup. The host keeps these properties as the state's outputs, so they carry the serialized provider too,
    // without which Pulumi could not even delete the resource later.
    const properties = { ...done, lastError: message, __provider: (i as unknown as Record<string, unknown>).__provider };
    throw new PartialPassError(message, idOf(i), JSON.parse(JSON.stringify(properties)) as Record<string, unknown>);
  }
}

export async function create(news: Record<string, unknown>): Promise<CreateResult> {
  const i = news as unknown as NoticeDeliveryInputs;
  return { id: idOf(i), outs: await deliver(i, undefined) };
}

export async function update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<UpdateResult> {
  return { outs: await deliver(news as unknown as NoticeDeliveryInputs, olds as Partial<NoticeDeliveryOutputs>) };
}

/** Forgets the notice: a message once delivered stays in the person's INBOX. */
export async function remove(): Promise<void> {}
