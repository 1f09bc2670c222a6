// The words of each notice. Pure: a NoticePlan, a person and a stage in, a Notice out. Every claim here must be
// true of what mailshift does: the engine copies mail and folders (with read/flagged marks and received dates)
// and nothing else, so calendars, contacts, filters, automatic replies and signatures are the person's to move.
import { renderHtml, renderText, type Block, type Inline } from "./doc";
import { noticeMessageId } from "./messageId";
import { NOT_MOVED, WHAT_MOVES } from "./notMoved";
import { INBOX_OF_NOTICE, type Notice, type NoticePerson, type NoticePlan, type NoticeStage, type ServerSettings } from "./types";
import { describeWindow } from "./when";

export class NoticeError extends Error {
  override name = "NoticeError";
}

const OUTLOOK_WEB = "https://outlook.office.com";

const para = (...parts: Inline[]): Block => ({ kind: "para", parts });
const heading = (text: string): Block => ({ kind: "heading", text });

function where(p: NoticePerson): string {
  return p.route === "exchange" ? "Microsoft 365 (Exchange Online)" : "a new mail server";
}

function cutoverWhen(plan: NoticePlan): Inline[] {
  return plan.windows.cutover
    ? ["The switch happens on ", { strong: describeWindow(plan.windows.cutover) }, "."]
    : ["The date of the switch is not set yet: you will get another message before it happens."];
}

function addressBlocks(plan: NoticePlan, p: NoticePerson, done: boolean): Block[] {
  if (!p.addressChanges) return [para("Your email address stays the same: ", { who: p.source }, ".")];
  const becomes = done ? "Your email address is now " : "Your email address becomes ";
  const old: Inline[] = plan.oldAddressForwarded
    ? [
        "Mail sent to your old address ",
        { who: p.source },
        " keeps reaching you: it is forwarded to the new one. Still, give your new address to the people and services who write to you.",
      ]
    : [
        "Mail sent to your old address ",
        { who: p.source },
        " still arrives at the old server, not in your new mailbox: give your new address to the people and services who write to you.",
      ];
  return [para(becomes, { strong: p.destination }, "."), para(...old)];
}

function serverRows(label: string, s: ServerSettings): [string, Inline[]][] {
  return [[`${label} server`, [{ who: s.host }, `, port ${s.port}, security ${s.security}`]]];
}

function setupBlocks(plan: NoticePlan, p: NoticePerson): Block[] {
  if (p.route === "exchange") {
    return [
      para(
        "Open your mail in Outlook: the Outlook app on your computer or phone, or ",
        { link: OUTLOOK_WEB, href: OUTLOOK_WEB },
        " in a web browser. Sign in with ",
        { strong: p.destination },
        " and the password IT gives you. Outlook finds the server settings by itself.",
      ),
    ];
  }
  const h = plan.newHost;
  if (!h)
    throw new NoticeError(`${p.source} goes to the new IMAP host, but the notice plan has no server settings for it (mailshift:newHost)`);
  return [
    para("Add the new account to your mail app (Thunderbird, Apple Mail, Outlook, your phone) with these settings:"),
    {
      kind: "settings",
      rows: [
        ["Email address", [{ who: p.destination }]],
        ["User name", [{ who: p.destination }]],
        ["Password", ["the one IT gives you"]],
        ...serverRows("Incoming (IMAP)", h.imap),
        ...serverRows("Outgoing (SMTP)", h.smtp),
        ["Outgoing sign-in", ["yes, with the same user name and password"]],
      ],
    },
  ];
}

function notMovedBlocks(p: NoticePerson, urgent: boolean): Block[] {
  const app = p.route === "exchange" ? "Outlook" : "your new account";
  return [
    heading("What does not move"),
    para(
      `Only your ${WHAT_MOVES} are copied. `,
      urgent
        ? "The rest stays on the old server, which will be switched off: if you still need any of it, move it now."
        : "The rest stays on the old server, and you bring over what you need:",
    ),
    { kind: "list", items: NOT_MOVED.map((n) => [{ strong: n.what }, `: ${n.todo(app)}`]) },
  ];
}

