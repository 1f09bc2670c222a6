// The sandbox's zone files: what LocalZoneRecord writes must be the records it was given, as NSD itself reads them
// (nsd-checkzone) and as mailshift's zone-file reader reads them back.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseZoneFile } from "../../../dns/zonefile";
import { hasNsd } from "../../../harness/authdns";
import { mailRecordsOnly } from "../../../plan/zoneRecords";
import { planDnsRecords } from "../../../plan/dns";
import { scaledTtl, zoneText } from "../../../sandbox/zoneText";

describe("sandbox zone files (sandbox/zoneText.ts)", () => {
  const planned = planDnsRecords(
    {
      domain: "example.com",
      subdomain: "mail2.example.com",
      oldHost: { mx: [{ host: "mx.oldhost.example.net", priority: 10 }], spf: "include:_spf.oldhost.example.net" },
      newHost: { mx: "mx.newhost.example.net", spf: "a:mx.newhost.example.net" },
      ttl: { normal: 600, lowered: 120 },
      dmarc: { policy: "none" },
      routes: { exchange: false, imap: true },
    } as unknown as Parameters<typeof planDnsRecords>[0],
    "cutover",
  );
  const lines = mailRecordsOnly(planned).map((r) => ({
    name: r.name,
    type: r.type,
    content: r.content as string,
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    ttl: scaledTtl(r.ttl, 60),
  }));
  const text = zoneText({ origin: "example.com", nameServers: ["ns1.newdns.example.net"], serial: 7, ttl: 2 }, lines);

  it("a planned TTL on the rehearsal's clock: divided, rounded, never below one second", () => {
    assert.deepEqual([scaledTtl(600, 60), scaledTtl(120, 60), scaledTtl(60, 600), scaledTtl(90, 60)], [10, 2, 1, 2]);
  });

  it("mailshift's zone reader reads back every planned record with its scaled TTL, beside the SOA and NS", () => {
    const parsed = parseZoneFile(text, { origin: "example.com" });
    assert.deepEqual(parsed.issues, []);
    const got = parsed.records.map((r) => `${r.name} ${r.type} ${r.content} ${r.ttl}`).sort();
    assert.deepEqual(got, [
      '_dmarc.example.com TXT "v=DMARC1; p=none" 2',
      // the subdomain's own DMARC record (plan/dmarc.ts), not the apex's sp=
      '_dmarc.mail2.example.com TXT "v=DMARC1; p=none" 2',
      "example.com MX 10 mx.oldhost.example.net 2",
      "example.com NS ns1.newdns.example.net 2",
      "example.com SOA ns1.newdns.example.net hostmaster.example.com 7 3600 600 86400 2 2",
      'example.com TXT "v=spf1 include:_spf.oldhost.example.net ~all" 2',
      "mail2.example.com MX 10 mx.newhost.example.net 2",
      'mail2.example.com TXT "v=spf1 a:mx.newhost.example.net ~all" 2',
    ]);
  });

  it("NSD accepts the file (nsd-checkzone), the root zone's too", function () {
    if (!hasNsd()) {
      if (process.env.CI) assert.fail("nsd is not installed (scripts/setup.sh installs it)");
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zonetext-"));
    try {
      fs.writeFileSync(path.join(dir, "z"), text);
      execFileSync("nsd-checkzone", ["example.com", path.join(dir, "z")], { stdio: "pipe" });
      fs.writeFileSync(
        path.join(dir, "root"),
        zoneText({ origin: ".", nameServers: ["ns.registry.example.net"], serial: 1, ttl: 300 }, [
          { name: "example.com", type: "NS", content: "ns1.olddns.example.net", ttl: 10 },
        ]),
      );
      execFileSync("nsd-checkzone", [".", path.join(dir, "root")], { stdio: "pipe" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
