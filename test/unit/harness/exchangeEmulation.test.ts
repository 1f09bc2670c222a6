// The Exchange Online rules, line by line: what they change and what they leave alone.
import { strict as assert } from "node:assert";
import {
  exchangeAppendFlags,
  exchangeEmulation,
  parseMailboxCommand,
  stripCapabilities,
  withoutKeywordPermission,
  withoutModseq,
} from "../../../harness/exchangeEmulation";

const ctx = { connectionId: 1, from: "client" as const };

describe("Exchange Online emulation rules", () => {
  it("removes CONDSTORE, QRESYNC and MULTIAPPEND from capability lists, keeping the rest", () => {
    assert.equal(
      stripCapabilities("* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ CONDSTORE QRESYNC MULTIAPPEND UIDPLUS] Dovecot ready."),
      "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ UIDPLUS] Dovecot ready.",
    );
    assert.equal(stripCapabilities("* CAPABILITY IMAP4rev1 condstore IDLE"), "* CAPABILITY IMAP4rev1 IDLE");
    assert.equal(stripCapabilities("* 1 FETCH (FLAGS (CONDSTORE))"), "* 1 FETCH (FLAGS (CONDSTORE))");
  });

  it("takes \\* out of PERMANENTFLAGS and mod-sequences out of responses", () => {
    assert.equal(
      withoutKeywordPermission("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted."),
      "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags permitted.",
    );
    assert.deepEqual(withoutModseq("* OK [HIGHESTMODSEQ 17] Highest"), []);
    assert.deepEqual(withoutModseq("* OK [NOMODSEQ] No permanent modsequences"), []);
    assert.equal(
      withoutModseq('* STATUS "Sent Items" (MESSAGES 3 UIDNEXT 4 HIGHESTMODSEQ 9)'),
      '* STATUS "Sent Items" (MESSAGES 3 UIDNEXT 4)',
    );
  });

  it("drops \\Flagged and keywords from APPEND flags, whatever the folder name looks like", () => {
    assert.deepEqual(exchangeAppendFlags('A5 APPEND "Sent Items" (\\Seen \\Flagged $Label1) "01-Jan-2024 10:00:00 +0000" {120}', true), {
      line: 'A5 APPEND "Sent Items" (\\Seen) "01-Jan-2024 10:00:00 +0000" {120}',
      droppedFlagged: true,
    });
    assert.equal(exchangeAppendFlags('A5 APPEND "a (b)" (\\Flagged) {3}', true).line, 'A5 APPEND "a (b)" () {3}');
    assert.equal(exchangeAppendFlags("A5 APPEND INBOX (\\Flagged) {3}", false).line, "A5 APPEND INBOX (\\Flagged) {3}");
    assert.equal(exchangeAppendFlags("A5 APPEND INBOX {3}", true).line, "A5 APPEND INBOX {3}");
    assert.equal(exchangeAppendFlags("A5 STORE 1 +FLAGS (\\Flagged)", true).line, "A5 STORE 1 +FLAGS (\\Flagged)");
  });

  it("parses the mailbox of a command, quoted or atom", () => {
    assert.deepEqual(parseMailboxCommand('A1 CREATE "Projects/Q1 \\"plan\\"."'), {
      tag: "A1",
      verb: "CREATE",
      mailbox: 'Projects/Q1 "plan".',
      restAt: 33,
    });
    assert.equal(parseMailboxCommand("A1 create Archive")?.mailbox, "Archive");
    assert.equal(parseMailboxCommand("A1 NOOP"), undefined);
  });

  it("answers every k-th APPEND as throttled, oversized APPENDs as too big, bad folder names as NO; the rest goes through", () => {
    const { rules, stats } = exchangeEmulation({ throttleEvery: 3, backoffMs: 150, maxAppendBytes: 1000 });
    const answers = [1, 2, 3, 4, 5, 6].map((i) => rules.intercept!(`A${i} APPEND INBOX () {10}`, { ...ctx, literalSize: 10 }));
    assert.deepEqual(
      answers.map((a) => a?.reply[0]),
      [
        undefined,
        undefined,
        "A3 NO Request is throttled. Suggested Backoff Time: 150 milliseconds",
        undefined,
        undefined,
        "A6 NO Request is throttled. Suggested Backoff Time: 150 milliseconds",
      ],
    );
    assert.equal(
      rules.intercept!("A7 APPEND INBOX () {5000}", { ...ctx, literalSize: 5000 })?.reply[0],
      "A7 NO Maximum size of appendable message has been exceeded.",
    );
    assert.equal(rules.intercept!('A8 CREATE "Projects/v1."', ctx)?.reply[0], "A8 NO Folder name is not valid.");
    assert.equal(rules.intercept!('A9 CREATE "Projects/v1.5"', ctx), undefined);
    assert.deepEqual(stats, { appends: 7, throttled: 2, tooBig: 1, rejectedFolders: ["Projects/v1."], flaggedDropped: 0 });
  });
});