function contactBlocks(plan: NoticePlan, p: NoticePerson): Block[] {
  const c = plan.contact;
  const ways: Inline[][] = [];
  if (c.phone) ways.push(["Phone: ", { link: c.phone, href: `tel:${c.phone.replace(/[^+0-9]/g, "")}` }]);
  if (c.url) ways.push(["Web: ", { link: c.url, href: c.url }]);
  if (c.email) ways.push(["Email (works even when ours does not): ", { link: c.email, href: `mailto:${c.email}` }]);
  return [
    heading("When email does not work"),
    para("Contact ", { who: c.name }, ":"),
    { kind: "list", items: ways },
    ...(p.backupAddress
      ? [para("This message is also sent to ", { who: p.backupAddress }, ", in case your work mail cannot be read.")]
      : []),
  ];
}

const SUBJECTS: Record<NoticeStage, (plan: NoticePlan) => string> = {
  "before-cutover": (plan) =>
    plan.windows.cutover
      ? `Your email moves on ${describeWindow(plan.windows.cutover).split(",")[0]}: what to do`
      : "Your email is moving: what to do",
  "at-cutover": () => "Your email has moved: start using your new mailbox",
  "after-finalize": () => "Your email move is complete",
};

function bodyOf(plan: NoticePlan, p: NoticePerson, stage: NoticeStage): Block[] {
  const hello = para("Hello ", { who: p.displayName }, ",");
  const contact = contactBlocks(plan, p);
  if (stage === "before-cutover") {
    return [
      hello,
      para(
        "Your mailbox ",
        { who: p.source },
        ` is moving from the old mail server to ${where(p)}. Your mail and folders are being copied there now; keep working as usual until the switch.`,
      ),
      heading("What changes and when"),
      para(...cutoverWhen(plan)),
      ...addressBlocks(plan, p, false),
      heading("What to do"),
      para("Before the switch: bring over what does not move (below). After the switch:"),
      ...setupBlocks(plan, p),
      ...notMovedBlocks(p, false),
      ...contact,
    ];
  }
  if (stage === "at-cutover") {
    const finalize = plan.windows.finalize;
    return [
      hello,
      para(
        "Your email has moved to ",
        { strong: where(p) },
        ". New mail now arrives in your new mailbox, and the mail and folders you had are copied there.",
      ),
      heading("What changes"),
      ...addressBlocks(plan, p, true),
      para(
        "For a few days some mail may still reach the old server (senders retry); a last copy brings it over",
        ...(finalize ? [" on ", { strong: describeWindow(finalize) } as Inline] : []),
        ". Do not delete anything on the old server until then.",
      ),
      heading("What to do now"),
      ...setupBlocks(plan, p),
      ...notMovedBlocks(p, false),
      ...contact,
    ];
  }
  return [
    hello,
    para(
      "The move of your mailbox to ",
      { strong: where(p) },
      " is finished. A last copy has brought over the mail that still reached the old server.",
    ),
    heading("What to do"),
    para("Use only your new mailbox, ", { strong: p.destination }, ". If a message or folder you expect is missing, tell us (below)."),
    ...(p.addressChanges ? addressBlocks(plan, p, true).slice(1) : []),
    ...notMovedBlocks(p, true),
    ...contact,
  ];
}

/** The notice of `stage` for `person` (one of plan.people). */
export function composeNotice(plan: NoticePlan, person: NoticePerson, stage: NoticeStage): Notice {
  const subject = SUBJECTS[stage](plan);
  const blocks = bodyOf(plan, person, stage);
  return {
    stage,
    messageId: noticeMessageId(plan.domain, person.source, stage),
    from: plan.from,
    to: { name: person.displayName, address: person.source },
    appendHost: INBOX_OF_NOTICE[stage],
    appendTo: INBOX_OF_NOTICE[stage] === "old" ? person.sourceUser : person.destination,
    ...(person.backupAddress ? { backupAddress: person.backupAddress } : {}),
    subject,
    text: renderText(blocks),
    html: renderHtml(blocks, subject),
  };
}

/** Every person's notice of one stage, in the plan's order. */
export function composeNotices(plan: NoticePlan, stage: NoticeStage): Notice[] {
  return plan.people.map((p) => composeNotice(plan, p, stage));
}
