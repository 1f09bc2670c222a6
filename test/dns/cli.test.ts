// `mailshift dns-check` as a user runs it: the readable report, and the exit codes for bad input.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthDns, ensureAuthDns } from "../../harness/authdns";

const ROOT = join(__dirname, "..", "..", "..");
const ZONE_FILE = join(ROOT, "test", "fixtures", "zones", "bind-hand-written.zone");
const MAIL_FILE = join(ROOT, "test", "fixtures", "zones", "example-com.mail.json");
const CLI = join(ROOT, "dist", "cli", "dnsCheck.js");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("mailshift dns-check: the command line", function () {
  this.timeout(60_000);
  let old: AuthDns;
  let dir: string;
  before(async () => {
    ensureAuthDns();
    dir = mkdtempSync(join(tmpdir(), "mailshift-dnscheck-"));
    old = await AuthDns.start({ name: "cli-old", zones: [{ origin: "example.com", text: readFileSync(ZONE_FILE, "utf8") }] });
  });
  after(async () => {
    await old?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints a readable report listing the expected differences and their reasons", async () => {
    const { code, stdout } = await run([
      "dns-check",
      "--zone",
      ZONE_FILE,
      "--old",
      `127.0.0.1:${old.server.port}`,
      "--stage",
      "copy",
      "--mail",
      MAIL_FILE,
    ]);
    assert.equal(code, 0, stdout);
    const lines = stdout.trim().split("\n");
    assert.match(
      lines[0]!,
      new RegExp(
        `^zone example\\.com, stage copy: \\d+ name/type pairs asked of 127\\.0\\.0\\.1:${old.server.port} \\(old\\) and the planned records \\(new\\)$`,
      ),
    );
    assert.ok(
      lines.some((l) => /^ {4}example\.com SOA: only on the old side: .*not imported: Cloudflare manages the zone's SOA itself$/.test(l)),
      stdout,
    );
    assert.ok(
      lines.some((l) =>
        /^ {4}_dmarc\.example\.com TXT: only on the new side: "v=DMARC1; p=quarantine; rua=mailto:dmarc@example\.com" \(TTL 3600\); copy: dmarc records are published from prepare on$/.test(
          l,
        ),
      ),
      stdout,
    );
    assert.ok(lines.includes("  DIFFERENCES: 0"));
    assert.equal(lines.at(-1), "the new zone answers like the old one, apart from the expected differences");
  });

  it("lists the zone file lines it did not import as written (skipped, out of the zone, given twice), with file and line", async () => {
    const text = readFileSync(ZONE_FILE, "utf8").replace(/\n*$/, "\n");
    const base = text.split("\n").length - 1;
    const extra = join(dir, "extra.zone");
    writeFileSync(
      extra,
      `${text}gps.example.com. 300 IN GPOS -32.6882 116.8652 10.0\nstray.example.org. 300 IN A 192.0.2.9\nmail.example.com. 300 IN A 192.0.2.10\n`,
    );
    const { code, stdout } = await run([
      "dns-check",
      "--zone",
      extra,
      "--old",
      `127.0.0.1:${old.server.port}`,
      "--stage",
      "copy",
      "--mail",
      MAIL_FILE,
    ]);
    assert.equal(code, 0, stdout);
    const lines = stdout.trim().split("\n");
    const at = lines.indexOf("  zone file lines not imported as written: 3");
    assert.ok(at > 0, stdout);
    assert.match(
      lines[at + 1]!,
      new RegExp(
        `^ {4}${extra.replace(/[.]/g, "\\.")} line ${base + 1}: gps\\.example\\.com GPOS: not imported: mailshift does not represent GPOS records`,
      ),
    );
    assert.match(
      lines[at + 2]!,
      new RegExp(`line ${base + 2}: stray\\.example\\.org A: not imported: it is outside the zone example\\.com`),
    );
    assert.match(
      lines[at + 3]!,
      new RegExp(`line ${base + 3}: mail\\.example\\.com A 192\\.0\\.2\\.10: the same record as on line \\d+; imported once`),
    );
    const json = await run([
      "dns-check",
      "--zone",
      extra,
      "--old",
      `127.0.0.1:${old.server.port}`,
      "--stage",
      "copy",
      "--mail",
      MAIL_FILE,
      "--json",
    ]);
    assert.equal(JSON.parse(json.stdout).importReport.length, 3);
  });

  it("evaluates each SPF record on both sides as a strict receiver does, and fails on one the new side would break", async () => {
    const good = await run([
      "dns-check",
      "--zone",
      ZONE_FILE,
      "--old",
      `127.0.0.1:${old.server.port}`,
      "--stage",
      "cutover",
      "--mail",
      MAIL_FILE,
    ]);
    if (process.env.SHOW_DNS_CHECK) console.log(good.stdout);
    assert.equal(good.code, 0, good.stdout);
    const lines = good.stdout.trim().split("\n");
    assert.ok(lines.includes("  SPF, evaluated as a strict receiver does (RFC 7208) for 203.0.113.254: 3 name(s)"), good.stdout);
    assert.ok(
      lines.includes(
        "    _spf.example.com: old: fail after 0 lookup(s) (_spf.example.com: -all); new: fail after 0 lookup(s) (_spf.example.com: -all)",
      ),
      good.stdout,
    );
    // mx: the backup MX host is outside the zone (dns-check asks only the zone's servers); so is Microsoft's include.
    assert.ok(
      lines.includes(
        "    example.com: old: not evaluated past mail.backup-mx.example.net (outside the zone) after 1 lookup(s); new: not evaluated past spf.protection.outlook.com (outside the zone) after 1 lookup(s)",
      ),
      good.stdout,
    );
    assert.ok(
      lines.some((l) =>
        /^ {4}mail2\.example\.com: old: none after 0 lookup\(s\); new: fail after 1 lookup\(s\) \(mail2\.example\.com: -all\)$/.test(l),
      ),
      good.stdout,
    );

    // The same mail records with an SPF that parses loosely but strict receivers refuse (a /032 prefix).
    const mail = JSON.parse(readFileSync(MAIL_FILE, "utf8")) as Array<{ role: string; name: string; content: string }>;
    const spf = mail.find((r) => r.role === "spf" && r.name === "example.com")!;
    spf.content = '"v=spf1 ip4:192.0.2.1/032 include:spf.protection.outlook.com -all"';
    const badMail = join(dir, "bad-spf.mail.json");
    writeFileSync(badMail, JSON.stringify(mail));
    const bad = await run([
      "dns-check",
      "--zone",
      ZONE_FILE,
      "--old",
      `127.0.0.1:${old.server.port}`,
      "--stage",
      "cutover",
      "--mail",
      badMail,
    ]);
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(
      bad.stdout,
      /^ {4}BROKEN example\.com: old: not evaluated past .*; new: permerror after 0 lookup\(s\): SPF record at example\.com .*bad term "ip4:192\.0\.2\.1\/032"/m,
    );
    assert.equal(
      bad.stdout.trim().split("\n").at(-1),
      "receivers would refuse the new side's SPF (BROKEN above): fix those records before changing the nameservers",
    );
  });

  it("stops with exit 3 and the file and line when the zone file is bad; nothing is checked", async () => {
    const bad = join(dir, "bad.zone");
    writeFileSync(bad, "$ORIGIN example.com.\n$TTL 300\n@ MX 10 mail\nmail A 192.0.2.300\n");
    const { code, stdout, stderr } = await run(["--zone", bad, "--old", `127.0.0.1:${old.server.port}`, "--json"]);
    assert.equal(code, 3);
    assert.match(
      stderr,
      new RegExp(
        `^mailshift dns-check: ${bad.replace(/[.]/g, "\\.")} line 4: expected an IPv4 address for A, got "192\\.0\\.2\\.300"; nothing was imported`,
      ),
    );
    assert.equal(JSON.parse(stdout).error.type, "ZoneFileError");
  });

  it("stops with exit 3 naming the server when it does not answer, and exit 2 on a usage error", async () => {
    const silent = await run(["--zone", ZONE_FILE, "--old", "127.0.0.1:9", "--timeout", "150"]);
    assert.equal(silent.code, 3);
    assert.match(
      silent.stderr,
      /DNS server 127\.0\.0\.1:9 did not answer [^ ]+ [A-Z]+: no answer after 3 tries of 150 ms; check that it is running and serves this zone/,
    );
    const usage = await run(["--zone", ZONE_FILE]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /dns-check needs --zone FILE and --old NS\[:PORT\]/);
  });
});
