import assert from "node:assert/strict";
import fc from "fast-check";
import { composeNotice, composeNotices, NoticeError } from "../../../notices/compose";
import { noticeMessageId } from "../../../notices/messageId";
import { NOTICE_STAGES, type NoticeStage } from "../../../notices/types";
import { describeWindow } from "../../../notices/when";
import { esc } from "../../../report/escape";
import { person, smallPlan, stackNoticePlan } from "./fixtures";

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;
/** Display names as people have them: any Unicode, accents, Arabic and Hebrew, and characters HTML treats specially. */
const displayName = fc
  .oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
    fc.constantFrom(
      "Zoë Ångström",
      "مريم الحسن",
      "דוד כהן",
      "<script>alert(1)</script>",
      'Bob "The Builder" O\'Neil & Co',
      "李小龍",
      "Ana <ana@evil.example>",
    ),
  )
  .filter((s) => s.trim() !== "");

describe("notices/compose: what each person is told", () => {
  const production = stackNoticePlan("production");

  it("writes one notice per person and stage of the production stack, each to that person and the INBOX they read", () => {
    for (const stage of NOTICE_STAGES) {
      const notices = composeNotices(production, stage);
      assert.equal(notices.length, production.people.length);
      notices.forEach((n, i) => {
        const p = production.people[i]!;
        assert.deepEqual(n.to, { name: p.displayName, address: p.source });
        // the old host's INBOX (its login) until the switch; after finalize the new mailbox's
        if (stage === "after-finalize") assert.deepEqual([n.appendHost, n.appendTo], ["new", p.destination]);
        else assert.deepEqual([n.appendHost, n.appendTo], ["old", p.sourceUser]);
        assert.equal(n.stage, stage);
        for (const part of [n.text, n.html]) {
          assert.ok(part.includes(p.destination), `${stage} notice for ${p.source} does not name ${p.destination}`);
          assert.ok(part.includes(esc(p.displayName)) || part.includes(p.displayName));
        }
      });
    }
  });

  it("gives Exchange users Outlook, and IMAP users the new host's IMAP and SMTP settings", () => {
    const alice = composeNotice(production, production.people.find((p) => p.route === "exchange")!, "at-cutover");
    assert.match(alice.text, /Outlook/);
    assert.match(alice.text, /https:\/\/outlook\.office\.com/);
    assert.doesNotMatch(alice.text, /IMAP/);
    const bob = composeNotice(production, production.people.find((p) => p.source === "bob@example.com")!, "at-cutover");
    // production: cPanel host imap.newhost.example.net:993 (no smtp given, so the IMAP host and 587)
    const imap = production.newHost!.imap;
    assert.match(
      bob.text,
      new RegExp(`Incoming \\(IMAP\\) server: +${imap.host.replace(/\./g, "\\.")}, port ${imap.port}, security SSL/TLS`),
    );
    assert.match(bob.text, new RegExp(`Outgoing \\(SMTP\\) server: +${imap.host.replace(/\./g, "\\.")}, port 587, security STARTTLS`));
    assert.match(bob.text, /User name: +bob@mail2\.example\.com/);
  });

  it("says what does not move, and what to do, in both parts of every notice", () => {
    for (const stage of NOTICE_STAGES)
      for (const n of composeNotices(production, stage))
        for (const word of [
          "Calendars",
          "Contacts",
          "Filters and rules",
          "Automatic replies",
          "Signatures",
          "Only your mail and folders (with their read and flagged marks and dates) are copied",
        ]) {
          assert.ok(n.text.includes(word), `${stage} text for ${n.to.address} lacks "${word}"`);
          assert.ok(n.html.includes(word), `${stage} HTML for ${n.to.address} lacks "${word}"`);
        }
  });

  it("names the backup channel, and the backup address only to its owner", () => {
    for (const n of composeNotices(production, "before-cutover")) {
      assert.match(n.text, /Example IT help desk/);
      assert.match(n.text, /\+49 30 5550 1234/);
      assert.match(n.html, /href="tel:\+493055501234"/);
      assert.match(n.text, /https:\/\/status\.example\.net\/mail/);
      const own = production.people.find((p) => p.source === n.to.address)!.backupAddress;
      assert.equal(n.backupAddress, own);
      if (own) assert.ok(n.text.includes(`also sent to ${own}`));
      for (const other of production.people)
        if (other.backupAddress && other.backupAddress !== own) assert.ok(!n.text.includes(other.backupAddress));
    }
  });

  it("says the maintenance windows in the local time the stack wrote them in", () => {
    const n = composeNotice(production, production.people[0]!, "before-cutover");
    assert.equal(n.subject, "Your email moves on Saturday 12 December 2026: what to do");
    assert.match(n.text, /The switch happens on Saturday 12 December 2026, 20:00 to 23:00 \(UTC\+01:00\)\./);
    const at = composeNotice(production, production.people[0]!, "at-cutover");
    assert.match(at.text, /a last copy brings it over on Saturday 19 December 2026, 09:00 to 12:00 \(UTC\+01:00\)\./);
    const undated = composeNotice(smallPlan([person()], { windows: {} }), person(), "before-cutover");
    assert.match(undated.text, /The date of the switch is not set yet/);
  });

  it("promises that mail to the old address keeps arriving only when Exchange forwards it", () => {
    const forwarded = composeNotice(smallPlan([person()]), person(), "at-cutover");
    assert.match(forwarded.text, /keeps reaching you: it is forwarded to the new one/);
    const notForwarded = composeNotice(smallPlan([person()], { oldAddressForwarded: false }), person(), "at-cutover");
    assert.doesNotMatch(notForwarded.text, /keeps reaching you/);
    assert.match(notForwarded.text, /still arrives at the old server, not in your new mailbox/);
    const same = composeNotice(
      smallPlan([person({ route: "exchange", destination: "bob@example.com", addressChanges: false })]),
      person({ route: "exchange", destination: "bob@example.com", addressChanges: false }),
      "at-cutover",
    );
    assert.match(same.text, /Your email address stays the same: bob@example\.com\./);
  });

  it("refuses an IMAP person when the plan has no server settings to give", () => {
    assert.throws(() => composeNotice(smallPlan([person()], { newHost: undefined }), person(), "before-cutover"), NoticeError);
  });

  it("escapes every display name in HTML and keeps it whole in text (property)", () => {
    fc.assert(
      fc.property(displayName, fc.constantFrom(...NOTICE_STAGES), (name, stage) => {
        const p = person({ displayName: name });
        const n = composeNotice(smallPlan([p]), p, stage);
        assert.equal(n.to.name, name);
        // in HTML: escaped, inside <bdi>, and no tag of the name's own survives
        assert.ok(n.html.includes(`<bdi>${esc(name)}</bdi>`));
        if (/[<>]/.test(name)) assert.ok(!n.html.includes(name));
        assert.ok(!/<script/i.test(n.html));
        // in text: the name as written, isolated when it is right-to-left
        assert.ok(n.text.includes(RTL.test(name) ? `Hello \u2068${name}\u2069,` : `Hello ${name},`));
      }),
      { numRuns: 300 },
    );
  });

  it("derives one Message-ID per (mailbox, stage), the same every time (property)", () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.emailAddress(),
        fc.constantFrom(...NOTICE_STAGES),
        fc.constantFrom(...NOTICE_STAGES),
        (a, b, s, t) => {
          const id = noticeMessageId("example.com", a, s);
          assert.equal(id, noticeMessageId("example.com", a.toUpperCase(), s));
          assert.match(id, /^<mailshift-notice\.[a-z-]+\.[0-9a-f]{32}@example\.com>$/);
          if (a.toLowerCase() !== b.toLowerCase() || s !== t) assert.notEqual(id, noticeMessageId("example.com", b, t as NoticeStage));
        },
      ),
    );
  });
});

describe("notices/when: maintenance windows in words", () => {
  it("names the day once within a day, both days across midnight, and each offset when they differ", () => {
    assert.equal(
      describeWindow({ start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" }),
      "Saturday 12 December 2026, 20:00 to 23:00 (UTC+01:00)",
    );
    assert.equal(
      describeWindow({ start: "2026-12-31T22:00Z", end: "2027-01-01T02:00Z" }),
      "Thursday 31 December 2026, 22:00 to Friday 1 January 2027, 02:00 (UTC)",
    );
    assert.equal(
      describeWindow({ start: "2026-03-29T01:00+01:00", end: "2026-03-29T04:00+02:00" }),
      "Sunday 29 March 2026, 01:00 (UTC+01:00) to Sunday 29 March 2026, 04:00 (UTC+02:00)",
    );
  });
});
