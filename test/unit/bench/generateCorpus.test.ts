// The scale benchmark's corpus: the same seed gives the same mail, and the sizes follow the mix
// (most messages a few KB to tens of KB, a few percent with attachments of several MB, a folder tree).
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  ATTACHMENT_MAX,
  ATTACHMENT_MIN,
  FOLDERS,
  planMailbox,
  planMessage,
  renderMessage,
  TEXT_MAX,
  TEXT_MIN,
} from "../../../bench/generateCorpus";
import { maildirFileName, maildirFolderDir, maildirInfo } from "../../../bench/maildirLoad";

const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("bench corpus generator", () => {
  it("gives the same plan and the same bytes for the same seed, mailbox and index", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.nat(300), fc.nat(5000), (seed, mailbox, index) => {
        const a = planMessage(seed, mailbox, index, 0);
        const b = planMessage(seed, mailbox, index, 0);
        assert.deepEqual(a, b);
        assert.equal(digest(renderMessage(a)), digest(renderMessage(b)));
      }),
      { numRuns: 50 },
    );
  });

  it("gives different mail for different seeds and different mailboxes", () => {
    const ids = new Set<string>();
    for (const seed of [1, 2])
      for (let mb = 0; mb < 3; mb++)
        for (const p of planMailbox({ seed, mailboxes: 3, messagesPerMailbox: 50 }, mb)) {
          const raw = renderMessage({ ...p, attachmentBytes: 0 });
          ids.add(digest(raw));
        }
    assert.equal(ids.size, 2 * 3 * 50);
  });

  it("makes most messages a few KB to tens of KB and about 3% carry an attachment of 1-6 MB", () => {
    const n = 20_000;
    const texts: number[] = [];
    let withAttachment = 0;
    const folders = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const p = planMessage(7, i % 250, Math.floor(i / 250));
      texts.push(p.textBytes);
      assert.ok(p.textBytes >= TEXT_MIN && p.textBytes <= TEXT_MAX, `text size ${p.textBytes}`);
      if (p.attachmentBytes > 0) {
        withAttachment += 1;
        assert.ok(p.attachmentBytes >= ATTACHMENT_MIN && p.attachmentBytes <= ATTACHMENT_MAX, `attachment ${p.attachmentBytes}`);
      }
      const f = p.folder.join("/") || "INBOX";
      folders.set(f, (folders.get(f) ?? 0) + 1);
    }
    texts.sort((a, b) => a - b);
    const median = texts[n / 2];
    assert.ok(median > 4_000 && median < 12_000, `median text size ${median}`);
    const inRange = texts.filter((t) => t >= 2_000 && t <= 100_000).length / n;
    assert.ok(inRange > 0.85, `share between 2 KB and 100 KB: ${inRange}`);
    const rate = withAttachment / n;
    assert.ok(rate > 0.025 && rate < 0.035, `attachment rate ${rate}`);
    // every folder of the tree gets mail, roughly in its share, and nested folders exist
    for (const f of FOLDERS) {
      const share = (folders.get(f.path.join("/") || "INBOX") ?? 0) / n;
      assert.ok(Math.abs(share - f.weight) < 0.02, `${f.path.join("/") || "INBOX"}: ${share} vs ${f.weight}`);
    }
    assert.ok(FOLDERS.some((f) => f.path.length >= 3));
  });

  it("renders a message whose size follows the plan, with the attachment base64-encoded", () => {
    const p = { ...planMessage(3, 0, 0), attachmentBytes: 2_000_000 };
    const raw = renderMessage(p);
    assert.ok(raw.length > p.textBytes + (2_000_000 * 4) / 3 && raw.length < p.textBytes + 2_000_000 * 1.4 + 4_000, `size ${raw.length}`);
    const text = raw.toString("utf8");
    assert.match(text, /^Content-Transfer-Encoding: base64$/m);
    assert.match(text, /^Message-ID: <bench\.[0-9a-f]+\.0\.0@old\.example\.com>$/m);
    assert.ok(!text.includes("\r"), "maildir files use LF line endings");
  });
});

describe("bench maildir loader naming", () => {
  it("writes flags as maildir letters in ASCII order", () => {
    assert.equal(maildirInfo(["\\Seen", "\\Flagged", "\\Answered"]), ":2,FRS");
    assert.equal(maildirInfo([]), ":2,");
  });

  it("maps folder paths to Maildir++ directories below the INBOX root", () => {
    assert.equal(maildirFolderDir([]), "");
    assert.equal(maildirFolderDir(["Projects", "Alpha", "Specs"]), ".Projects.Alpha.Specs");
    assert.throws(() => maildirFolderDir(["a.b"]), /"a\.b" cannot be stored in Maildir\+\+/);
  });

  it("records the file size (S=) and the CRLF size IMAP reports (W=) in the name", () => {
    const p = planMessage(1, 0, 0, 0);
    const raw = Buffer.from("a\nb\n");
    assert.match(maildirFileName(p, raw, ""), /,S=4,W=6:2,/);
  });
});
