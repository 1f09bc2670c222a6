import assert from "node:assert/strict";
import { judgePreflight, type ProbeResult, renderPreflight } from "../../../plan/preflight";

const MiB = 1024 * 1024;
const base = (over: Partial<ProbeResult>): ProbeResult => ({
  mailbox: "bob@example.com",
  side: "destination",
  label: "bob@mail2.example.com@imap.newhost.net:993",
  host: "imap.newhost.net",
  port: 993,
  tls: "implicit",
  credential: 'mailshift:passwords["bob@example.com"].destination',
  capabilities: ["IMAP4rev1", "QUOTA"],
  quota: { usedBytes: 0, limitBytes: 10 * MiB },
  auditedBytes: 5 * MiB,
  ...over,
});

describe("plan/preflight: what counts as a problem", () => {
  it("a server that answers, logs in, is IMAP4 and has room passes", () => {
    const r = judgePreflight([base({})]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.rows[0], {
      mailbox: "bob@example.com",
      side: "destination",
      server: "imap.newhost.net",
      port: "open",
      tls: "ok",
      login: "ok",
      imap: "ok",
      quota: "10.0 MiB >= 5.0 MiB (10.0 MiB free)",
    });
  });

  it("each failing step is one problem naming the mailbox, side and server, and stops the later checks", () => {
    const cases: [Partial<ProbeResult>, RegExp, keyof ReturnType<typeof judgePreflight>["rows"][number], string][] = [
      [
        { portError: "ECONNREFUSED" },
        /port 993 on imap\.newhost\.net is not reachable \(ECONNREFUSED\); check the host name and port/,
        "port",
        "closed",
      ],
      [
        { tlsError: "Hostname/IP does not match certificate's altnames", certificateNames: ["mail.other.net"] },
        /the TLS certificate is not valid for imap\.newhost\.net \(.*; it is for mail\.other\.net\)/,
        "tls",
        "invalid",
      ],
      [
        { loginError: "authentication failed" },
        /login failed \(authentication failed\); check mailshift:passwords\["bob@example\.com"\]\.destination$/,
        "login",
        "refused",
      ],
      [{ capabilities: ["POP3"] }, /does not announce IMAP4rev1 \(capabilities: POP3\)/, "imap", "not IMAP4"],
      [
        { inboxError: "User is authenticated but not connected." },
        /INBOX cannot be opened .* IMAP may be disabled for this mailbox/,
        "imap",
        "disabled",
      ],
      [
        { quota: { usedBytes: 0, limitBytes: 4 * MiB } },
        /the quota 4\.0 MiB is smaller than the 5\.0 MiB audited on the source/,
        "quota",
        "4.0 MiB < 5.0 MiB",
      ],
    ];
    for (const [over, problem, column, shown] of cases) {
      const r = judgePreflight([base(over)]);
      assert.equal(r.problems.length, 1, JSON.stringify(over));
      assert.ok(r.problems[0]!.startsWith("bob@example.com destination bob@mail2.example.com@imap.newhost.net:993: "), r.problems[0]);
      assert.match(r.problems[0]!, problem);
      assert.equal(r.rows[0]![column], shown);
    }
  });

  it("IMAP4rev2 alone is IMAP4 too; the quota is not judged on the source side", () => {
    assert.deepEqual(judgePreflight([base({ capabilities: ["IMAP4rev2"] })]).problems, []);
    assert.deepEqual(judgePreflight([base({ side: "source", quota: { usedBytes: 0, limitBytes: 1 } })]).problems, []);
  });

  it("not probed, no quota reported, or no audit: notes, not problems", () => {
    const r = judgePreflight([
      base({ notProbed: "created by the first pulumi up" }),
      base({ quota: { usedBytes: 0 } }),
      base({ auditedBytes: undefined }),
    ]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.rows.map((x) => [x.port, x.quota]),
      [
        ["not probed", "-"],
        ["open", "none reported"],
        ["open", "10.0 MiB (no audit)"],
      ],
    );
    assert.equal(r.notes.length, 2);
  });

  it("renders one table with a column per check, then the problems", () => {
    const text = renderPreflight(judgePreflight([base({}), base({ mailbox: "eve@example.com", side: "source", loginError: "refused" })]));
    const lines = text.split("\n");
    assert.match(lines[0]!, /^mailbox\s+side\s+server\s+port\s+TLS\s+login\s+IMAP\s+quota$/);
    assert.match(lines[2]!, /^eve@example\.com\s+source\s+imap\.newhost\.net\s+open\s+ok\s+refused\s+-\s+-$/);
    assert.ok(text.includes("1 problem:\n  - eve@example.com source"));
  });
});
