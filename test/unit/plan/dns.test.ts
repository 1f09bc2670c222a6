import assert from "node:assert/strict";
import { parseConfig } from "../../../plan/config";
import { diffRecords, planDnsRecords, type DnsPlanInput } from "../../../plan/dns";
import { txtToString } from "../../../dns/spf";
import { STAGES } from "../../../plan/types";
import { rawMailshift, STACKS } from "./stackFiles";

function input(stack: (typeof STACKS)[number]): DnsPlanInput {
  return { ...parseConfig(rawMailshift(stack)), routes: { exchange: true, imap: true } };
}

const at = (records: ReturnType<typeof planDnsRecords>, key: string) => records.find((r) => r.key === key);

describe("plan/dns: records per stage", () => {
  for (const stack of STACKS) {
    const c = input(stack);
    for (const stage of STAGES) {
      it(`${stack}/${stage}: full names, quoted TXT, not proxied, one TTL for the stage`, () => {
        const records = planDnsRecords(c, stage);
        const ttl = stage === "finalize" ? c.ttl.normal : c.ttl.lowered;
        for (const r of records) {
          assert.ok(r.name === c.domain || r.name.endsWith(`.${c.domain}`), `${r.name} is not a full name`);
          assert.ok(!r.name.includes("@"));
          assert.equal(r.proxied, false);
          assert.equal(r.ttl, ttl);
          if (r.type === "TXT" && typeof r.content === "string") assert.match(r.content, /^"[^"]*"( "[^"]*")*$/);
        }
        assert.equal(new Set(records.map((r) => r.key)).size, records.length, "keys are unique");
      });
    }
  }

  it("keeps the apex MX on the old host until cutover, then takes it from the tenant", () => {
    const c = input("staging");
    for (const stage of ["prepare", "copy"] as const) {
      const mx = planDnsRecords(c, stage).filter((r) => r.type === "MX" && r.name === c.domain);
      assert.deepEqual(
        mx.map((r) => [r.content, r.priority]),
        [
          ["mx1.oldhost.net", 10],
          ["mx2.oldhost.net", 20],
        ],
      );
    }
    for (const stage of ["cutover", "finalize"] as const) {
      const mx = planDnsRecords(c, stage).filter((r) => r.type === "MX" && r.name === c.domain);
      assert.deepEqual(
        mx.map((r) => [r.content, r.priority]),
        [[{ ref: "exchangeMx" }, 0]],
      );
    }
    const pinned = { ...c, exchange: { ...c.exchange!, mx: "staging-example-com.mail.protection.outlook.com" } };
    assert.equal(at(planDnsRecords(pinned, "cutover"), "apex-mx-0")!.content, "staging-example-com.mail.protection.outlook.com");
  });

  it("authorizes the old host in SPF until finalize and Exchange from prepare", () => {
    const c = input("production");
    assert.equal(
      txtToString(at(planDnsRecords(c, "prepare"), "apex-spf")!.content as string),
      "v=spf1 include:_spf.oldhost.net ip4:198.51.100.25 include:spf.protection.outlook.com ~all",
    );
    assert.equal(
      txtToString(at(planDnsRecords(c, "finalize"), "apex-spf")!.content as string),
      "v=spf1 include:spf.protection.outlook.com ~all",
    );
    assert.equal(txtToString(at(planDnsRecords(c, "cutover"), "sub-spf")!.content as string), "v=spf1 include:_spf.newhost.net ~all");
    assert.equal(at(planDnsRecords(c, "prepare"), "sub-mx")!.content, "mail.newhost.net");
  });

  it("publishes verification and DKIM from prepare, autodiscover from cutover, the DMARC policy in finalize", () => {
    const c = input("production");
    const prepare = planDnsRecords(c, "prepare");
    assert.deepEqual(at(prepare, "apex-ms-verification")!.content, { ref: "verificationTxt" });
    // production reads the CNAME targets from Exchange: never a guessed name
    assert.equal(at(prepare, "dkim-selector1")!.name, "selector1._domainkey.example.com");
    assert.deepEqual(at(prepare, "dkim-selector1")!.content, { ref: "dkimSelector1" });
    assert.deepEqual(at(prepare, "dkim-selector2")!.content, { ref: "dkimSelector2" });
    assert.equal(at(prepare, "dkim-selector1")!.source, "mailshift:exchange.dkim.selector1CNAME");
    assert.equal(at(prepare, "autodiscover"), undefined);
    assert.equal(at(planDnsRecords(c, "cutover"), "autodiscover")!.content, "autodiscover.outlook.com");
    assert.equal(at(prepare, "dmarc")!.content, '"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"');
    assert.equal(at(planDnsRecords(c, "finalize"), "dmarc")!.content, '"v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"');
  });

  it("publishes the CNAME targets pasted from Get-DkimSigningConfig as they are (the dkim.mail.microsoft form)", () => {
    const c = input("staging");
    const prepare = planDnsRecords(c, "prepare");
    assert.equal(
      at(prepare, "dkim-selector1")!.content,
      "selector1-staging-example-com._domainkey.stagingexample.r-v1.dkim.mail.microsoft",
    );
    assert.equal(
      at(prepare, "dkim-selector2")!.content,
      "selector2-staging-example-com._domainkey.stagingexample.r-v1.dkim.mail.microsoft",
    );
  });

  it("gives the subdomain its own DKIM key and its own DMARC record, enforcing only in finalize", () => {
    const c = input("production");
    const key = at(planDnsRecords(c, "prepare"), "sub-dkim")!;
    assert.equal(key.name, "default._domainkey.mail2.example.com");
    assert.match(txtToString(key.content as string), /^v=DKIM1; k=rsa; p=MIIB[A-Za-z0-9+/=]+$/);
    for (const stage of ["prepare", "copy", "cutover"] as const)
      assert.equal(
        txtToString(at(planDnsRecords(c, stage), "sub-dmarc")!.content as string),
        "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com",
      );
    const fin = at(planDnsRecords(c, "finalize"), "sub-dmarc")!;
    assert.equal(fin.name, "_dmarc.mail2.example.com");
    assert.equal(txtToString(fin.content as string), "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com");
    // staging's Dovecot does not say it signs: its subdomain stays p=none while the apex quarantines
    const s = input("staging");
    assert.equal(at(planDnsRecords(s, "finalize"), "sub-dkim"), undefined);
    assert.equal(
      txtToString(at(planDnsRecords(s, "finalize"), "sub-dmarc")!.content as string),
      "v=DMARC1; p=none; rua=mailto:dmarc@staging-example.com",
    );
    assert.equal(
      txtToString(at(planDnsRecords(s, "finalize"), "dmarc")!.content as string),
      "v=DMARC1; p=quarantine; rua=mailto:dmarc@staging-example.com",
    );
  });

  it("plans no Exchange records when no mailbox goes to exchange", () => {
    const c = { ...input("staging"), routes: { exchange: false, imap: true } };
    const records = planDnsRecords(c, "finalize");
    assert.deepEqual(
      records.filter((r) => r.key.startsWith("apex-mx")).map((r) => r.content),
      ["mx1.oldhost.net", "mx2.oldhost.net"],
    );
    assert.ok(!records.some((r) => r.key.startsWith("dkim") || r.key === "autodiscover" || r.key === "apex-ms-verification"));
    assert.equal(txtToString(at(records, "apex-spf")!.content as string), "v=spf1 include:_spf.oldhost.net ~all");
  });

  it("lists the DNS changes of cutover: MX switched, second old MX removed, autodiscover added", () => {
    const c = input("staging");
    const changes = diffRecords(planDnsRecords(c, "copy"), planDnsRecords(c, "cutover"));
    assert.deepEqual(
      changes.map((x) => `${x.action} ${x.key}`),
      ["change apex-mx-0", "add autodiscover", "remove apex-mx-1"],
    );
    const raised = diffRecords(planDnsRecords(c, "cutover"), planDnsRecords(c, "finalize"));
    assert.ok(raised.every((x) => x.action === "change"));
    assert.ok(raised.some((x) => x.key === "sub-mx" && /ttl 300$/.test(x.from!) && /ttl 3600$/.test(x.to!)));
  });
});
