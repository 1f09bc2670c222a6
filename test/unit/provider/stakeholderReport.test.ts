// StakeholderReport's provider on a real file: create writes the page, a second up with the same data plans
// nothing, new counts or a page removed by hand plan a rewrite, and the DNS changes keep their deployment time.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { create, diff, update, type ReportInputs } from "../../../providers/stakeholderReport/operations";
import type { ReportData } from "../../../report/types";

const data: ReportData = {
  stage: "cutover",
  mailboxes: [{ source: "bob@example.com", destination: "bob@mail2.example.com", route: "imap" }],
  dnsChanges: [
    {
      action: "change",
      type: "MX",
      name: "example.com",
      from: { value: "10 mx.old.net", ttl: 300 },
      to: { value: "10 mx.new.net", ttl: 300 },
    },
  ],
  addressChanges: [],
  warnings: [],
  notes: [],
  contact: { name: "IT help desk", phone: "+1 555 0100" },
};
const plain = (v: object) => v as unknown as Record<string, unknown>;

describe("providers/stakeholderReport: the page on disk", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-report-provider-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the page, plans nothing for the same data, and rewrites it for new counts or when it was removed", async () => {
    const i: ReportInputs = { file: path.join(dir, "pages", "report.html"), data };
    const made = await create(plain(i));
    assert.equal(made.id, i.file);
    assert.match(fs.readFileSync(i.file, "utf8"), /bob@example\.com/);
    // the state's round trip reorders keys: still the same
    const roundTrip = JSON.parse(
      JSON.stringify({
        ...made.outs,
        data: { ...data, mailboxes: [{ route: "imap", destination: "bob@mail2.example.com", source: "bob@example.com" }] },
      }),
    );
    assert.equal((await diff(i.file, roundTrip, plain(i))).changes, false);
    const counted: ReportData = {
      ...data,
      mailboxes: [
        {
          ...data.mailboxes[0]!,
          progress: {
            onSource: 5,
            onDestination: 5,
            copied: 5,
            skipped: 0,
            bytesCopied: 10,
            verified: true,
            folders: [],
            skippedMessages: [],
            skippedOmitted: 0,
          },
        },
      ],
    };
    assert.equal((await diff(i.file, made.outs, plain({ ...i, data: counted }))).changes, true);
    fs.rmSync(i.file);
    assert.equal((await diff(i.file, made.outs, plain(i))).changes, true);
  });

  it("keeps the time the DNS changes were made across rewrites of the same stage, and takes a new one when they change", async () => {
    const i: ReportInputs = { file: path.join(dir, "report.html"), data };
    const first = (await create(plain(i))).outs as { deployedAt: string };
    await new Promise((r) => setTimeout(r, 5));
    const again = (await update(i.file, first, plain({ ...i, data: { ...data, warnings: ["w"] } }))).outs as { deployedAt: string };
    assert.equal(again.deployedAt, first.deployedAt);
    const finalize = (await update(i.file, again, plain({ ...i, data: { ...data, stage: "finalize", dnsChanges: [] } }))).outs as {
      deployedAt: string;
    };
    assert.notEqual(finalize.deployedAt, first.deployedAt);
  });

  it("says which setting to fix when the page cannot be written", async () => {
    fs.writeFileSync(path.join(dir, "file"), "");
    await assert.rejects(create(plain({ file: path.join(dir, "file", "report.html"), data })), /cannot write .*set mailshift:report\.file/);
  });
});
