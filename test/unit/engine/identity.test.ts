// The arrival check and the next pass must agree on what "the same message" is, whatever a server does to the bytes
// it stores: otherwise a copy accepted on arrival is copied again by every later pass. Each case below is something
// a real server does on APPEND (harness/SERVERS.md): the bytes are altered here as that server alters them, and both
// sides are read back the way the engine reads them (Message-ID, size, date; digests where needDigests asks).
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { compareCopy, digestsOf, messageIdOf, needDigests, type MessageMeta } from "../../../engine/identity";
import { folderDelta } from "../../../engine/missing";

type Alter = (raw: Buffer) => Buffer;

const headerEnd = (raw: Buffer) => {
  const i = raw.indexOf("\r\n\r\n");
  return i < 0 ? raw.length : i;
};

/** What servers do on APPEND, as measured on the real servers. */
const SERVERS: Record<string, Alter> = {
  "keeps the bytes": (raw) => raw,
  "Courier: strips bare CRs": (raw) => Buffer.from(raw.toString("latin1").replace(/\r(?!\n)/g, ""), "latin1"),
  "Dovecot: a bare CR becomes CRLF": (raw) => Buffer.from(raw.toString("latin1").replace(/\r(?!\n)/g, "\r\n"), "latin1"),
  "bare LF becomes CRLF": (raw) => Buffer.from(raw.toString("latin1").replace(/(?<!\r)\n/g, "\r\n"), "latin1"),
  "Cyrus: munge8bit, 8-bit header bytes become X": (raw) => {
    const out = Buffer.from(raw);
    for (let i = 0; i < headerEnd(raw); i++) if (out[i] >= 0x80) out[i] = 0x58;
    return out;
  },
  "Exchange Online: its own rendering": (raw) =>
    Buffer.concat([Buffer.from("X-MS-Exchange-Organization-Id: 1\r\n"), raw, Buffer.from("\r\n")]),
};

interface Mail {
  raw: Buffer;
  date: number;
}

const mailArb: fc.Arbitrary<Mail> = fc
  .record({
    id: fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/), { nil: undefined }),
    eightBitId: fc.boolean(),
    subject: fc.uint8Array({ minLength: 0, maxLength: 12 }),
    body: fc.array(fc.constantFrom("line", "\r", "\n", "\r\n", "x", "\u00e9"), { maxLength: 12 }),
    second: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ id, eightBitId, subject, body, second }) => {
    const head = [
      `From: a@example.com`,
      `Subject: ${Buffer.from(subject)
        .toString("latin1")
        .replace(/[\r\n]/g, "")}`,
      ...(id === undefined ? [] : [`Message-ID: <${id}${eightBitId ? "\u00e9" : ""}@example.com>`]),
    ].join("\r\n");
    return { raw: Buffer.from(`${head}\r\n\r\n${body.join("")}\r\n`, "latin1"), date: 1_700_000_000_000 + second * 1000 };
  });

let uid = 0;
function metaOf(raw: Buffer, date: number): MessageMeta {
  return { uid: ++uid, flags: [], internalDate: date, size: raw.length, messageId: messageIdOf(raw.subarray(0, headerEnd(raw) + 2)) };
}

/** A pass's view: both sides listed, digests read where needDigests asks, as copyFolder and verify do. */
function pass(sources: Mail[], stored: Mail[]) {
  const src = sources.map((m) => ({ m, meta: metaOf(m.raw, m.date) }));
  const dst = stored.map((m) => ({ m, meta: metaOf(m.raw, m.date) }));
  const wanted = needDigests(
    [src.map((s) => s.meta)],
    dst.map((d) => d.meta),
  );
  for (const x of [...src, ...dst])
    if (wanted.sources[0].includes(x.meta) || wanted.dest.includes(x.meta)) Object.assign(x.meta, digestsOf(x.m.raw));
  return {
    src,
    dst,
    delta: folderDelta(
      [src.map((s) => s.meta)],
      dst.map((d) => d.meta),
    ),
  };
}

describe("message identity across servers (the arrival check and the next pass agree)", () => {
  for (const [server, alter] of Object.entries(SERVERS)) {
    it(`${server}: what the arrival check accepts, the next pass finds, and nothing is copied twice`, () => {
      fc.assert(
        fc.property(
          fc.array(mailArb, { minLength: 1, maxLength: 8 }),
          fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
          (mails, copiedYet) => {
            // Some messages were copied by an earlier (interrupted) pass; the rest are still to copy.
            const copied = mails.filter((_, i) => copiedYet[i]);
            const stored = copied.map((m) => ({ raw: alter(m.raw), date: m.date }));
            // The arrival check of the pass that copied them: each sent message against its stored copy.
            for (const [i, m] of copied.entries()) {
              const sent = metaOf(m.raw, m.date);
              if (!sent.messageId) Object.assign(sent, digestsOf(m.raw));
              const copy = metaOf(stored[i].raw, stored[i].date);
              if (sent.contentDigest) Object.assign(copy, digestsOf(stored[i].raw));
              assert.notEqual(compareCopy(sent, copy), "different", "the arrival check accepts the copy");
            }
            // The next pass, with no state: exactly the messages not copied yet are to copy.
            const next = pass(mails, stored);
            assert.equal(next.delta.toCopy.length, mails.length - copied.length);
            const mailOf = (meta: MessageMeta) => next.src.find((x) => x.meta === meta)!.m;
            // What a server leaves distinguishable, the pass picks exactly (as far as the engine tells messages apart:
            // content shape, date, Message-ID). A full rewrite of messages without a Message-ID is told by count only.
            if (server !== "Exchange Online: its own rendering") {
              const told = (m: Mail) => `${digestsOf(m.raw).shapeDigest} ${m.date} ${messageIdOf(m.raw).replace(/[^\x00-\x7f]/g, "X")}`;
              const expected = mails
                .filter((_, i) => !copiedYet[i])
                .map(told)
                .sort();
              assert.deepEqual(next.delta.toCopy.map((r) => told(mailOf(r.meta))).sort(), expected);
            }
            // And after copying those, a third pass copies nothing.
            const all = [...stored, ...next.delta.toCopy.map((r) => ({ raw: alter(mailOf(r.meta).raw), date: mailOf(r.meta).date }))];
            assert.equal(pass(mails, all).delta.toCopy.length, 0, "a resync never adds a copy");
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it("does not take mail of the user's own (with a Message-ID) for the copy of a message without one", () => {
    const mine = Buffer.from("Message-ID: <own@x>\r\nSubject: hi\r\n\r\nbody\r\n");
    const theirs = Buffer.from("Subject: no id\r\n\r\nbody\r\n");
    const { delta } = pass([{ raw: theirs, date: 1_700_000_000_000 }], [{ raw: mine, date: 1_700_000_000_000 }]);
    assert.deepEqual([delta.toCopy.length, delta.destinationOnly], [1, 1]);
  });
});
