// audit-many --all-users, the pure parts: the users file (`doveadm user '*'` output), the cPanel answer read into
// byte counts, the audit lines the stack reads back, and the three ways of calling audit-many.
import assert from "node:assert/strict";
import { diskAuditLine, diskUsageFrom, parseUserList } from "../../../cli/allUsers";
import { parseAuditManyArgs, userEndpoints } from "../../../cli/auditMany";
import { parseAuditLines } from "../../../plan/config";

describe("audit-many --all-users (pure parts)", () => {
  it("reads doveadm user '*' output: one login per line, blanks and comments skipped, repeats once", () => {
    assert.deepEqual(parseUserList("ann@example.com\nben\n\n# left\nann@example.com\r\n", "users.txt"), ["ann@example.com", "ben"]);
    assert.throws(() => parseUserList("ann ben\n", "users.txt"), /--users users\.txt:1: "ann ben" is not one login/);
    assert.throws(() => parseUserList("\n# none\n", "users.txt"), /no user in it; write it with `doveadm user '\*' > users\.txt`/);
  });

  it("takes every address of list_pops_with_disk with its bytes, not the cPanel account's own mailbox", () => {
    const data = [
      { email: "acct", login: "acct", _diskused: "4096", diskused: "0.00" },
      { email: "Ann@Example.com", login: "ann@example.com", _diskused: "3865470566", diskused: "3686.4" },
      { email: "ben@example.com", login: "ben@example.com", _diskused: 0, diskused: 0 },
    ];
    assert.deepEqual(diskUsageFrom(data), [
      { login: "ann@example.com", bytes: 3865470566 },
      { login: "ben@example.com", bytes: 0 },
    ]);
    assert.throws(() => diskUsageFrom([{ email: "x@example.com", diskused: "3.5" }]), /no byte count \(_diskused\) for x@example\.com/);
    assert.throws(() => diskUsageFrom({}), /without a list of accounts/);
  });

  it("writes lines the stack's mailshift:auditFile reader takes, keyed by the login", () => {
    const text = [
      { login: "ann@example.com", bytes: 3865470566 },
      { login: "ben@example.com", bytes: 12 },
    ]
      .map((u) => diskAuditLine(u, "imap.oldhost.net", 993))
      .join("");
    assert.deepEqual(parseAuditLines(text, "audit.jsonl"), { "ann@example.com": 3865470566, "ben@example.com": 12 });
  });

  it("parses the three ways of calling it, and refuses mixed or missing flags with the usage", () => {
    assert.deepEqual(parseAuditManyArgs(["--mailboxes", "m.json", "--out", "a.jsonl"]), {
      source: { kind: "list", mailboxesFile: "m.json" },
      out: "a.jsonl",
      parallel: 4,
    });
    assert.deepEqual(
      parseAuditManyArgs([
        "--all-users",
        "--from",
        "imaps://old:993",
        "--from-admin",
        "msp",
        "--users",
        "u.txt",
        "--out",
        "a",
        "--parallel",
        "8",
      ]),
      { source: { kind: "users", from: "imaps://old:993", admin: "msp", usersFile: "u.txt", insecure: false }, out: "a", parallel: 8 },
    );
    assert.deepEqual(parseAuditManyArgs(["--all-users", "--cpanel", "https://cp:2083/", "--cpanel-user", "acct", "--out", "a"]), {
      source: { kind: "cpanel", url: "https://cp:2083", user: "acct" },
      out: "a",
      parallel: 4,
    });
    assert.throws(
      () => parseAuditManyArgs(["--all-users", "--from", "imaps://old:993", "--out", "a"]),
      /--all-users needs --from .*--from-admin ADMIN and --users/,
    );
    assert.throws(() => parseAuditManyArgs(["--all-users", "--cpanel", "https://cp:2083", "--out", "a"]), /--cpanel needs --cpanel-user/);
    assert.throws(
      () => parseAuditManyArgs(["--mailboxes", "m.json", "--users", "u.txt", "--out", "a"]),
      /--users does not go with --mailboxes/,
    );
    assert.throws(() => parseAuditManyArgs(["--mailboxes", "m.json"]), /needs --out FILE/);
  });

  it("puts each listed user into the host URL, logging in as the administrator", () => {
    const src = { kind: "users" as const, from: "imaps://imap.old.example:993", admin: "msp", usersFile: "u.txt", insecure: false };
    const eps = userEndpoints(src, ["ann@example.com", "ben"], { MAILSHIFT_FROM_PASSWORD: "admin-pw" });
    assert.deepEqual(
      eps.map((e) => [e.entry, e.from.user, e.from.admin, e.from.host, e.from.port, e.from.tls]),
      [
        ["u.txt:1", "ann@example.com", "msp", "imap.old.example", 993, "implicit"],
        ["u.txt:2", "ben", "msp", "imap.old.example", 993, "implicit"],
      ],
    );
    assert.throws(() => userEndpoints({ ...src, from: "imaps://ann@imap.old.example:993" }, ["x"], {}), /give the host only/);
    assert.throws(() => userEndpoints(src, ["x"], {}), /MAILSHIFT_FROM_PASSWORD \(the administrator's password\)/);
  });
});
