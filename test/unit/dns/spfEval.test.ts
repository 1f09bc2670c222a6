import assert from "node:assert/strict";
import { evaluateSpf, expand, inCidr, recordsLookup, reverseName, SpfTempError } from "../../../dns/spfEval";
import type { ZoneRecord } from "../../../dns/records";
import { proveSpf, renderSpfProof } from "../../../dns/spfProof";

const r = (name: string, type: string, content: string): ZoneRecord => ({ name, type, content, ttl: 300 });

// A planned zone plus stand-ins for Microsoft's and the new host's SPF, as the receiver would find them.
const records: ZoneRecord[] = [
  r("example.com", "TXT", '"v=spf1 include:spf.protection.outlook.com include:_spf.mail2.example.com -all"'),
  r("spf.protection.outlook.com", "TXT", '"v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip6:2a01:111:f400::/48 -all"'),
  r("_spf.mail2.example.com", "TXT", '"v=spf1 a:imap.mail2.example.com mx:mail2.example.com ~all"'),
  r("imap.mail2.example.com", "A", "198.51.100.25"),
  r("mail2.example.com", "MX", "10 mx.mail2.example.com"),
  r("mx.mail2.example.com", "A", "198.51.100.26"),
  r("mx.mail2.example.com", "AAAA", "2001:db8::26"),
];

