import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseZoneFile, printZoneFile, parseTtl, renderZoneFileIssue, ZoneFileError } from "../../../dns/zonefile";
import { canonicalIPv6, recordKey, type ZoneRecord } from "../../../dns/records";

export const ZONES = join(__dirname, "..", "..", "..", "..", "test", "fixtures", "zones");
const fixture = (name: string) => readFileSync(join(ZONES, name), "utf8");
const find = (records: ZoneRecord[], name: string, type: string) => records.filter((r) => r.name === name && r.type === type);
/** As BIND loads a zone, a record given twice (name, type and data) is one record: the first one stays. */
const distinct = (records: ZoneRecord[]) => records.filter((r, i) => records.findIndex((o) => recordKey(o) === recordKey(r)) === i);

describe("dns/zonefile: real exports", () => {
  it("reads a hand-written BIND zone with every oddity", () => {
    const { origin, records } = parseZoneFile(fixture("bind-hand-written.zone"), { file: "bind-hand-written.zone" });
    assert.equal(origin, "example.com");
    assert.deepEqual(find(records, "example.com", "SOA"), [
      { name: "example.com", type: "SOA", content: "ns1.example.com hostmaster.example.com 2024031501 10800 900 604800 300", ttl: 3600 },
    ]);
    // blank owners continue the previous owner (the apex), across NS, MX and TXT
    assert.deepEqual(
      find(records, "example.com", "NS").map((r) => r.content),
      ["ns1.example.com", "ns2.example.net"],
    );
    assert.deepEqual(
      find(records, "example.com", "MX").map((r) => r.content),
      ["10 mail.example.com", "20 mail.backup-mx.example.net"],
    );
    assert.equal(find(records, "example.com", "TXT").length, 2);
    // class before and after the TTL; AAAA canonicalized
    assert.deepEqual(find(records, "mail.example.com", "A"), [{ name: "mail.example.com", type: "A", content: "192.0.2.10", ttl: 300 }]);
    assert.deepEqual(find(records, "mail.example.com", "AAAA"), [
      { name: "mail.example.com", type: "AAAA", content: "2001:db8::10", ttl: 300 },
    ]);
    assert.equal(find(records, "ns1.example.com", "A")[0]!.ttl, 86400);
    assert.equal(find(records, "www.example.com", "CNAME")[0]!.content, "example.com");
    assert.equal(find(records, "ftp.example.com", "CNAME")[0]!.content, "www.example.com");
    // multi-string TXT stays multi-string; parentheses span lines with a comment inside
    assert.equal(find(records, "_spf.example.com", "TXT")[0]!.content, '"v=spf1 ip4:192.0.2.0/24 " "ip6:2001:db8::/32 -all"');
    const dkim = find(records, "selector1._domainkey.example.com", "TXT")[0]!;
    assert.equal(dkim.content, '"v=DKIM1; k=rsa; " "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv1" "QIDAQAB"');
    assert.equal(dkim.ttl, 86400);
    // escaped quotes and backslashes survive; \DDD bytes are kept as bytes
    assert.equal(
      find(records, "quote.example.com", "TXT")[0]!.content,
      '"she said \\"hello\\"; then left" "back\\\\slash" "caf\\195\\169"',
    );
    assert.equal(find(records, "plain.example.com", "TXT")[0]!.content, '"unquoted" "words"');
    assert.equal(find(records, "*.dev.example.com", "A")[0]!.content, "192.0.2.50");
    assert.equal(find(records, "_imaps._tcp.example.com", "SRV")[0]!.content, "0 1 993 mail.example.com");
    assert.deepEqual(
      find(records, "example.com", "CAA").map((r) => r.content),
      ['0 issue "letsencrypt.org"', '0 iodef "mailto:security@example.com"'],
    );
    assert.equal(find(records, "ssh.example.com", "SSHFP")[0]!.content, "1 1 abcdef0123456789abcdef0123456789abcdef01");
    assert.equal(find(records, "mixed.case.example.com", "A").length, 1);
    // a second $ORIGIN, and a second $TTL that applies from there on
    assert.equal(find(records, "sub.example.com", "A")[0]!.ttl, 3600);
    assert.equal(find(records, "deep.sub.example.com", "A")[0]!.content, "192.0.2.61");
    assert.equal(find(records, "short.sub.example.com", "A")[0]!.ttl, 120);
    assert.equal(records.length, 28);
  });

  it("reads a registrar export with CRLF line endings, a byte-order mark and a spaced-out SOA", () => {
    const { origin, records } = parseZoneFile(fixture("registrar-export-crlf.zone"), { file: "registrar-export-crlf.zone" });
    assert.equal(origin, "example.org");
    assert.equal(records.length, 11);
    assert.equal(find(records, "example.org", "SOA")[0]!.content, "ns51.domaincontrol.com dns.jomax.net 2024031500 28800 7200 604800 3600");
    assert.equal(
      find(records, "_dmarc.example.org", "TXT")[0]!.content,
      '"v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:dmarc_rua@onsecureserver.net;"',
    );
    assert.equal(find(records, "_sip._tls.example.org", "SRV")[0]!.content, "100 1 443 sipdir.online.lync.com");
    assert.equal(find(records, "example.org", "A")[0]!.ttl, 600);
  });

  it("reads a Cloudflare export: absolute names, TTL 1 (automatic), cf_tags comments, no $ORIGIN", () => {
    const { origin, records } = parseZoneFile(fixture("cloudflare-export.zone"), { file: "cloudflare-export.zone" });
    assert.equal(origin, "example.net");
    assert.equal(records.length, 12);
    assert.equal(find(records, "example.net", "A")[0]!.ttl, 1);
    assert.equal(
      find(records, "selector1._domainkey.example.net", "TXT")[0]!.content,
      '"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC" "xyz"',
    );
    assert.equal(find(records, "old.example.net", "HINFO")[0]!.content, '"PC-Intel-700mhz" "Debian"');
  });

  it("reads a large zone (5,000 records) in well under a second", () => {
    const lines = ["$ORIGIN big.example.", "$TTL 300", "@ SOA ns1 hostmaster 1 7200 3600 1209600 300", "@ NS ns1", "ns1 A 10.0.0.1"];
    for (let i = 0; i < 5000; i++) {
      const h = `host${i}`;
      if (i % 5 === 0) lines.push(`${h} 3600 IN TXT "id=${i}" "second \\"part\\""`);
      else if (i % 5 === 1) lines.push(`${h} IN CNAME host${i - 1}`);
      else if (i % 5 === 2) lines.push(`${h} AAAA 2001:db8::${i.toString(16)}`);
      else if (i % 5 === 3) lines.push(`${h} MX ( ${i % 100}\n   mx${i} ) ; split`);
      else lines.push(`${h} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    }
    const text = lines.join("\n");
    const started = process.hrtime.bigint();
    const { records } = parseZoneFile(text, { file: "big.zone" });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(records.length, 5003);
    assert.deepEqual(records.at(-2), { name: "host4998.big.example", type: "MX", content: "98 mx4998.big.example", ttl: 300 });
    assert.ok(ms < 1000, `parsing took ${ms} ms`);
  });
});

describe("dns/zonefile: bad input names the file, the line and what was expected", () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ["bad A address", "$ORIGIN x.example.\n$TTL 60\nwww A 192.0.2.300\n", 3, /expected an IPv4 address for A, got "192\.0\.2\.300"/],
    ["unknown type", "$ORIGIN x.example.\n$TTL 60\n\nwww 60 IN AAA 192.0.2.1\n", 4, /expected a record type .* got "AAA"/],
    [
      "unclosed parenthesis",
      "$ORIGIN x.example.\n$TTL 60\n@ SOA ns1 host ( 1 2 3 4\n5\nwww A 192.0.2.1\n",
      3,
      /expected a '\)' to close the '\(' opened on line 3/,
    ],
    ["stray closing parenthesis", "$ORIGIN x.example.\n$TTL 60\nwww A 192.0.2.1 )\n", 3, /no '\)' without an opening/],
    ["unterminated quote", '$ORIGIN x.example.\n$TTL 60\n@ TXT "v=spf1 -all\n', 3, /closing '"'/],
    ["relative name without origin", "$TTL 60\nwww A 192.0.2.1\n", 2, /\$ORIGIN before the relative name/],
    ["no TTL anywhere", "$ORIGIN x.example.\nwww A 192.0.2.1\n", 2, /a TTL on the record or a \$TTL line/],
    ["MX without preference", "$ORIGIN x.example.\n$TTL 60\n@ MX mail\n", 3, /MX data: a preference and a mail server name/],
    ["$INCLUDE", "$ORIGIN x.example.\n$INCLUDE other.zone\n", 2, /\$INCLUDE is not supported/],
    ["class CH", '$ORIGIN x.example.\n$TTL 60\nversion CH TXT "1"\n', 3, /class IN/],
    ["blank first owner", "$ORIGIN x.example.\n$TTL 60\n   A 192.0.2.1\n", 3, /an owner name at the start of the first record/],
    ["TXT string too long", `$ORIGIN x.example.\n$TTL 60\n@ TXT "${"a".repeat(256)}"\n`, 3, /at most 255 bytes/],
  ];
  for (const [title, text, line, message] of cases) {
    it(title, () => {
      assert.throws(
        () => parseZoneFile(text, { file: "old.zone" }),
        (e: unknown) => {
          assert.ok(e instanceof ZoneFileError, String(e));
          assert.equal(e.file, "old.zone");
          assert.equal(e.line, line);
          assert.match(e.message, /^old\.zone line \d+: /);
          assert.match(e.message, message);
          assert.match(e.message, /nothing was imported/);
          return true;
        },
      );
    });
  }
});

describe("dns/zonefile: TTLs and the print-then-parse round trip", () => {
  it("reads TTL units", () => {
    assert.equal(parseTtl("1h30m"), 5400);
    assert.equal(parseTtl("2W"), 1209600);
    assert.equal(parseTtl("300"), 300);
    assert.equal(parseTtl("1x"), undefined);
  });

  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  const origin = fc.tuple(label, fc.constantFrom("example", "com", "org")).map(([a, b]) => `${a}.${b}`);
  const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((b) => Buffer.from(b).toString("latin1"));

  /** One record written the way real exports vary: owner forms, TTL units, class case and order, tabs, parentheses, comments. */
  function messyLines(zone: string, records: ZoneRecord[], style: number[], defaultTtl: number): string {
    let k = 0;
    const pick = (n: number) => style[k++ % style.length]! % n;
    const rel = (n: string) =>
      n === zone ? (pick(2) ? "@" : `${n}.`) : n.endsWith(`.${zone}`) && pick(2) ? n.slice(0, -(zone.length + 1)) : `${n}.`;
    const NAMEFIELD: Record<string, number> = { MX: 1, SRV: 3, CNAME: 0, NS: 0 };
    const out = [
      pick(2) ? `$ORIGIN ${zone}.` : `$ORIGIN ${zone}. ; the zone`,
      `$TTL ${defaultTtl % 3600 === 0 && defaultTtl > 0 ? `${defaultTtl / 3600}h` : defaultTtl}`,
    ];
    let prev: string | undefined;
    for (const r of records) {
      if (pick(5) === 0) out.push(pick(2) ? "" : "; a comment line");
      const sep = () => [" ", "\t", "  \t"][pick(3)]!;
      const owner = prev === r.name && pick(2) ? "" : rel(r.name);
      const ttl = r.ttl === defaultTtl && pick(2) ? "" : r.ttl % 60 === 0 && r.ttl > 0 && pick(2) ? `${r.ttl / 60}m` : String(r.ttl);
      const klass = ["", "IN", "in"][pick(3)]!;
      const head = pick(2) ? [ttl, klass] : [klass, ttl];
      const tokens = r.type === "TXT" ? r.content.match(/"(?:[^"\\]|\\.)*"/g)! : r.content.split(" ");
      const f = NAMEFIELD[r.type];
      if (f !== undefined) tokens[f] = tokens[f] === "." ? "." : rel(tokens[f]!);
      let rdata = tokens.join(sep());
      if (pick(3) === 0) rdata = `( ${tokens.join(pick(2) ? " ; part\n\t" : "\n  ")}\n )`;
      const parts = [owner, ...head.filter((x) => x !== ""), pick(2) ? r.type : r.type.toLowerCase(), rdata].filter(
        (x, i) => i === 0 || x !== "",
      );
      out.push(parts.join(sep()) + (pick(4) === 0 ? " ; trailing note" : ""));
      prev = r.name;
    }
    return out.join(pick(2) ? "\r\n" : "\n");
  }

  it("parses the same records however an export lays them out (property)", () => {
    fc.assert(
      fc.property(
        origin,
        fc.array(
          fc.tuple(fc.option(label), fc.constantFrom(60, 300, 3600, 86400, 7), fc.integer({ min: 0, max: 5 }), fc.option(byteString)),
          { minLength: 1, maxLength: 20 },
        ),
        fc.array(fc.nat(), { minLength: 5, maxLength: 50 }),
        fc.constantFrom(300, 3600),
        (zone, specs, style, defaultTtl) => {
          const records: ZoneRecord[] = specs.map(([sub, ttl, kind, text], i) => {
            const name = sub ? `${sub}.${zone}` : zone;
            const target = i % 2 ? `t${i}.${zone}` : "elsewhere.example.net";
            const txt = `"${[...Buffer.from(text ?? "v=spf1 -all", "latin1")].map((b) => (b === 34 || b === 92 ? `\\${String.fromCharCode(b)}` : b < 32 || b > 126 ? `\\${String(b).padStart(3, "0")}` : String.fromCharCode(b))).join("")}" "second"`;
            const contents: Array<[string, string]> = [
              ["A", `198.51.100.${i % 256}`],
              ["AAAA", canonicalIPv6(`2001:db8:${i.toString(16)}::1`)],
              ["MX", `${i} ${target}`],
              ["TXT", txt],
              ["CNAME", target],
              ["SRV", `0 5 ${5060 + i} ${target}`],
            ];
            const [type, content] = contents[kind]!;
            return { name, type, content, ttl };
          });
          const text = messyLines(zone, records, style, defaultTtl);
          if (process.env.SHOW_MESSY) console.log(text);
          const parsed = parseZoneFile(text, { file: "messy.zone" });
          assert.deepEqual(parsed.records, distinct(records), text);
          assert.equal(parsed.issues.filter((i) => i.kind === "duplicate").length, records.length - distinct(records).length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parse(print(records)) gives the records back, absolute or relative (property)", () => {
    fc.assert(
      fc.property(
        origin,
        fc.array(fc.tuple(fc.option(label), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 6 })), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.array(byteString, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (zone, specs, txt, relative) => {
          const records: ZoneRecord[] = specs.map(([sub, ttl, kind], i) => {
            const name = sub ? `${sub}.${zone}` : zone;
            const target = sub ? `t${i}.${zone}` : "elsewhere.example.net";
            const contents: Array<[string, string]> = [
              ["A", `192.0.2.${i % 256}`],
              ["AAAA", canonicalIPv6(`2001:db8::${i.toString(16)}`)],
              ["MX", `${i} ${target}`],
              [
                "TXT",
                txt
                  .map(
                    (s) =>
                      `"${[...Buffer.from(s, "latin1")].map((b) => (b === 34 || b === 92 ? `\\${String.fromCharCode(b)}` : b < 32 || b > 126 ? `\\${String(b).padStart(3, "0")}` : String.fromCharCode(b))).join("")}"`,
                  )
                  .join(" "),
              ],
              ["CNAME", target],
              ["SRV", `1 2 ${i} ${target}`],
              ["NS", target],
            ];
            const [type, content] = contents[kind]!;
            return { name, type, content, ttl };
          });
          const text = printZoneFile(zone, records, { relative, defaultTtl: relative ? records[0]!.ttl : undefined });
          const parsed = parseZoneFile(text, { file: "round-trip.zone" });
          assert.deepEqual(parsed.records, distinct(records));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("dns/zonefile: as BIND 9 reads it (each case also in test/dns/zoneBind.test.ts against named-compilezone)", () => {
  const head = "$ORIGIN example.net.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n";
  const parse = (body: string) => parseZoneFile(head + body, { file: "t.zone" });
  const one = (body: string) => parse(body).records.at(-1)!;

  it("decodes RFC 3597 \\# data into the usual form (TXT, A, MX), and keeps it for a type known only by number", () => {
    assert.equal(one("hello TXT \\# 6 0568656C6C6F").content, '"hello"');
    assert.equal(one("a A \\# 4 C0000201").content, "192.0.2.1");
    assert.equal(one("m MX \\# 7 000a0378797a00").content, "10 xyz");
    assert.deepEqual(one("x TYPE65280 \\# 3 ABCDEF"), { name: "x.example.net", type: "TYPE65280", content: "\\# 3 abcdef", ttl: 300 });
    assert.throws(() => parse("bad TXT \\# 5 0568656C6C6F"), /line 5: expected 5 bytes in hex/);
  });

  it("completes relative names and @ in NAPTR, RP, AFSDB, KX, SVCB and HTTPS", () => {
    assert.equal(one("www HTTPS 0 http-server").content, "0 http-server.example.net");
    assert.equal(one("w SVCB 1 @ port=8443").content, "1 example.net port=8443");
    assert.equal(one('sip NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp').content, '100 10 "S" "SIP+D2U" "" _sip._udp.example.net');
    assert.equal(one("@ RP hostmaster txt-info").content, "hostmaster.example.net txt-info.example.net");
    assert.equal(one("afs AFSDB 1 afs-server").content, "1 afs-server.example.net");
    assert.equal(one("kx KX 10 kx-host").content, "10 kx-host.example.net");
  });

  it("keeps a quoted SVCB/HTTPS value with its key, in BIND's order and quoting", () => {
    assert.equal(one('@ HTTPS 1 . alpn="h3,h2" ipv4hint=192.0.2.80').content, '1 . alpn="h3,h2" ipv4hint=192.0.2.80');
    assert.equal(
      one('a HTTPS 2 pool port="8443" mandatory=port,alpn alpn=h2').content,
      '2 pool.example.net mandatory=alpn,port alpn="h2" port=8443',
    );
    assert.throws(
      () => parse('b HTTPS 1 . alpn = "h2"'),
      /line 5: expected HTTPS parameters as RFC 9460 writes them \(SVCB parameter alpn needs a value\)/,
    );
  });

  it("reads a file that is not UTF-8 byte for byte, as BIND does, and reports it", () => {
    const bytes = Buffer.concat([Buffer.from(`${head}@ TXT "caf`), Buffer.from([0xe9]), Buffer.from('"\n')]);
    const z = parseZoneFile(bytes, { file: "latin1.zone" });
    assert.equal(z.records.at(-1)!.content, '"caf\\233"');
    assert.deepEqual(
      z.issues.map((i) => [i.line, i.kind]),
      [[5, "encoding"]],
    );
    // the same text in UTF-8 is two bytes, and no issue
    const utf8 = parseZoneFile(Buffer.from(`${head}@ TXT "café"\n`), { file: "utf8.zone" });
    assert.equal(utf8.records.at(-1)!.content, '"caf\\195\\169"');
    assert.deepEqual(utf8.issues, []);
  });

  it("expands $GENERATE: $, ${offset,width,base}, steps, a TTL and class, escaped dollars", () => {
    const z = parse(
      "$GENERATE 1-3 host$ A 198.51.100.$\n$GENERATE 10-20/10 web${0,3} 60 IN CNAME host${-9}\n$GENERATE 7-7 r$ PTR h$\\$\n$GENERATE 0-1 x${10,2,X} TXT v$\n",
    );
    assert.deepEqual(
      z.records.slice(2).map((r) => `${r.name} ${r.ttl} ${r.type} ${r.content}`),
      [
        "host1.example.net 300 A 198.51.100.1",
        "host2.example.net 300 A 198.51.100.2",
        "host3.example.net 300 A 198.51.100.3",
        "web010.example.net 60 CNAME host1.example.net",
        "web020.example.net 60 CNAME host11.example.net",
        "r7.example.net 300 PTR h7$.example.net", // \$ is a literal dollar
        'x0a.example.net 300 TXT "v0"', // names compare in lower case
        'x0b.example.net 300 TXT "v1"',
      ],
    );
    assert.throws(() => parse("$GENERATE 5-1 h$ A 192.0.2.$\n"), /line 5: expected \$GENERATE a range whose start is not above its stop/);
    assert.deepEqual(
      parse("$GENERATE 1-2 ${0,3,n} PTR h$\n").issues.map((i) => i.kind),
      ["skipped"],
    );
  });

  it("inherits TTLs as BIND does: the SOA minimum as default when nothing else is known, else the last TTL", () => {
    const soaDefault = parseZoneFile("$ORIGIN t.example.\n@ SOA ns1 h 1 2 3 4 300\n@ NS ns1\na 60 A 192.0.2.1\nb A 192.0.2.2\n", {
      file: "t",
    }).records;
    assert.deepEqual(
      soaDefault.map((r) => r.ttl),
      [300, 300, 60, 300],
    );
    const rfc1035 = parseZoneFile("$ORIGIN t.example.\n@ 7200 SOA ns1 h 1 2 3 4 300\n@ NS ns1\na 60 A 192.0.2.1\nb A 192.0.2.2\n", {
      file: "t",
    }).records;
    assert.deepEqual(
      rfc1035.map((r) => r.ttl),
      [7200, 7200, 60, 60],
    );
  });

  it("reads TTLs above 2^31-1 as 0 (RFC 2181) and reports the line", () => {
    const z = parse("big 4294967295 A 192.0.2.1\nmax 2147483647 A 192.0.2.2\n$TTL 2147483648\nlate A 192.0.2.3\n");
    assert.deepEqual(
      z.records.slice(2).map((r) => r.ttl),
      [0, 2147483647, 0],
    );
    assert.deepEqual(
      z.issues.map((i) => [i.line, i.kind]),
      [
        [5, "ttl"],
        [7, "ttl"],
      ],
    );
  });

  it("reports and skips a line it cannot represent, and imports the rest of the file", () => {
    const z = parse("gps GPOS -32.6882 116.8652 10.0\nmail A 192.0.2.25\n");
    assert.deepEqual(z.records.at(-1), { name: "mail.example.net", type: "A", content: "192.0.2.25", ttl: 300 });
    assert.equal(z.issues.length, 1);
    assert.equal(
      renderZoneFileIssue("t.zone", z.issues[0]!),
      "t.zone line 5: gps.example.net GPOS: not imported: mailshift does not represent GPOS records (nor does Cloudflare); recreate it by hand where it is still needed",
    );
  });

  it("drops and reports records outside the zone and records given twice", () => {
    const z = parse(
      "www A 192.0.2.80\nWWW.example.net. A 192.0.2.80\nother.example.org. A 192.0.2.9\n$ORIGIN example.org.\nstray A 192.0.2.8\n",
    );
    assert.deepEqual(
      z.records.map((r) => r.name),
      ["example.net", "example.net", "www.example.net"],
    );
    assert.deepEqual(
      z.issues.map((i) => [i.line, i.kind]),
      [
        [6, "duplicate"],
        [7, "out-of-zone"],
        [9, "out-of-zone"],
      ],
    );
    assert.match(
      renderZoneFileIssue("t.zone", z.issues[0]!),
      /^t\.zone line 6: www\.example\.net A 192\.0\.2\.80: the same record as on line 5; imported once$/,
    );
  });

  it("writes names in one escape form, joins base64 split across tokens, reads dohpath as key7 (as BIND 9.18 prints it)", () => {
    assert.equal(one("lb._dns-sd._udp PTR !\\@#3").content, "!@#3.example.net");
    assert.equal(one("\\065\\.b A 192.0.2.1").name, "a\\.b.example.net");
    assert.equal(one("k DNSKEY 256 3 13 ( TEcpWeW1mJp+Oujq\n yInMbjGR )").content, "256 3 13 TEcpWeW1mJp+OujqyInMbjGR");
    assert.equal(one("_dns SVCB 1 ns dohpath=/{?dns} alpn=h2").content, '1 ns.example.net alpn="h2" key7="/{?dns}"');
  });

  it("reports a record set whose records have different TTLs", () => {
    const z = parse("@ 60 MX 10 mx1\n@ 600 MX 20 mx2\n");
    assert.deepEqual(
      z.issues.map((i) => [i.line, i.kind, i.name, i.type]),
      [[5, "ttl-mismatch", "example.net", "MX"]],
    );
  });
});

describe("dns/zonefile: printZoneFile writes back the names inside SVCB, HTTPS, NAPTR, RP, AFSDB and KX", () => {
  for (const file of ["passthrough-names.zone", "svcb-params.zone", "rfc3597-generic.zone", "generate.zone", "escapes-and-keys.zone"]) {
    it(`parse(print(${file})) gives its records back, absolute and relative`, () => {
      const zone = parseZoneFile(readFileSync(join(ZONES, "bind", file)), { file });
      for (const relative of [false, true]) {
        const text = printZoneFile(zone.origin, zone.records, { relative });
        assert.deepEqual(parseZoneFile(text, { file: "printed.zone" }).records, zone.records, text);
      }
    });
  }
});
