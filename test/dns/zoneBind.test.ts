// mailshift's zone-file parser against BIND 9's (named-compilezone, Debian bind9-utils), file by file over a corpus
// of exports (cPanel, GoDaddy, Cloudflare) and edge cases (test/fixtures/zones/bind/README.md). BIND reads each
// file and prints every record in its canonical form (absolute names, explicit TTLs, RFC 3597 data decoded,
// $GENERATE expanded, out-of-zone data and duplicates dropped); that output, in which nothing is left to infer, is
// read back and compared with what mailshift made of the original, as multisets of name, type and data, and TTL
// per record set. What mailshift reports it skipped must be exactly what is missing; what BIND warns about (data
// out of the zone, TTLs above 2^31-1) mailshift must report on the same lines.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupRrsets, type ZoneRecord } from "../../dns/records";
import { parseZoneFile, renderZoneFileIssue, type ZoneFileIssue } from "../../dns/zonefile";

const ZONES = join(__dirname, "..", "..", "..", "test", "fixtures", "zones");
const CORPUS = join(ZONES, "bind");

interface Case {
  /** Relative to test/fixtures/zones. */
  file: string;
  zone: string;
  /** What BIND is given instead of the file's bytes, and why. */
  forBind?: { transform: (b: Buffer) => Buffer; why: string };
  /** BIND refuses the whole file (its message matches), mailshift reads it on purpose. */
  bindRefuses?: { message: RegExp; why: string };
}

const CASES: Case[] = [
  { file: "bind-hand-written.zone", zone: "example.com" },
  {
    file: "registrar-export-crlf.zone",
    zone: "example.org",
    forBind: {
      transform: (b) => (b.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? b.subarray(3) : b),
      why: "BIND does not read a byte-order mark; mailshift skips it",
    },
  },
  {
    file: "cloudflare-export.zone",
    zone: "example.net",
    bindRefuses: {
      message: /CNAME and other data/,
      why: "Cloudflare's flattened apex CNAME beside other records: BIND refuses the zone; mailshift imports it and cloudflareFit decides",
    },
  },
  ...readdirSync(CORPUS)
    .filter((f) => f.endsWith(".zone"))
    .sort()
    .map((f) => {
      const header = /^; zone: (\S+)/.exec(readFileSync(join(CORPUS, f), "latin1"));
      if (!header) throw new Error(`${join(CORPUS, f)}: the first line must be "; zone: NAME" (the zone BIND loads it as)`);
      return { file: join("bind", f), zone: header[1]! };
    }),
];

interface Compiled {
  ok: boolean;
  output: string;
  messages: string;
}

