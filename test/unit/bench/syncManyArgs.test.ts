// `mailshift sync-many`: its command line and mailbox list file, parsed without any server.
import { strict as assert } from "node:assert";
import { UsageError } from "../../../engine";
import { exitCodeOf, parseMailboxList, parseSyncManyArgs, progressOf, totalsOfMany, type MailboxResult } from "../../../cli/syncMany";

const env = { MAILSHIFT_FROM_PASSWORD: "from-secret", MAILSHIFT_TO_PASSWORD: "to-secret", ALICE_PW: "alice-secret" };
const list = (entries: unknown) => JSON.stringify({ mailboxes: entries });

describe("mailshift sync-many arguments", () => {
  it("reads --mailboxes, --parallel (default 4), --connections, --state, --no-server-state and --json", () => {
    assert.deepEqual(parseSyncManyArgs(["--mailboxes", "m.json"]), {
      mailboxesFile: "m.json",
      parallel: 4,
      connections: undefined,
      stateFile: undefined,
      serverState: true,
      json: false,
    });
    assert.deepEqual(
      parseSyncManyArgs(["--mailboxes=m.json", "--parallel", "8", "--connections=2", "--state", "s.json", "--no-server-state", "--json"]),
      {
        mailboxesFile: "m.json",
        parallel: 8,
        connections: 2,
        stateFile: "s.json",
        serverState: false,
        json: true,
      },
    );
  });

  it("refuses a missing list, a bad number, an unknown option and credentials on the command line", () => {
    assert.throws(
      () => parseSyncManyArgs([]),
      (e: Error) => e instanceof UsageError && /needs --mailboxes FILE\.json/.test(e.message),
    );
    assert.throws(
      () => parseSyncManyArgs(["--mailboxes", "m.json", "--parallel", "0"]),
      /--parallel takes a positive whole number, not "0"/,
    );
    assert.throws(() => parseSyncManyArgs(["--mailboxes", "m.json", "--bogus"]), /unknown option "--bogus"/);
    assert.throws(() => parseSyncManyArgs(["--mailboxes", "m.json", "--from", "imap://a@b"]), /not "--from" on the command line/);
    assert.throws(() => parseSyncManyArgs(["--mailboxes", "m.json", "--password", "x"]), /not "--password" on the command line/);
    assert.throws(() => parseSyncManyArgs(["--mailboxes", "a", "--mailboxes", "b"]), /--mailboxes is given more than once/);
  });
});

