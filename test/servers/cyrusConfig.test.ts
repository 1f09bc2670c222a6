// The pure parts of harness/cyrus.ts: the configuration each hierarchy gets, user-name rules, quota rounding.
import { strict as assert } from "node:assert";
import { cyrusConf, cyrusSpec, imapdConf, quotaKiB, validateCyrusUser, type CyrusConfigInput } from "../../harness/cyrus";

const input = (over: Partial<CyrusConfigInput> = {}): CyrusConfigInput => ({
  hierarchy: "dot",
  dir: "/tmp/cy-x",
  root: "/tmp/cy-x/cyrus",
  port: 14300,
  servername: "mailshift-x",
  user: "cyrus",
  ...over,
});

const settings = (conf: string) =>
  new Map(
    conf
      .split("\n")
      .filter((l) => /^\w[\w-]*:/.test(l))
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
  );

describe("Cyrus harness configuration (pure)", () => {
  it("dot: the classic namespace; slash: unixhierarchysep and altnamespace", () => {
    const dot = settings(imapdConf(input()));
    assert.equal(dot.get("unixhierarchysep"), "no");
    assert.equal(dot.get("altnamespace"), "no");
    const slash = settings(imapdConf(input({ hierarchy: "slash" })));
    assert.equal(slash.get("unixhierarchysep"), "yes");
    assert.equal(slash.get("altnamespace"), "yes");
    assert.deepEqual(
      [cyrusSpec("dot").prefix, cyrusSpec("dot").separator, cyrusSpec("slash").prefix, cyrusSpec("slash").separator],
      ["INBOX.", ".", "", "/"],
    );
  });

  it("everything lives in the temp folder; munge8bit is left at Cyrus's default; maxmessagesize only when asked", () => {
    const conf = imapdConf(input());
    const s = settings(conf);
    for (const k of ["configdirectory", "partition-default", "sievedir", "temp_path", "sasl_sasldb_path"])
      assert.ok(s.get(k)?.startsWith("/tmp/cy-x/"), `${k}: ${s.get(k)}`);
    assert.equal(s.has("munge8bit"), false);
    assert.equal(s.has("maxmessagesize"), false);
    assert.equal(settings(imapdConf(input({ maxMessageBytes: 5000 }))).get("maxmessagesize"), "5000");
  });

  it("cyrus.conf listens on 127.0.0.1:port only and passes the instance's imapd.conf", () => {
    const conf = cyrusConf(input());
    assert.deepEqual(conf.match(/listen="[^"]*"/g), ['listen="127.0.0.1:14300"']);
    for (const cmd of conf.match(/cmd="[^"]*"/g) ?? []) assert.ok(cmd.includes("-C /tmp/cy-x/imapd.conf"), cmd);
  });

  it("user names: no dot in the dot hierarchy, @domain allowed, the admin name reserved", () => {
    const ok = (user: string, h: "dot" | "slash") => validateCyrusUser({ user, password: "p" }, h);
    ok("bob", "dot");
    ok("bob@mail2.example.com", "dot");
    ok("first.last", "slash");
    assert.throws(() => ok("first.last", "dot"), /dot hierarchy/);
    assert.throws(() => ok("mailshiftadmin", "slash"), /administrator/);
    assert.throws(() => validateCyrusUser({ user: "bob", password: "a\nb" }, "dot"), /line breaks/);
  });

  it("quotas are whole KiB, rounded up", () => {
    assert.deepEqual([1, 1024, 1025, 3 * 1024 * 1024 + 100].map(quotaKiB), [1, 1, 2, 3073]);
  });
});
