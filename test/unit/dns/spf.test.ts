import assert from "node:assert/strict";
import fc from "fast-check";
import {
  countSpfLookups,
  isSpfTxt,
  parseSpf,
  printSpf,
  SpfRecordError,
  SpfSyntaxError,
  spfRecordsAt,
  txtToString,
  type DnsRecordLike,
} from "../../../dns/spf";

const txt = (name: string, content: string): DnsRecordLike => ({ name, type: "TXT", content });

describe("dns/spf: parseSpf", () => {
  it("parses every mechanism, qualifier and modifier", () => {
    const terms = parseSpf(
      "v=spf1 +a mx/24 -a:mail.example.com/28//64 ~ptr ?ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 " +
        "include:spf.protection.outlook.com exists:%{i}._spf.example.com redirect=_spf.example.com exp=explain.example.com foo=bar -all",
    );
    assert.deepEqual(
      terms.map((t) => (t.kind === "mechanism" ? `${t.qualifier}${t.mechanism}` : `${t.name}=`)),
      ["+a", "+mx", "-a", "~ptr", "?ptr", "+ip4", "+ip6", "+include", "+exists", "redirect=", "exp=", "foo=", "-all"],
    );
    assert.deepEqual(terms[1], { kind: "mechanism", qualifier: "+", mechanism: "mx", prefix4: 24, prefix6: 128, raw: "mx/24" });
    assert.deepEqual(terms[2], {
      kind: "mechanism",
      qualifier: "-",
      mechanism: "a",
      domain: "mail.example.com",
      prefix4: 28,
      prefix6: 64,
      raw: "-a:mail.example.com/28//64",
    });
    assert.deepEqual(terms[6], {
      kind: "mechanism",
      qualifier: "+",
      mechanism: "ip6",
      address: "2001:db8::",
      prefix: 32,
      raw: "ip6:2001:db8::/32",
    });
    assert.deepEqual(terms[9], { kind: "modifier", name: "redirect", domain: "_spf.example.com", raw: "redirect=_spf.example.com" });
  });

  it("accepts Cloudflare-quoted content split into several strings", () => {
    assert.equal(txtToString('"v=spf1 include:_spf.google.com " "~all"'), "v=spf1 include:_spf.google.com ~all");
    assert.equal(parseSpf('"v=spf1 include:_spf.google.com " "~all"').length, 2);
    assert.ok(isSpfTxt('"v=spf1 -all"'));
    assert.ok(!isSpfTxt('"v=spf10 -all"'));
    assert.ok(!isSpfTxt("google-site-verification=abc"));
  });

  const bad: Array<[string, RegExp]> = [
    ["v=spf2 -all", /starts with "v=spf1"/],
    ["v=spf1 include -all", /bad term "include".*needs a domain/],
    ["v=spf1 ip4:300.1.1.1 -all", /"ip4:300.1.1.1".*not an IPv4 address/],
    ["v=spf1 ip4:192.0.2.1/33", /at most 32/],
    ["v=spf1 ip6:192.0.2.1", /not an IPv6 address/],
    ["v=spf1 a/40", /IPv4 prefix is at most 32/],
    ["v=spf1 redirect=a.example.com redirect=b.example.com", /may appear only once/],
    ["v=spf1 spf:example.com", /unknown mechanism "spf"/],
    ["v=spf1 include:localhost", /not a domain name/],
    ["v=spf1 exists:%{q}.example.com", /bad macro/],
    ["v=spf1 all:x", /"all" takes no argument/],
  ];
  for (const [record, message] of bad) {
    it(`rejects ${JSON.stringify(record)} naming the bad term`, () => {
      assert.throws(
        () => parseSpf(record, "example.com"),
        (e: unknown) => {
          assert.ok(e instanceof SpfSyntaxError);
          assert.match(e.message, message);
          assert.match(e.message, /at example\.com/);
          return true;
        },
      );
    });
  }

  it("round-trips print then parse (property)", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
    const domain = fc.tuple(label, label).map(([a, b]) => `${a}.${b}`);
    const q = fc.constantFrom("", "+", "-", "~", "?");
    const term = fc.oneof(
      fc.tuple(q, domain).map(([x, d]) => `${x}include:${d}`),
      fc.tuple(q, fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([x, ip, p]) => `${x}ip4:${ip}/${p}`),
      fc.tuple(q, fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([x, ip, p]) => `${x}ip6:${ip}/${p}`),
      fc.tuple(q, fc.option(domain), fc.integer({ min: 0, max: 32 })).map(([x, d, p]) => `${x}mx${d ? `:${d}` : ""}/${p}`),
      fc.tuple(q, domain).map(([x, d]) => `${x}a:${d}`),
      q.map((x) => `${x}all`),
    );
    fc.assert(
      fc.property(fc.array(term, { maxLength: 12 }), (raw) => {
        const record = ["v=spf1", ...raw].join(" ");
        const parsed = parseSpf(record);
        assert.equal(parsed.length, raw.length);
        assert.equal(printSpf(parsed), record);
        assert.deepEqual(parseSpf(printSpf(parsed)), parsed);
      }),
    );
  });
});