/** BIND's reading of the file: named-compilezone with no policy checks, only the zone file syntax and semantics. */
function compile(zone: string, bytes: Buffer): Compiled {
  const dir = mkdtempSync(join(tmpdir(), "mailshift-bind-"));
  try {
    const input = join(dir, "in.zone");
    const output = join(dir, "out.zone");
    writeFileSync(input, bytes);
    const run = spawnSync(
      "named-compilezone",
      [
        "-i",
        "none",
        "-k",
        "ignore",
        "-n",
        "ignore",
        "-m",
        "ignore",
        "-r",
        "ignore",
        "-M",
        "ignore",
        "-S",
        "ignore",
        "-W",
        "ignore",
        "-s",
        "full",
        "-o",
        output,
        zone,
        input,
      ],
      { encoding: "utf8" },
    );
    if (run.error)
      throw new Error(`named-compilezone could not run (${run.error.message}): run scripts/setup.sh, which installs Debian's bind9-utils`);
    const messages = `${run.stdout}${run.stderr}`;
    return { ok: run.status === 0, output: run.status === 0 ? readFileSync(output, "latin1") : "", messages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const key = (r: ZoneRecord) => `${r.name} ${r.type} ${r.content}`;

/** Items of `a` not matched one for one in `b`. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  return a.filter((x) => {
    const n = left.get(x) ?? 0;
    if (n === 0) return true;
    left.set(x, n - 1);
    return false;
  });
}

const linesOf = (issues: readonly ZoneFileIssue[], kind: ZoneFileIssue["kind"]) =>
  [...new Set(issues.filter((i) => i.kind === kind).map((i) => i.line))].sort((a, b) => a - b);
const bindLines = (messages: string, pattern: RegExp) =>
  [...new Set([...messages.matchAll(pattern)].map((m) => Number(m[1])))].sort((a, b) => a - b);

describe("dns/zonefile agrees with BIND 9 (named-compilezone) on a corpus of zone files", function () {
  this.timeout(60_000);

  it("named-compilezone is installed (scripts/setup.sh installs bind9-utils)", () => {
    const run = spawnSync("named-compilezone", ["-v"], { encoding: "utf8" });
    assert.ok(
      !run.error,
      `named-compilezone could not run (${run.error?.message}): run scripts/setup.sh, which installs Debian's bind9-utils`,
    );
    assert.match(run.stdout + run.stderr, /^9\./m);
  });

  it(`has a corpus: ${CASES.length} files`, () => assert.ok(CASES.length >= 15));

  for (const c of CASES) {
    it(`${c.file} (${c.zone})${c.bindRefuses ? ": BIND refuses it, mailshift reads it" : ""}`, () => {
      const bytes = readFileSync(join(ZONES, c.file));
      const bind = compile(c.zone, c.forBind ? c.forBind.transform(bytes) : bytes);
      const ours = parseZoneFile(bytes, { file: c.file, origin: c.zone });
      if (c.bindRefuses) {
        assert.ok(!bind.ok, `BIND was expected to refuse ${c.file} (${c.bindRefuses.why}) but read it`);
        assert.match(bind.messages, c.bindRefuses.message);
        assert.ok(ours.records.length > 0);
        return;
      }
      assert.ok(bind.ok, `BIND refused ${c.file}:\n${bind.messages}`);
      const theirs = parseZoneFile(Buffer.from(bind.output, "latin1"), { file: `named-compilezone output for ${c.file}` });
      assert.equal(ours.origin, c.zone);

      // What mailshift skipped is exactly what BIND's output holds that mailshift reads as unrepresentable.
      const skipped = (issues: readonly ZoneFileIssue[]) =>
        issues
          .filter((i) => i.kind === "skipped")
          .map((i) => `${i.name} ${i.type}`)
          .sort();
      assert.deepEqual([...new Set(skipped(ours.issues))], [...new Set(skipped(theirs.issues))], "the record sets mailshift skipped");
      assert.deepEqual(
        theirs.issues.filter((i) => i.kind !== "skipped"),
        [],
        "BIND's output is clean: no duplicate, out-of-zone or TTL issue",
      );

      const a = ours.records.map(key);
      const b = theirs.records.map(key);
      const onlyOurs = minus(a, b);
      const onlyBind = minus(b, a);
      assert.deepEqual({ onlyOurs, onlyBind }, { onlyOurs: [], onlyBind: [] }, `${c.file}: records differ from BIND's`);

      // TTLs per record set; a set whose records disagree must have been reported (BIND settles on one its own way).
      const bindSets = groupRrsets(theirs.records);
      for (const [k, set] of groupRrsets(ours.records)) {
        const ttls = [...new Set(set.map((r) => r.ttl))];
        if (ttls.length > 1) {
          assert.ok(
            ours.issues.some((i) => i.kind === "ttl-mismatch" && `${i.name}\t${i.type}` === k),
            `${k}: TTLs ${ttls.join(", ")} not reported`,
          );
          continue;
        }
        assert.equal(ttls[0], bindSets.get(k)![0]!.ttl, `${k.replace("\t", " ")}: TTL ${ttls[0]}, BIND ${bindSets.get(k)![0]!.ttl}`);
      }

      // BIND's warnings, line for line, appear in mailshift's import report.
      assert.deepEqual(
        linesOf(ours.issues, "out-of-zone"),
        bindLines(bind.messages, /:(\d+): ignoring out-of-zone data/g),
        "out-of-zone lines",
      );
      assert.deepEqual(
        linesOf(ours.issues, "ttl"),
        bindLines(bind.messages, /:(\d+): \$TTL \d+ > MAXTTL/g),
        "lines with a TTL above 2^31-1",
      );
      for (const i of ours.issues)
        assert.match(renderZoneFileIssue(c.file, i), new RegExp(`^${c.file.replace(/[.]/g, "\\.")} line \\d+: `));
    });
  }
});
