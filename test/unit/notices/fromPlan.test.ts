import assert from "node:assert/strict";
import { noticesDue } from "../../../notices/due";
import { noticePlanFromOutputs, NoticeInputError } from "../../../notices/fromOutputs";
import { securityOf } from "../../../notices/fromPlan";
import { stackNoticePlan } from "./fixtures";

describe("notices/fromPlan and fromOutputs: the `notices` stack output", () => {
  const production = stackNoticePlan("production");

  it("lists every mailbox of the production stack with its login, route, new address and backup address", () => {
    assert.deepEqual(
      production.people.map((p) => [p.source, p.sourceUser, p.route, p.destination, p.addressChanges, p.backupAddress ?? null]),
      [
        ["alice@example.com", "alice@example.com", "exchange", "alice@example.com", false, "alice.martin@gmail.example.net"],
        ["ceo@example.com", "ceo@example.com", "exchange", "ceo@example.com", false, null],
        ["sales@example.com", "sales@example.com", "exchange", "sales@example.com", false, null],
        ["bob@example.com", "bob@example.com", "imap", "bob@mail2.example.com", true, null],
        ["archive@example.com", "archive@example.com", "imap", "archive@mail2.example.com", true, null],
        ["eve@example.com", "eve", "imap", "eve@mail2.example.com", true, null],
      ],
    );
    assert.equal(production.oldAddressForwarded, true, "production routes mailboxes to Exchange, which forwards moved addresses");
    assert.deepEqual(production.from, { name: "Example IT", address: "it@example.com" });
  });

  it("defaults the sender to the contact's name at postmaster@<domain>", () => {
    const staging = stackNoticePlan("staging");
    assert.deepEqual(staging.from, { name: "IT rehearsal desk", address: "postmaster@staging-example.com" });
  });

  it("derives the security from the port: implicit TLS on 993 and 465, STARTTLS elsewhere", () => {
    assert.deepEqual([993, 465, 143, 587, 25].map(securityOf), ["SSL/TLS", "SSL/TLS", "STARTTLS", "STARTTLS", "STARTTLS"]);
  });

  it("reads back from `pulumi stack output --json` as the program exported it, ignoring everything else", () => {
    const outputs = JSON.parse(JSON.stringify({ stage: "cutover", notices: production, graphClientSecret: "SECRET-do-not-read" }));
    const read = noticePlanFromOutputs(outputs, "out.json");
    assert.equal(read.stage, "cutover");
    assert.deepEqual(read.plan, production);
    assert.ok(!JSON.stringify(read).includes("SECRET"));
  });

  it("says what to do when the stack has no notices, and names the file and field of a broken one", () => {
    assert.throws(
      () => noticePlanFromOutputs({ stage: "copy" }, "out.json"),
      (e: Error) => e instanceof NoticeInputError && /out\.json: the stack has no "notices" output: set mailshift:notices/.test(e.message),
    );
    const broken = JSON.parse(JSON.stringify(production));
    broken.people[3].route = "pigeon";
    assert.throws(
      () => noticePlanFromOutputs({ stage: "copy", notices: broken }, "out.json"),
      /out\.json: notices\.people\[3\]\.route is "pigeon"/,
    );
    assert.throws(() => noticePlanFromOutputs({ stage: "later", notices: production }, "out.json"), /output "stage" is "later"/);
  });
});

describe("notices/due: who is told what at a stage (the noticesDue output)", () => {
  it("lists every person with the notice of the stage and both channels; nothing in prepare", () => {
    const plan = stackNoticePlan("production");
    assert.deepEqual(noticesDue(plan, "prepare"), []);
    const due = noticesDue(plan, "cutover");
    assert.equal(due.length, plan.people.length);
    assert.equal(
      due[0],
      "alice@example.com: the at-cutover notice, into the INBOX of alice@example.com on the old host and by SMTP to alice.martin@gmail.example.net (sent once by pulumi up)",
    );
    assert.equal(due[5], "eve@example.com: the at-cutover notice, into the INBOX of eve on the old host (sent once by pulumi up)");
    assert.match(noticesDue(plan, "copy")[0]!, /the before-cutover notice/);
    assert.equal(
      noticesDue(plan, "finalize")[3],
      "bob@example.com: the after-finalize notice, into the INBOX of bob@mail2.example.com on the new host (sent once by pulumi up)",
    );
  });
});