describe("dns/spf: countSpfLookups", () => {
  const zone: DnsRecordLike[] = [
    txt("example.com", '"v=spf1 mx a:relay.example.com include:_spf.example.com include:spf.protection.outlook.com ip4:192.0.2.1 -all"'),
    txt("_spf.example.com.", "v=spf1 include:_spf2.example.com exists:%{i}.bl.example.com ~all"),
    txt("_spf2.example.com", '"v=spf1 a" " mx ptr -all"'),
    txt("example.com", "google-site-verification=abc"),
    { name: "example.com", type: "MX", content: "10 mx.example.com" },
  ];

  it("counts include/a/mx/ptr/exists through includes found in the records", () => {
    const r = countSpfLookups("Example.COM.", zone);
    assert.equal(r.name, "example.com");
    // example.com: mx, a, include, include (4); _spf: include, exists (2); _spf2: a, mx, ptr (3)
    assert.equal(r.lookups, 9);
    assert.deepEqual(r.unresolved, ["spf.protection.outlook.com"]);
    assert.deepEqual(r.terms.slice(0, 3), ["example.com: mx", "example.com: a:relay.example.com", "example.com: include:_spf.example.com"]);
    assert.ok(r.terms.includes("_spf2.example.com: ptr"));
  });

  it("counts redirect, but not when the record has an all mechanism", () => {
    const records = [txt("a.example.com", "v=spf1 redirect=b.example.com"), txt("b.example.com", "v=spf1 mx -all")];
    assert.equal(countSpfLookups("a.example.com", records).lookups, 2);
    const withAll = [txt("a.example.com", "v=spf1 -all redirect=b.example.com"), ...records.slice(1)];
    assert.equal(countSpfLookups("a.example.com", withAll).lookups, 0);
  });

  it("goes past 10 when includes nest", () => {
    const records = [txt("example.com", `v=spf1 ${Array.from({ length: 6 }, (_, i) => `include:s${i}.example.com`).join(" ")} -all`)];
    for (let i = 0; i < 6; i++) records.push(txt(`s${i}.example.com`, "v=spf1 a -all"));
    assert.equal(countSpfLookups("example.com", records).lookups, 12);
  });

  it("lists a name with no SPF record as unresolved and counts 0", () => {
    assert.deepEqual(countSpfLookups("nothing.example.com", zone), {
      name: "nothing.example.com",
      lookups: 0,
      unresolved: ["nothing.example.com"],
      terms: [],
    });
  });

  it("refuses two SPF records at one name and include loops, naming them", () => {
    assert.throws(
      () => countSpfLookups("x.example.com", [txt("x.example.com", "v=spf1 -all"), txt("x.example.com", "v=spf1 mx -all")]),
      (e: unknown) => e instanceof SpfRecordError && /x\.example\.com has 2 SPF records/.test(e.message),
    );
    const loop = [txt("a.example.com", "v=spf1 include:b.example.com -all"), txt("b.example.com", "v=spf1 include:a.example.com -all")];
    assert.throws(() => countSpfLookups("a.example.com", loop), /SPF loop: a\.example\.com -> b\.example\.com -> a\.example\.com/);
  });

  it("names the owner in a syntax error inside an include", () => {
    const records = [txt("example.com", "v=spf1 include:bad.example.com -all"), txt("bad.example.com", "v=spf1 ip4:1.2.3 -all")];
    assert.throws(() => countSpfLookups("example.com", records), /SPF record at bad\.example\.com .*"ip4:1\.2\.3"/);
  });

  it("spfRecordsAt ignores non-SPF TXT", () => {
    assert.deepEqual(spfRecordsAt("example.com", zone), [
      "v=spf1 mx a:relay.example.com include:_spf.example.com include:spf.protection.outlook.com ip4:192.0.2.1 -all",
    ]);
  });
});
