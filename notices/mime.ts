// A Notice as an RFC 5322 message (multipart/alternative: text, then HTML), built by nodemailer's MailComposer:
// it encodes headers (RFC 2047 for accented and right-to-left names) and bodies (quoted-printable UTF-8).
import MailComposer from "nodemailer/lib/mail-composer";
import type { Notice } from "./types";

/** Header that says which notice a message is; also what a person's mail rules can match on. */
export const NOTICE_HEADER = "X-Mailshift-Notice";

export function noticeMime(n: Notice, date: Date): Promise<Buffer> {
  return new MailComposer({
    from: { name: n.from.name, address: n.from.address },
    to: { name: n.to.name, address: n.to.address },
    subject: n.subject,
    text: n.text,
    html: n.html,
    messageId: n.messageId,
    date,
    textEncoding: "quoted-printable",
    headers: {
      // RFC 3834: automatic replies (an out-of-office still set on the old host) must not answer it.
      "Auto-Submitted": "auto-generated",
      [NOTICE_HEADER]: n.stage,
    },
  })
    .compile()
    .build();
}
