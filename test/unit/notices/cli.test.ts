import assert from "node:assert/strict";
import { UsageError } from "../../../engine/errors";
import { composeNotices } from "../../../notices/compose";
import { emlName, loginsFor, parseNoticesArgs, parseSmtpUrl } from "../../../cli/notices";
import { person, smallPlan } from "./fixtures";

const usage = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: Error) => e instanceof UsageError && re.test(e.message));

describe("cli/notices: the command line of mailshift notices", () => {
  it("reads review and send command lines", () => {
    assert.deepEqual(parseNoticesArgs(["--stack-outputs", "o.json", "--out", "dir", "--notice", "all"]), {
      stackOutputs: "o.json",
      out: "dir",
      notice: "all",
      send: false,
      sent: "mailshift-notices-sent.json",
    });
    assert.deepEqual(
      parseNoticesArgs([
        "--stack-outputs=o.json",
        "--send",
        "--mailboxes",
        "m.json",
        "--smtp",
        "smtp://127.0.0.1:2525",
        "--sent",
        "s.json",
      ]),
      {
        stackOutputs: "o.json",
        send: true,
        mailboxes: "m.json",
        smtp: "smtp://127.0.0.1:2525",
        sent: "s.json",
      },
    );
  });

  it("refuses what cannot work, saying what to give", () => {
    usage(() => parseNoticesArgs(["--out", "d"]), /needs --stack-outputs/);
    usage(() => parseNoticesArgs(["--stack-outputs", "o.json"]), /needs --out DIR \(write for review\) or --send/);
    usage(() => parseNoticesArgs(["--stack-outputs", "o.json", "--send"]), /--send needs --mailboxes FILE\.json/);
    usage(
      () => parseNoticesArgs(["--stack-outputs", "o.json", "--send", "--mailboxes", "m", "--notice", "all"]),
      /--notice all is for review/,
    );
    usage(
      () => parseNoticesArgs(["--stack-outputs", "o.json", "--out", "d", "--notice", "later"]),
      /--notice takes before-cutover, at-cutover, after-finalize or all/,
    );
    usage(() => parseNoticesArgs(["--stack-outputs", "o.json", "--out", "d", "--smtp", "smtp://h:25"]), /--smtp is only used with --send/);
    usage(() => parseNoticesArgs(["--stack-outputs", "o.json", "--out", "d", "--password", "x"]), /passwords never go on the command line/);
  });

  it("reads the SMTP relay URL: TLS required off loopback, the password only from the environment", () => {
    assert.deepEqual(parseSmtpUrl("smtp://127.0.0.1:2525", {}), { host: "127.0.0.1", port: 2525, secure: false, requireTls: false });
    assert.deepEqual(parseSmtpUrl("smtp://relay.example.net", {}), {
      host: "relay.example.net",
      port: 587,
      secure: false,
      requireTls: true,
    });
    assert.deepEqual(parseSmtpUrl("smtps://it%40example.com@relay.example.net", { MAILSHIFT_SMTP_PASSWORD: "pw" }), {
      host: "relay.example.net",
      port: 465,
      secure: true,
      requireTls: false,
      user: "it@example.com",
      password: "pw",
    });
    usage(() => parseSmtpUrl("smtp://u:pw@relay.example.net", {}), /do not put the password in the URL/);
    usage(() => parseSmtpUrl("smtp://u@relay.example.net", {}), /set MAILSHIFT_SMTP_PASSWORD/);
    usage(() => parseSmtpUrl("http://relay.example.net", {}), /scheme "http" is not supported/);
  });

  it("finds each person's own login in the mailbox list, and says when there is none or more than one", () => {
    const people = [
      person(),
      person({ source: "eve@example.com", sourceUser: "eve", displayName: "Eve", destination: "eve@mail2.example.com" }),
      person({ source: "dan@example.com", sourceUser: "dan@example.com", destination: "dan@mail2.example.com" }),
    ];
    const ep = (user: string, host = "127.0.0.1") => ({ host, port: 143, tls: "starttls" as const, user, password: "x" });
    const list = [
      { entry: "mailboxes[0]", from: ep("BOB@example.com"), to: ep("bob@mail2.example.com", "127.0.0.3") },
      { entry: "mailboxes[1]", from: ep("dan@example.com"), to: ep("dan@mail2.example.com", "127.0.0.3") },
      { entry: "mailboxes[2]", from: ep("dan@example.com", "127.0.0.2"), to: ep("dan@mail2.example.com", "127.0.0.4") },
    ];
    const [bob, eve, dan] = composeNotices(smallPlan(people), "at-cutover");
    const logins = loginsFor([bob!, eve!, dan!], list, "m.json");
    assert.deepEqual(
      [(logins.get(bob!) as { user: string }).user, (logins.get(bob!) as { host: string }).host],
      ["BOB@example.com", "127.0.0.1"],
    );
    assert.match(
      logins.get(eve!) as string,
      /m\.json has no entry whose "from" logs in as eve; add one to deliver the notice for eve@example\.com/,
    );
    assert.match(
      logins.get(dan!) as string,
      /m\.json has 2 entries whose "from" logs in as dan@example\.com \(mailboxes\[1\], mailboxes\[2\]\)/,
    );
    // after finalize: the new mailbox, by the entry's "to"
    const [bobLater, eveLater] = composeNotices(smallPlan(people), "after-finalize");
    const later = loginsFor([bobLater!, eveLater!], list, "m.json");
    assert.deepEqual(
      [(later.get(bobLater!) as { user: string }).user, (later.get(bobLater!) as { host: string }).host],
      ["bob@mail2.example.com", "127.0.0.3"],
    );
    assert.match(later.get(eveLater!) as string, /no entry whose "to" logs in as eve@mail2\.example\.com/);
  });

  it("names review files by address and stage, never with a path separator", () => {
    const [n] = composeNotices(smallPlan([person()]), "before-cutover");
    assert.equal(emlName(n!), "bob@example.com.before-cutover.eml");
    assert.equal(emlName({ ...n!, to: { ...n!.to, address: "../../etc/passwd" } }), ".._.._etc_passwd.before-cutover.eml");
  });
});
