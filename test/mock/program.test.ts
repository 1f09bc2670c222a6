// The whole program (index.ts) under pulumi.runtime.setMocks, for every stage of both example stacks: the
// resource inputs it declares, and the outputs people read.
import assert from "node:assert/strict";
import { STAGES } from "../../plan/types";
import { quoteTxt } from "../../plan/txt";
import { stackConfig, STACKS } from "../unit/plan/stackFiles";
import { byName, configFor, dkimFor, EXO_SP, MS_TXT, mxFor, ROLE_ID, runProgram, SECRETS, secretValue } from "./runProgram";

describe("program under mocks: every stage of both example stacks", function () {
  this.timeout(60_000);
  for (const stack of STACKS) {
    const cfg = stackConfig(stack);
    const domain = cfg["mailshift:domain"] as string;
    const sub = cfg["mailshift:subdomain"] as string;
    const ttl = cfg["mailshift:ttl"] as { normal: number; lowered: number };
    const mailboxes = cfg["mailshift:mailboxes"] as { address: string; route: string; displayName?: string }[];
    const exchange = cfg["mailshift:exchange"] as { licenseGroupId: string; usageLocation: string };
    const newHost = cfg["mailshift:newHost"] as { kind: string; passwdFile?: string; url?: string };
    for (const stage of STAGES) {
      it(`${stack}/${stage}: DNS records, Exchange users and app, IMAP accounts, outputs`, async () => {
        const { declared, exports } = await runProgram(configFor(stack, stage));
        const lowered = stage !== "finalize";
        const records = declared.filter((d) => d.type === "cloudflare:index/dnsRecord:DnsRecord");
        for (const r of records) {
          assert.equal(r.inputs.proxied, false);
          assert.equal(r.inputs.ttl, lowered ? ttl.lowered : ttl.normal);
          assert.ok(String(r.inputs.name).endsWith(domain), `${r.inputs.name} is a full name`);
          assert.equal(r.inputs.zoneId, (cfg["mailshift:cloudflare"] as { zoneId: string }).zoneId);
        }
        // apex MX: old host until cutover, then the tenant's MX target
        const apexMx = records
          .filter((r) => r.inputs.type === "MX" && r.inputs.name === domain)
          .map((r) => [r.inputs.content, r.inputs.priority]);
        if (stage === "prepare" || stage === "copy")
          assert.deepEqual(apexMx, [
            ["mx1.oldhost.net", 10],
            ["mx2.oldhost.net", 20],
          ]);
        else assert.deepEqual(apexMx, [[mxFor(domain), 0]]);
        // the MS= value from the tenant, quoted
        assert.equal(byName(declared, "dns-apex-ms-verification").inputs.content, quoteTxt(MS_TXT));
        assert.equal(byName(declared, "dns-sub-mx").inputs.name, sub);
        assert.equal(
          records.some((r) => r.name === "dns-autodiscover"),
          stage === "cutover" || stage === "finalize",
        );
        const spf = String(byName(declared, "dns-apex-spf").inputs.content);
        assert.match(spf, /^"v=spf1 .*include:spf\.protection\.outlook\.com ~all"$/);
        assert.equal(spf.includes("_spf.oldhost.net"), stage !== "finalize");

        // Exchange: domain, verification after the TXT record, users with usageLocation, license membership, IMAP app
        assert.equal(byName(declared, "exchange-domain").inputs.domain, domain);
        for (const m of mailboxes.filter((x) => x.route === "exchange")) {
          const key = `exchange-${m.address}`;
          const user = byName(declared, `exchange-user-${key}`);
          assert.equal(user.inputs.userPrincipalName, m.address);
          assert.equal(user.inputs.usageLocation, exchange.usageLocation);
          assert.equal(secretValue(user.inputs.password), `new-${m.address}`);
          const member = byName(declared, `exchange-license-${key}`);
          assert.deepEqual(
            [member.inputs.groupObjectId, member.inputs.memberObjectId],
            [exchange.licenseGroupId, `exchange-user-${key}-object-id`],
          );
        }
        const role = byName(declared, "exchange-imap-role");
        assert.deepEqual([role.inputs.appRoleId, role.inputs.resourceObjectId], [ROLE_ID, EXO_SP]);
        assert.equal(byName(declared, "exchange-exchange-online").inputs.clientId, "00000002-0000-0ff1-ce00-000000000000");
        const app = byName(declared, "exchange-imap-app").inputs.requiredResourceAccesses as {
          resourceAppId: string;
          resourceAccesses: { id: string; type: string }[];
        }[];
        assert.deepEqual(app, [
          { resourceAppId: "00000002-0000-0ff1-ce00-000000000000", resourceAccesses: [{ id: ROLE_ID, type: "Role" }] },
        ]);
        assert.ok(declared.some((d) => d.name === "exchange-imap-secret"));
        const ps = byName(declared, "exchange-exchange-powershell").inputs.environment as Record<string, string>;
        assert.equal(
          ps.MAILBOXES,
          mailboxes
            .filter((x) => x.route === "exchange")
            .map((x) => x.address)
            .join(","),
        );
        assert.equal(ps.SP_ID, "exchange-imap-sp-object-id");
        // moved addresses keep working: a forwarding contact per address change
        assert.equal(
          ps.FORWARDS,
          mailboxes
            .filter((x) => x.route === "imap")
            .map((x) => `${x.address}=${x.address.split("@")[0]}@${sub}`)
            .join(","),
        );

        // IMAP accounts with the planned quota
        for (const m of mailboxes.filter((x) => x.route === "imap")) {
          const dest = `${m.address.split("@")[0]}@${sub}`;
          const acct = byName(declared, `imaphost-imap-${dest}`);
          if (newHost.kind === "dovecot") {
            assert.equal(acct.type, "command:remote:Command");
            assert.match(
              String(acct.inputs.create),
              new RegExp(`mailshift-account 'set' '${dest.replace(/\./g, "\\.")}' '\\d+' '${newHost.passwdFile}'`),
            );
            assert.match(String(acct.inputs.delete), /mailshift-account 'remove'/);
            assert.equal(secretValue(acct.inputs.stdin), `new-${m.address}\n`);
          } else {
            assert.equal(acct.inputs.address, dest);
            assert.equal(acct.inputs.url, newHost.url);
            assert.equal(secretValue(acct.inputs.password), `new-${m.address}`);
          }
        }

        // outputs for people
        const changes = exports.addressChanges as string[];
        assert.deepEqual(
          changes,
          mailboxes.filter((x) => x.route === "imap").map((x) => `${x.address} -> ${x.address.split("@")[0]}@${sub}`),
        );
        assert.equal(exports.stage, stage);
        const planned = exports.plannedMigrations as { syncGeneration: number }[];
        assert.equal(planned.length, stage === "prepare" ? 0 : mailboxes.length);
        assert.ok(planned.every((p) => p.syncGeneration === STAGES.indexOf(stage)));
        const dnsChanges = exports.dnsChanges as string[];
        if (stage === "cutover") assert.ok(dnsChanges.some((c) => c.startsWith(`change MX ${domain} from 10 mx1.oldhost.net`)));
        if (stage === "finalize") assert.ok(dnsChanges.some((c) => c.includes(`ttl ${ttl.lowered} to`) && c.endsWith(`ttl ${ttl.normal}`)));
        const plain = JSON.stringify(exports);
        for (const s of [...Object.values(SECRETS), "new-", "old-", "app-secret-value"])
          assert.ok(!plain.includes(s), `an output shows a secret (${s})`);
      });
    }
  }

  it("DKIM: production's CNAMEs are what Exchange reports, signing enabled after them; staging's pasted ones, no admin API", async () => {
    const { declared, exports } = await runProgram(configFor("production", "prepare"));
    const keys = byName(declared, "exchange-dkim");
    assert.equal(keys.type, "pulumi-nodejs:dynamic/mailshift:DkimKeys");
    assert.equal(keys.inputs.domain, "example.com");
    assert.equal(keys.inputs.tenantDomain, "examplecom.onmicrosoft.com");
    assert.equal(byName(declared, "dns-dkim-selector1").inputs.content, dkimFor("example.com").selector1CNAME);
    assert.equal(byName(declared, "dns-dkim-selector2").inputs.content, dkimFor("example.com").selector2CNAME);
    // an existing zone answers at once: signing is enabled from prepare, after both CNAME records
    const signing = byName(declared, "exchange-dkim-signing");
    assert.deepEqual(signing.inputs.cnameRecordIds, ["dns-dkim-selector1-id", "dns-dkim-selector2-id"]);
    assert.equal(byName(declared, "dns-sub-dkim").inputs.name, "default._domainkey.mail2.example.com");
    assert.equal(byName(declared, "dns-sub-dmarc").inputs.content, '"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"');
    assert.match(
      (exports.dkimSigning as string[])[0]!,
      /^example\.com: Exchange signs; selector1\/selector2 CNAME targets read from Exchange/,
    );

    const staging = await runProgram(configFor("staging", "prepare"));
    assert.ok(!staging.declared.some((d) => /DkimKeys|DkimSigningEnabled/.test(d.type)));
    assert.equal(
      byName(staging.declared, "dns-dkim-selector1").inputs.content,
      "selector1-staging-example-com._domainkey.stagingexample.r-v1.dkim.mail.microsoft",
    );
    assert.match(
      String(staging.exports.verificationStep),
      /^nothing to do by hand: mailshift publishes staging-example\.com\. 300 IN TXT "MS=ms48151623"/,
    );
  });

  it("with no mailbox on exchange: no Entra or Graph resources, the apex MX stays on the old host, and a warning says so", async () => {
    const mailboxes = (stackConfig("staging")["mailshift:mailboxes"] as { route: string }[]).map((m) => ({ ...m, route: "imap" }));
    // nothing signs the apex then: DMARC may not enforce there (plan/dmarc.ts)
    const { declared, exports } = await runProgram(
      configFor("staging", "cutover", { "mailshift:mailboxes": mailboxes, "mailshift:dmarc": { policy: "none" } }),
    );
    assert.deepEqual(
      declared.filter((d) => /^azuread:|mailshift:TenantDomain|mailshift:DomainVerification|command:local/.test(d.type)).map((d) => d.name),
      [],
    );
    const apexMx = declared.filter(
      (d) => d.type === "cloudflare:index/dnsRecord:DnsRecord" && d.inputs.type === "MX" && d.inputs.name === "staging-example.com",
    );
    assert.deepEqual(
      apexMx.map((d) => d.inputs.content),
      ["mx1.oldhost.net", "mx2.oldhost.net"],
    );
    assert.equal(declared.filter((d) => d.type === "command:remote:Command").length, 3);
    assert.ok((exports.warnings as string[]).includes("no mailbox goes to exchange: the apex MX stays on the old host"));
  });

  it("refuses a stage that skips one, naming mailshift:stage, before declaring anything", async () => {
    const cfg = configFor("production", "finalize", { "mailshift:previousStage": "copy" });
    await assert.rejects(runProgram(cfg), /mailshift:stage: changing from copy to finalize skips cutover/);
  });

  it("names the missing password's config path", async () => {
    const cfg = configFor("production", "copy", { "mailshift:passwords": { "bob@example.com": { source: "x" } } });
    await assert.rejects(runProgram(cfg), (err: Error) => {
      assert.match(
        err.message,
        /mailshift:passwords\["bob@example\.com"\]\.destination: is not set but bob@example\.com gets an account on the new host/,
      );
      assert.match(err.message, /mailshift:passwords\["alice@example\.com"\]\.source: is not set but stage copy copies/);
      return true;
    });
  });

  it("with oldHost.admin (staging), no source password is needed, only the administrator's", async () => {
    const cfg = configFor("staging", "copy", {
      "mailshift:passwords": {
        "bob.test@staging-example.com": { destination: "x" },
        "carol.test@staging-example.com": { destination: "y" },
      },
      "mailshift:oldHostAdminPassword": "",
    });
    await assert.rejects(runProgram(cfg), (err: Error) => {
      assert.match(
        err.message,
        /mailshift:oldHostAdminPassword: is not set but stage copy copies every mailbox from the old host as the administrator mspadmin/,
      );
      assert.doesNotMatch(err.message, /\.source/);
      return true;
    });
  });
});