describe("dns/spfEval (against planned records)", () => {
  const check = (ip: string, domain = "example.com", recs = records) => evaluateSpf({ ip, domain, lookup: recordsLookup(recs) });

  it("passes Exchange Online and the new IMAP host, fails a stranger", async () => {
    const exchange = await check("40.93.12.7");
    assert.equal(exchange.result, "pass");
    assert.equal(exchange.matched, "spf.protection.outlook.com: ip4:40.92.0.0/15");
    assert.equal(exchange.lookups, 1);
    assert.equal((await check("2a01:111:f400:7e00::5")).result, "pass");
    const imap = await check("198.51.100.25");
    assert.equal(imap.result, "pass");
    assert.equal(imap.lookups, 3);
    const mx = await check("2001:db8::26");
    assert.deepEqual([mx.result, mx.matched], ["pass", "_spf.mail2.example.com: mx:mail2.example.com"]);
    const stranger = await check("203.0.113.9");
    assert.deepEqual([stranger.result, stranger.matched, stranger.lookups], ["fail", "example.com: -all", 4]);
  });

  it("is permerror past 10 lookups, as a receiver counts them", async () => {
    const many = [r("big.example", "TXT", `"v=spf1 ${Array.from({ length: 11 }, (_, i) => `a:h${i}.big.example`).join(" ")} -all"`)];
    for (let i = 0; i < 11; i++) many.push(r(`h${i}.big.example`, "A", `192.0.2.${i}`));
    const res = await check("203.0.113.1", "big.example", many);
    assert.equal(res.result, "permerror");
    assert.match(res.reason!, /more than 10 DNS lookups \(the 11th is big\.example: a:h10\.big\.example\)/);
    // the same record passes an address matched before the limit is reached
    assert.equal((await check("192.0.2.3", "big.example", many)).result, "pass");
  });

  it("none, neutral, softfail, redirect and errors", async () => {
    const recs = [
      r("none.example", "A", "192.0.2.1"),
      r("neutral.example", "TXT", '"v=spf1 ip4:192.0.2.1"'),
      r("soft.example", "TXT", '"v=spf1 ~all"'),
      r("redir.example", "TXT", '"v=spf1 redirect=soft.example"'),
      r("two.example", "TXT", '"v=spf1 -all"'),
      r("two.example", "TXT", '"v=spf1 +all"'),
      r("bad.example", "TXT", '"v=spf1 ip4:1.2.3 -all"'),
      r("dangling.example", "TXT", '"v=spf1 include:nowhere.example -all"'),
      r("voids.example", "TXT", '"v=spf1 a:x1.voids.example a:x2.voids.example a:x3.voids.example -all"'),
    ];
    const res = async (d: string) => (await check("203.0.113.1", d, recs)).result;
    assert.equal(await res("none.example"), "none");
    assert.equal(await res("neutral.example"), "neutral");
    assert.equal(await res("soft.example"), "softfail");
    assert.equal(await res("redir.example"), "softfail");
    assert.equal(await res("two.example"), "permerror");
    assert.equal(await res("bad.example"), "permerror");
    assert.equal(await res("dangling.example"), "permerror");
    const voids = await check("203.0.113.1", "voids.example", recs);
    assert.deepEqual([voids.result, voids.voidLookups], ["permerror", 3]);
  });

  it("expands macros, matches CIDRs and builds reverse names", () => {
    const st = { ip: "192.0.2.3", sender: "strong-bad@email.example.com", helo: "mx.example.org" };
    assert.equal(expand(st, "%{ir}.%{v}._spf.%{d2}", "email.example.com"), "3.2.0.192.in-addr._spf.example.com");
    assert.equal(expand(st, "%{l-}.%{o}", "x"), "strong.bad.email.example.com");
    assert.equal(expand({ ...st, ip: "2001:db8::cb01" }, "%{ir}.x", "d").startsWith("1.0.b.c.0.0.0.0"), true);
    assert.ok(inCidr("40.93.255.255", "40.92.0.0", 15));
    assert.ok(!inCidr("40.94.0.0", "40.92.0.0", 15));
    assert.ok(inCidr("2001:db8:1::1", "2001:db8::", 32));
    assert.ok(!inCidr("2001:db9::1", "2001:db8::", 32));
    assert.ok(inCidr("10.1.2.3", "0.0.0.0", 0));
    assert.equal(reverseName("192.0.2.1"), "1.2.0.192.in-addr.arpa");
    assert.equal(reverseName("2001:db8::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  });

  it("proves each published SPF: allowed hosts pass, a stranger fails; softfail is not a denial", async () => {
    const lookup = recordsLookup([...records, r("mail2.example.com", "TXT", '"v=spf1 a:imap.mail2.example.com ~all"')]);
    const proof = await proveSpf(
      [
        {
          domain: "example.com",
          allow: [
            { label: "Exchange Online", ip: "40.107.1.1" },
            { label: "new IMAP host", ip: "198.51.100.25" },
          ],
          deny: [{ label: "a stranger", ip: "203.0.113.9" }],
        },
        {
          domain: "mail2.example.com",
          allow: [{ label: "new IMAP host", ip: "198.51.100.25" }],
          deny: [{ label: "a stranger", ip: "203.0.113.9" }],
        },
      ],
      lookup,
    );
    assert.deepEqual(
      proof.lines.map((l) => [l.domain, l.host.label, l.result, l.ok]),
      [
        ["example.com", "Exchange Online", "pass", true],
        ["example.com", "new IMAP host", "pass", true],
        ["example.com", "a stranger", "fail", true],
        ["mail2.example.com", "new IMAP host", "pass", true],
        ["mail2.example.com", "a stranger", "softfail", false],
      ],
    );
    assert.equal(proof.ok, false);
    const lenient = await proveSpf(
      [{ domain: "mail2.example.com", allow: [], deny: [{ label: "a stranger", ip: "203.0.113.9" }] }],
      lookup,
      { softfailDenies: true },
    );
    assert.equal(lenient.ok, true);
    assert.match(
      renderSpfProof(proof),
      /^FAIL mail2\.example\.com: a stranger \(203\.0\.113\.9\) -> softfail, want fail; 1 lookup\(s\); mail2\.example\.com: ~all$/m,
    );
  });
});

describe("dns/spfEval: what the RFC 7208 test suite caught (test/unit/dns/rfc7208.test.ts runs all of it)", () => {
  const recs = [
    r("m.example", "TXT", '"v=spf1 ip4:192.0.2.0/24 ip6:::1.1.1.1/128 -all"'),
    r("odd.example", "TXT", '"v=spf1 a:foo:bar/baz.example.com -all"'),
    r("foo:bar/baz.example.com", "A", "192.0.2.7"),
    r("zero.example", "TXT", '"v=spf1 ip4:192.0.2.1/032 -all"'),
    r("mod.example", "TXT", '"v=spf1 -all foo=%abc"'),
    r("rmacro.example", "TXT", '"v=spf1 a:%{r}.example -all"'),
    r("p.example", "TXT", '"v=spf1 exists:%{p}.ok.p.example -all"'),
    r("mail.p.example.ok.p.example", "A", "127.0.0.2"),
    r("7.2.0.192.in-addr.arpa", "PTR", "broken.example"),
    r("7.2.0.192.in-addr.arpa", "PTR", "mail.p.example"),
    r("mail.p.example", "A", "192.0.2.7"),
    r("ptr.example", "TXT", '"v=spf1 ptr:p.example -all"'),
  ];
  const base = recordsLookup(recs);
  // broken.example's A query fails (a DNS error), as a lame server would; a name with an empty or over-long label
  // cannot be put in a query at all (dns/wire.ts refuses it), which a resolver reports as an error too.
  const lookup = async (name: string, type: string) => {
    if (name === "broken.example") throw new SpfTempError("broken.example: SERVFAIL");
    if (name.split(".").some((l) => l.length === 0 || l.length > 63)) throw new SpfTempError(`${name}: not a name DNS can be asked`);
    return base(name, type);
  };
  const res = async (ip: string, domain: string) => (await evaluateSpf({ ip, domain, lookup })).result;

  it("treats an IPv4-mapped IPv6 client as IPv4 and reads IPv6 with a dotted tail", async () => {
    assert.equal(await res("::ffff:192.0.2.9", "m.example"), "pass");
    assert.equal(await res("::1.1.1.1", "m.example"), "pass");
    assert.ok(inCidr("::1.1.1.1", "::101:101", 128));
  });

  it("reads a domain-spec with : and /, and refuses a CIDR written with a leading zero", async () => {
    assert.equal(await res("192.0.2.7", "odd.example"), "pass");
    assert.equal(await res("192.0.2.1", "zero.example"), "permerror");
  });

  it("checks macros in unknown modifiers, and allows %{r} (c, t) only in exp", async () => {
    assert.equal(await res("192.0.2.1", "mod.example"), "permerror");
    assert.equal(await res("192.0.2.1", "rmacro.example"), "permerror");
  });

  it("expands %{p} to the validated name, skipping a PTR name whose lookup fails", async () => {
    assert.equal(await res("192.0.2.7", "p.example"), "pass");
    assert.equal(await res("192.0.2.7", "ptr.example"), "pass");
  });

  it("gives none for a domain that cannot be asked: an empty or over-long label, one label, a literal", async () => {
    for (const d of ["a..example.com", `${"a".repeat(64)}.example.com`, "localhost", "[192.0.2.1]"])
      assert.equal(await res("192.0.2.1", d), "none", d);
  });
});
