// The MIME nodemailer builds, read back by a real parser (mailparser): headers decoded to what was composed.
import assert from "node:assert/strict";
import fc from "fast-check";
import { simpleParser, type AddressObject } from "mailparser";
import { composeNotice } from "../../../notices/compose";
import { noticeMime, NOTICE_HEADER } from "../../../notices/mime";
import { NOTICE_STAGES } from "../../../notices/types";
import { person, smallPlan } from "./fixtures";

const one = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a[0] : a)?.value[0];

describe("notices/mime: RFC 5322 messages with a text and an HTML part", () => {
  it("carries the person, the Message-ID, both parts and the auto-generated mark, whatever the name (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(
            fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }),
            fc.constantFrom("Zoë Ångström", "مريم الحسن", "דוד כהן", '"Bob" <b@x>, Eve', "<b>bold</b>"),
          )
          .filter((s) => s.trim() === s && s !== ""),
        fc.constantFrom(...NOTICE_STAGES),
        async (name, stage) => {
          const p = person({ displayName: name });
          const n = composeNotice(smallPlan([p]), p, stage);
          const raw = await noticeMime(n, new Date("2026-12-01T10:00:00Z"));
          assert.ok(/^[\x00-\x7f]*$/.test(raw.toString("latin1")), "the message must be 7-bit: headers and bodies encoded");
          const m = await simpleParser(raw);
          assert.equal(one(m.to)?.address, "bob@example.com");
          assert.equal(one(m.to)?.name, name);
          assert.equal(one(m.from)?.address, "it@example.com");
          assert.equal(m.messageId, n.messageId);
          assert.equal(m.subject, n.subject);
          assert.equal(m.headers.get("auto-submitted"), "auto-generated");
          assert.equal(m.headers.get(NOTICE_HEADER.toLowerCase()), stage);
          assert.equal(m.text, n.text);
          assert.equal(typeof m.html, "string");
          assert.equal((m.html as string).trim(), n.html.trim());
          assert.equal(m.date?.toISOString(), "2026-12-01T10:00:00.000Z");
        },
      ),
      { numRuns: 60 },
    );
  });
});
