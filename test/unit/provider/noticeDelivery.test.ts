// NoticeDelivery's decisions without a server: which login it refuses before anything is sent, and when a
// second `pulumi up` delivers (never, unless the person, stage or INBOX changed, or a backup copy is pending).
import assert from "node:assert/strict";
import { check, diff } from "../../../providers/noticeDelivery/operations";
import type { NoticeDeliveryInputs, NoticeDeliveryOutputs } from "../../../providers/noticeDelivery/types";
import { relayFromConfig } from "../../../notices/relay";
import { PlanError } from "../../../plan/errors";

const inputs: NoticeDeliveryInputs = {
  stage: "before-cutover",
  recipient: "eve@example.com",
  recipientName: "Eve",
  subject: "Your email is moving: what to do",
  messageId: "<mailshift-notice.before-cutover.abc@example.com>",
  from: { name: "IT", address: "it@example.com" },
  text: "t",
  html: "<p>h</p>",
  inboxHost: "old",
  appendTo: "eve",
  inbox: { host: "imap.old.example.net", port: 993, user: "eve", password: "pw-eve" },
};
const delivered: NoticeDeliveryOutputs = {
  ...inputs,
  inbox: { host: "imap.old.example.net", port: 993, user: "eve" },
  inboxResult: "delivered",
  inboxAt: "2026-12-02T10:00:00.000Z",
};
const relay = { host: "127.0.0.1", port: 2525, secure: false, requireTls: false };
const plain = (v: object) => v as unknown as Record<string, unknown>;

describe("providers/noticeDelivery: check and diff", () => {
  it("check refuses an INBOX login that is not the person's own, naming both", async () => {
    const r = await check({}, plain({ ...inputs, inbox: { ...inputs.inbox, user: "bob" } }));
    assert.deepEqual(r.failures, [
      { property: "inbox.user", reason: "the before-cutover notice for eve@example.com goes only into the INBOX of eve, not of bob" },
    ]);
    assert.deepEqual((await check({}, plain({ ...inputs, inbox: { ...inputs.inbox, user: "EVE" } }))).failures, []);
  });

  it("a delivered notice has nothing to do on the next up, even when its words or the password change", async () => {
    assert.equal((await diff("id", plain(delivered), plain(inputs))).changes, false);
    const reworded = { ...inputs, subject: "new words", text: "x", inbox: { ...inputs.inbox, password: "rotated" } };
    assert.equal((await diff("id", plain(delivered), plain(reworded))).changes, false);
  });

  it("another person, stage or INBOX replaces: that one has not been told", async () => {
    for (const news of [
      { ...inputs, recipient: "bob@example.com", appendTo: "bob", inbox: { ...inputs.inbox, user: "bob" } },
      { ...inputs, stage: "at-cutover" },
      { ...inputs, inbox: { ...inputs.inbox, host: "imap2.old.example.net" } },
    ]) {
      const d = await diff("id", plain(delivered), plain(news));
      assert.equal(d.changes, true);
      assert.ok((d.replaces ?? []).length > 0);
    }
  });

  it("a backup copy not sent yet (new address, or the relay failed last time) updates; one sent does not", async () => {
    const withBackup = { ...inputs, backup: { address: "eve@private.example.org", relay } };
    assert.deepEqual(await diff("id", plain(delivered), plain(withBackup)), { changes: true, replaces: [], deleteBeforeReplace: false });
    const failed = { ...delivered, backupAddress: "eve@private.example.org", lastError: "relay down" };
    assert.equal((await diff("id", plain(failed), plain(withBackup))).changes, true);
    const sent = { ...failed, backupSentAt: "2026-12-02T10:00:01.000Z" };
    assert.equal((await diff("id", plain(sent), plain(withBackup))).changes, false);
    const moved = { ...withBackup, backup: { address: "eve@other.example.org", relay } };
    assert.equal((await diff("id", plain(sent), plain(moved))).changes, true);
  });
});

describe("notices/relay: mailshift:notices.smtp", () => {
  it("reads the URL, takes the password from the secret, and names the key and the command in errors", () => {
    assert.equal(relayFromConfig(undefined, undefined), undefined);
    assert.deepEqual(relayFromConfig("smtps://it@relay.example.net", "s3cret"), {
      host: "relay.example.net",
      port: 465,
      secure: true,
      requireTls: false,
      user: "it",
      password: "s3cret",
    });
    assert.throws(
      () => relayFromConfig("smtp://it@relay.example.net:587", undefined),
      (e: unknown) =>
        e instanceof PlanError &&
        e.message ===
          "mailshift:notices.smtp: names the user it: set mailshift:smtpPassword (pulumi config set --secret mailshift:smtpPassword)",
    );
  });
});