describe("mailshift sync-many mailbox list", () => {
  it("takes passwords from the default variables, a named variable, or the file itself when it is private", () => {
    const pairs = parseMailboxList(
      list([
        { from: "imap://bob@old.example:143", to: "imap://bob@new.example:143" },
        {
          from: "imap://alice@old.example:143",
          fromPasswordEnv: "ALICE_PW",
          to: "imap://alice@new.example:143",
          toPassword: "inline-secret",
        },
      ]),
      "m.json",
      env,
      true,
    );
    assert.deepEqual(
      pairs.map((p) => [p.entry, p.from.user, p.from.password, p.to.host, p.to.password]),
      [
        ["mailboxes[0]", "bob", "from-secret", "new.example", "to-secret"],
        ["mailboxes[1]", "alice", "alice-secret", "new.example", "inline-secret"],
      ],
    );
    // a bare array works too
    assert.equal(parseMailboxList(JSON.stringify([{ from: "imap://a@h:1", to: "imap://a@h:2" }]), "m.json", env, false).length, 1);
  });

  it("takes an administrator per side, whose password the variable holds, for every user of the list", () => {
    const [p] = parseMailboxList(
      list([{ from: "imap://carol@old.example:143", fromAdmin: "mspadmin", to: "imap://carol@new.example:143" }]),
      "m.json",
      env,
      false,
    );
    assert.deepEqual([p.from.user, p.from.admin, p.from.password, p.to.admin], ["carol", "mspadmin", "from-secret", undefined]);
  });

  it("names the file and the entry in every error, and never a password", () => {
    const cases: [string, RegExp][] = [
      ["{not json", /^m\.json: not valid JSON/],
      [JSON.stringify({ boxes: [] }), /^m\.json: expected \{"mailboxes"/],
      [list([]), /^m\.json: the mailbox list is empty/],
      [list([{ from: "imap://a@h:1" }]), /^m\.json: mailboxes\[0\]: "to" is missing/],
      [list([{ from: "imap://a@h:1", to: "imap://a@h:2", extra: 1 }]), /^m\.json: mailboxes\[0\]: unknown key "extra"/],
      [list([{ from: "imap://a@h:1", to: 5 }]), /^m\.json: mailboxes\[0\]\.to: must be a string/],
      [list([{ from: "imap://a@h:1", to: "imap://a@h:2" }, "x"]), /^m\.json: mailboxes\[1\]: expected an object/],
      [list([{ from: "http://a@h:1", to: "imap://a@h:2" }]), /^m\.json: mailboxes\[0\]\.from: scheme "http" is not supported/],
      [
        list([{ from: "imap://a@h:1", to: "imap://a@h:2", toPasswordEnv: "NOPE" }]),
        /^m\.json: mailboxes\[0\]\.to: no password for a@h; set NOPE in the environment/,
      ],
      [
        list([
          { from: "imap://a@h:1", to: "imap://a@h:2" },
          { from: "imap://a@h:1", to: "imap://a@h:2" },
        ]),
        /^m\.json: mailboxes\[1\]: the same pair as mailboxes\[0\]/,
      ],
    ];
    for (const [text, re] of cases) {
      assert.throws(
        () => parseMailboxList(text, "m.json", env, true),
        (e: Error) => {
          assert.ok(e instanceof UsageError, e.message);
          assert.match(e.message, re);
          for (const secret of Object.values(env)) assert.ok(!e.message.includes(secret), e.message);
          return true;
        },
      );
    }
  });

  it("refuses a password inside a file other users can read, and says how to fix it", () => {
    const text = list([{ from: "imap://a@h:1", fromPassword: "inline-secret", to: "imap://a@h:2" }]);
    assert.throws(
      () => parseMailboxList(text, "m.json", env, false),
      (e: Error) => {
        assert.match(e.message, /^m\.json: mailboxes\[0\]\.fromPassword: the file can be read by other users; chmod 600 m\.json/);
        assert.ok(!e.message.includes("inline-secret"));
        return true;
      },
    );
    assert.equal(parseMailboxList(text, "m.json", env, true)[0].from.password, "inline-secret");
  });
});

describe("mailshift sync-many outcome", () => {
  const r = (code: 0 | 1 | 3, copied = 0): MailboxResult => ({
    entry: "mailboxes[0]",
    source: "a@h:1",
    destination: "a@h:2",
    code,
    onSource: copied,
    copied,
    bytesCopied: copied * 10,
    skipped: 0,
    missing: code === 1 ? 1 : 0,
    unchangedFolders: 0,
    durationMs: 1,
  });

  it("exits with the worst mailbox's code: stopped (3) over incomplete (1) over verified (0)", () => {
    assert.equal(exitCodeOf([r(0), r(0)]), 0);
    assert.equal(exitCodeOf([r(0), r(1)]), 1);
    assert.equal(exitCodeOf([r(1), r(3), r(0)]), 3);
  });

  it("adds up the mailboxes and prints one progress line", () => {
    const t = totalsOfMany([r(0, 5), r(1, 2), r(3)]);
    assert.deepEqual(t, { mailboxes: 3, verified: 1, failed: 1, onSource: 7, copied: 7, bytesCopied: 70, skipped: 0, missing: 1 });
    assert.equal(progressOf(3, 10, t, 2000), "[3/10 mailboxes] 7 messages (70 B) copied in 2s, 4 messages/s; 1 stopped, 1 incomplete");
  });
});
