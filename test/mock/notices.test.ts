// The notices and the page under pulumi.runtime.setMocks, from the production example stack: per stage, one
// NoticeDelivery per person for that stage's notice only, into the INBOX that person reads, with the backup
// copy where the stack gives an address and a relay; one StakeholderReport at mailshift:report.file.
import assert from "node:assert/strict";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { NOTICE_OF_STAGE } from "../../notices/types";
import { STAGES } from "../../plan/types";
import { NOTICE_DELIVERY_TYPE } from "../../providers/noticeDelivery/resource";
import { STAKEHOLDER_REPORT_TYPE } from "../../providers/stakeholderReport/resource";
import { stackConfig } from "../unit/plan/stackFiles";
import { configFor, runProgram, SECRETS } from "./runProgram";

/** The fields of an input that may be wrapped whole as a secret under mocks (a secret field taints its object). */
const fields = (v: unknown): Record<string, unknown> => {
  const w = v as Record<string, unknown>;
  return (w[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig ? w.value : w) as Record<string, unknown>;
};

describe("notices and the page under mocks: every stage of the production stack", function () {
  this.timeout(60_000);
  const cfg = stackConfig("production");
  const mailboxes = cfg["mailshift:mailboxes"] as { address: string; route: string; sourceUser?: string; backupAddress?: string }[];
  const sub = cfg["mailshift:subdomain"] as string;
  for (const stage of STAGES) {
    const notice = NOTICE_OF_STAGE[stage];
    it(`${stage}: ${notice ? `one ${notice} notice per person, into the INBOX they read` : "no notice"}; the page declared once`, async () => {
      const { declared, exports } = await runProgram(configFor("production", stage));
      const notices = declared.filter((d) => d.type === NOTICE_DELIVERY_TYPE);
      const reports = declared.filter((d) => d.type === STAKEHOLDER_REPORT_TYPE);
      assert.equal(reports.length, 1);
      assert.equal(reports[0]!.inputs.file, path.resolve("reports/production.html"));
      assert.equal(exports.reportFile, path.resolve("reports/production.html"));
      if (!notice) {
        assert.deepEqual(notices, []);
        return;
      }
      assert.equal(notices.length, mailboxes.length);
      for (const m of mailboxes) {
        const n = notices.find((d) => d.inputs.recipient === m.address);
        assert.ok(n, `no notice for ${m.address}`);
        assert.equal(n.inputs.stage, notice);
        const destination = m.route === "imap" ? `${m.address.split("@")[0]}@${sub}` : m.address;
        const login: string = notice === "after-finalize" ? destination : (m.sourceUser ?? m.address);
        assert.equal(n.inputs.appendTo, login);
        const inbox = fields(n.inputs.inbox);
        assert.equal(inbox.user, login);
        if (notice === "after-finalize" && m.route === "exchange") assert.ok(inbox.oauth2, "Exchange is reached with the app");
        else assert.ok(inbox.password !== undefined, "the person's own password, as their migration uses it");
        const backup = n.inputs.backup ? fields(n.inputs.backup) : undefined;
        assert.equal(backup?.address, m.backupAddress);
        if (backup) assert.equal(fields(backup.relay).host, "relay.example-support.net");
        assert.match(String(n.inputs.subject), /email/);
      }
      assert.equal(JSON.stringify(notices).includes(SECRETS.graphClientSecret), false);
    });
  }

  it("without notices.smtp, backup addresses get no copy and noticesDue says why", async () => {
    const notices = { ...(cfg["mailshift:notices"] as Record<string, unknown>) };
    delete notices.smtp;
    const { declared, exports } = await runProgram(configFor("production", "cutover", { "mailshift:notices": notices }));
    const withBackup = mailboxes.find((m) => m.backupAddress)!;
    const n = declared.find((d) => d.type === NOTICE_DELIVERY_TYPE && d.inputs.recipient === withBackup.address)!;
    assert.equal(n.inputs.backup, undefined);
    assert.ok(
      (exports.noticesDue as string[]).some((l) => l.includes(`no copy to ${withBackup.backupAddress}: mailshift:notices.smtp is not set`)),
    );
  });
});
