import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { Progress } from "../../../engine";
import { progressLine, Throttle } from "../../../providers/mailboxMigration/progressLine";
import { engineAddressOf, looksLikeAddress, statusSink } from "../../../providers/mailboxMigration/engineLog";

const p = (over: Partial<Progress>): Progress => ({
  mailbox: "bob@old:143",
  folder: "INBOX",
  folderIndex: 0,
  folderCount: 3,
  copied: 0,
  toCopy: 0,
  bytesCopied: 0,
  bytesToCopy: 0,
  ...over,
});

describe("MailboxMigration progress", () => {
  it("says which folder, how far, in messages and MB", () => {
    assert.equal(
      progressLine(p({ folder: "Sent", folderIndex: 1, copied: 120, toCopy: 300, bytesCopied: 5 * 1048576, bytesToCopy: 12.25 * 1048576 })),
      'bob@old:143: folder "Sent" (2/3); this pass copied 120 of 300 messages found missing so far (5.0 MB of 12.3 MB)',
    );
    assert.equal(progressLine(p({})), 'bob@old:143: folder "INBOX" (1/3); nothing to copy so far');
  });

  it("throttles: at most one line per interval, but always on a new folder and at a folder's end", () => {
    const t = new Throttle(2000);
    assert.equal(t.shouldSay(p({ copied: 1, toCopy: 10 }), 0), true);
    assert.equal(t.shouldSay(p({ copied: 2, toCopy: 10 }), 500), false);
    assert.equal(t.shouldSay(p({ copied: 3, toCopy: 10 }), 2100), true);
    assert.equal(t.shouldSay(p({ copied: 10, toCopy: 10 }), 2200), true);
    assert.equal(t.shouldSay(p({ folder: "Sent", copied: 10, toCopy: 20 }), 2300), true);
  });

  it("property: a steady stream of progress yields at most one line per interval plus folder changes", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 300 }), (gaps) => {
        const t = new Throttle(1000);
        let now = 0;
        let said = 0;
        gaps.forEach((g, i) => {
          now += g;
          if (t.shouldSay(p({ copied: i + 1, toCopy: 1000 }), now)) said += 1;
        });
        assert.ok(said <= Math.floor(now / 1000) + 1, `${said} lines in ${now} ms`);
      }),
    );
  });

  it("recognizes the engine address the host is started with", () => {
    assert.equal(looksLikeAddress("127.0.0.1:40123"), true);
    assert.equal(looksLikeAddress("localhost:5"), true);
    assert.equal(looksLikeAddress("dist/test/provider/host.test.js"), false);
    assert.equal(looksLikeAddress(undefined), false);
    assert.equal(engineAddressOf(["--logtostderr", "-v=9", "--tracing", "file:/tmp/t", "127.0.0.1:40123"]), "127.0.0.1:40123");
    assert.equal(engineAddressOf([]), undefined);
  });

  it("without an engine address, says it on stderr (which the engine shows), secrets redacted", async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const sink = statusSink("urn:pulumi:s::p::t::n", ["hunter2-pw"], undefined);
      sink.status("copying with hunter2-pw");
      sink.say("warning", "careful");
      await sink.flush();
    } finally {
      process.stderr.write = write;
    }
    assert.deepEqual(lines, ["[mailshift] copying with [secret]\n", "[mailshift] warning: careful\n"]);
  });
});
