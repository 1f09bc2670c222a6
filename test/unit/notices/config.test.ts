import assert from "node:assert/strict";
import { parseConfig } from "../../../plan/config";
import { PlanErrors } from "../../../plan/errors";
import { rawMailshift } from "../plan/stackFiles";

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  assert.fail("expected the configuration to be refused");
}

const base = rawMailshift("production");
const withNotices = (notices: unknown) => ({ ...base, notices });
const contact = { name: "Help desk", phone: "+1 555 0100" };

describe("plan/config: mailshift:notices, backup addresses, the new host's SMTP settings", () => {
  it("reads the production stack's notices as written", () => {
    const c = parseConfig(base);
    assert.deepEqual(c.notices, {
      from: { name: "Example IT", address: "it@example.com" },
      contact: {
        name: "Example IT help desk",
        phone: "+49 30 5550 1234",
        url: "https://status.example.net/mail",
        email: "helpdesk@example-support.net",
      },
      windows: {
        cutover: { start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" },
        finalize: { start: "2026-12-19T09:00+01:00", end: "2026-12-19T12:00+01:00" },
      },
      smtp: "smtp://relay.example-support.net:587",
    });
    assert.deepEqual(c.report, { file: "reports/production.html" });
    assert.equal(c.mailboxes[0]!.backupAddress, "alice.martin@gmail.example.net");
    assert.equal(c.mailboxes[1]!.backupAddress, undefined);
  });

  it("is optional: a stack without it parses, with no notices", () => {
    const { notices: _, ...raw } = base;
    assert.equal(parseConfig(raw).notices, undefined);
  });

  it("refuses a contact that only email can reach, naming the path", () => {
    const msgs = problems(withNotices({ contact: { name: "Help desk", email: "help@example-support.net" } }));
    assert.ok(
      msgs.some((m) => m.startsWith("mailshift:notices.contact: has no phone and no url")),
      msgs.join("\n"),
    );
  });

  it("refuses a backup channel or backup address on the domain being moved (or its subdomain)", () => {
    const msgs = problems(withNotices({ contact: { ...contact, email: "help@example.com" } }));
    assert.ok(
      msgs.some((m) => m.startsWith("mailshift:notices.contact.email: help@example.com is on example.com, the domain being moved")),
      msgs.join("\n"),
    );
    const mailboxes = (base.mailboxes as Record<string, unknown>[]).map((m, i) =>
      i === 2 ? { ...m, backupAddress: "sales@mail2.example.com" } : m,
    );
    const msgs2 = problems({ ...base, mailboxes });
    assert.ok(
      msgs2.some((m) => m.startsWith("mailshift:mailboxes[2].backupAddress: sales@mail2.example.com is on example.com")),
      msgs2.join("\n"),
    );
  });

  it("refuses malformed phone numbers, addresses and windows, each by its path", () => {
    const msgs = problems(
      withNotices({
        from: { address: "not an address" },
        contact: { name: "Help desk", phone: "call me", url: "status page" },
        windows: {
          cutover: { start: "12/12/2026 20:00", end: "2026-12-12T23:00+01:00" },
          finalize: { start: "2026-12-19T09:00Z", end: "2026-12-19T08:00Z" },
          copy: {},
        },
      }),
    );
    for (const path of [
      "notices.from.address",
      "notices.contact.phone",
      "notices.contact.url",
      "notices.windows.cutover.start",
      "notices.windows.finalize.end",
      "notices.windows.copy",
    ])
      assert.ok(
        msgs.some((m) => m.startsWith(`mailshift:${path}: `)),
        `no problem named ${path} in:\n${msgs.join("\n")}`,
      );
  });

  it("refuses a window without its UTC offset, since people would read it in the wrong time zone", () => {
    const msgs = problems(withNotices({ contact, windows: { cutover: { start: "2026-12-12T20:00", end: "2026-12-12T23:00" } } }));
    assert.ok(
      msgs.some((m) => m.startsWith('mailshift:notices.windows.cutover.start: "2026-12-12T20:00" is not a time with its UTC offset')),
      msgs.join("\n"),
    );
  });

  it("refuses a day that does not exist rather than naming it in a notice", () => {
    const msgs = problems(
      withNotices({ contact, windows: { cutover: { start: "2026-02-30T20:00+01:00", end: "2026-03-01T23:00+01:00" } } }),
    );
    assert.ok(
      msgs.some((m) => m.startsWith('mailshift:notices.windows.cutover.start: "2026-02-30T20:00+01:00" is not a day and time that exist')),
      msgs.join("\n"),
    );
  });

  it("refuses a finalize window that starts before cutover ends", () => {
    const msgs = problems(
      withNotices({
        contact,
        windows: {
          cutover: { start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" },
          finalize: { start: "2026-12-12T21:00+01:00", end: "2026-12-12T22:30+01:00" },
        },
      }),
    );
    assert.ok(
      msgs.some((m) => m.startsWith("mailshift:notices.windows.finalize.start: ")),
      msgs.join("\n"),
    );
  });

  it("reads newHost.smtpHost and smtpPort when given, and leaves them out otherwise", () => {
    const newHost = { ...(base.newHost as Record<string, unknown>), smtpHost: "SMTP.NewHost.net", smtpPort: 465 };
    const c = parseConfig({ ...base, newHost });
    assert.equal(c.newHost?.smtpHost, "smtp.newhost.net");
    assert.equal(c.newHost?.smtpPort, 465);
    assert.equal(parseConfig(base).newHost?.smtpHost, undefined);
    const msgs = problems({ ...base, newHost: { ...newHost, smtpPort: 70000 } });
    assert.ok(
      msgs.some((m) => m.startsWith("mailshift:newHost.smtpPort: must be a whole number")),
      msgs.join("\n"),
    );
  });

  it("refuses a notices.smtp that is not an SMTP URL, and a mailshift:report.file that is not a page", () => {
    assert.deepEqual(
      problems(withNotices({ contact, smtp: "relay.example.net:25" })).filter((m) => m.includes("smtp")),
      [
        'mailshift:notices.smtp: "relay.example.net:25" is not an SMTP relay URL. Write smtp://[USER@]HOST:PORT (STARTTLS) or smtps://[USER@]HOST:PORT',
      ],
    );
    assert.match(
      problems({ ...base, report: { file: "report.pdf" } }).join("\n"),
      /mailshift:report\.file: "report\.pdf" does not end in \.html/,
    );
    assert.match(problems({ ...base, report: { path: "r.html" } }).join("\n"), /mailshift:report\.path: is not a report setting/);
    const { report: _, ...without } = base;
    assert.equal(parseConfig(without).report, undefined, "absent: index.ts writes report.<stack>.html");
  });
});
