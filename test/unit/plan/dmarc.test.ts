// DMARC enforces only where mail is DKIM-signed with an aligned key; the subdomain has its own policy. The
// decisions of plan/dkim.ts and plan/dmarc.ts, and the plan errors parseConfig reports from them.
import assert from "node:assert/strict";
import { apexSigned, enableSigningAt, planDkim, subSigned } from "../../../plan/dkim";
import { decideDmarc } from "../../../plan/dmarc";
import { parseConfig } from "../../../plan/config";
import { PlanErrors } from "../../../plan/errors";
import { STAGES } from "../../../plan/types";
import fs from "node:fs";
import path from "node:path";
import { parseZoneFile } from "../../../dns/zonefile";
import { repoRoot } from "../../../harness/repoRoot";
import { buildPlan } from "../../../plan/plan";
import type { Stage } from "../../../plan/types";
import { rawMailshift } from "./stackFiles";

const PASTED = {
  selector1CNAME: "selector1-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft",
  selector2CNAME: "selector2-example-com._domainkey.examplecom.n-v1.dkim.mail.microsoft",
};

/** production with its exchange, newHost and dmarc settings changed. */
function production(change: { exchange?: object; newHost?: object; dmarc?: object; cloudflare?: object }): Record<string, unknown> {
  const raw = structuredClone(rawMailshift("production")) as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(change)) raw[k] = { ...raw[k], ...v };
  return raw;
}

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  return [];
}

const dkimOf = (raw: Record<string, unknown>) => {
  const c = parseConfig(raw);
  return planDkim({ ...c, routes: { exchange: true, imap: true } });
};

describe("plan/dkim: who signs each name's mail, and from when", () => {
  it("through the admin API, an existing zone is signed from prepare; a created one from cutover (once delegated)", () => {
    const existing = dkimOf(production({}));
    assert.deepEqual(existing.apex, { signer: "exchange", cnames: "admin-api", enableFrom: "prepare" });
    assert.deepEqual(
      STAGES.map((s) => apexSigned(existing, s)),
      [true, true, true, true],
    );
    const created = dkimOf(
      production({
        cloudflare: { zoneId: undefined, zone: "create", accountId: "0123456789abcdef0123456789abcdef", importZoneFile: false },
      }),
    );
    assert.deepEqual(
      STAGES.map((s) => [apexSigned(created, s), enableSigningAt(created, s)]),
      [
        [false, false],
        [false, false],
        [true, true],
        [true, true],
      ],
    );
  });

  it("with pasted CNAMEs mailshift never enables signing; the operator's exchange.dkim.enabled says whether it is", () => {
    const off = dkimOf(production({ exchange: { dkim: PASTED }, dmarc: { policy: "none" } }));
    assert.equal(off.apex.signer === "exchange" && off.apex.cnames, "config");
    assert.ok(STAGES.every((s) => !apexSigned(off, s) && !enableSigningAt(off, s)));
    const on = dkimOf(production({ exchange: { dkim: { ...PASTED, enabled: true } } }));
    assert.ok(STAGES.every((s) => apexSigned(on, s) && !enableSigningAt(on, s)));
  });

  it("the subdomain is signed only when newHost.dkim names the selector and key mailshift publishes", () => {
    assert.ok(subSigned(dkimOf(production({}))));
    const raw = production({});
    delete (raw.newHost as Record<string, unknown>).dkim;
    raw.dmarc = { policy: "reject" };
    const d = dkimOf(raw);
    assert.equal(d.sub?.signer, "none");
    assert.ok(!subSigned(d));
  });

  it("no exchange route: nothing mailshift sets up signs the apex", () => {
    const c = parseConfig(production({}));
    const d = planDkim({ ...c, routes: { exchange: false, imap: true } });
    assert.equal(d.apex.signer, "none");
    assert.ok(!apexSigned(d, "finalize"));
  });
});

describe("plan/dmarc: p=quarantine or reject only for DKIM-signed, aligned mail", () => {
  it("asking p=reject while Exchange signing is not enabled is a plan error naming the key and the command", () => {
    const msgs = problems(production({ exchange: { dkim: PASTED } }));
    assert.equal(msgs.length, 1, msgs.join("\n"));
    assert.match(
      msgs[0]!,
      /^mailshift:dmarc\.policy: asks for p=reject at example\.com, but its mail is not DKIM-signed: Exchange's DKIM signing for example\.com is not enabled \(mailshift:exchange\.dkim\.enabled is false\)\. /,
    );
    assert.ok(msgs[0]!.includes("`Set-DkimSigningConfig -Identity example.com -Enabled $true`"));
    assert.ok(msgs[0]!.includes("set mailshift:exchange.dkim.enabled to true"));
    assert.deepEqual(problems(production({ exchange: { dkim: PASTED }, dmarc: { policy: "none" } })), []);
    assert.deepEqual(problems(production({ exchange: { dkim: { ...PASTED, enabled: true } } })), []);
  });

  it("asking an enforcing subdomainPolicy without the new host's key is a plan error naming newHost.dkim", () => {
    const raw = production({ dmarc: { subdomainPolicy: "quarantine" } });
    delete (raw.newHost as Record<string, unknown>).dkim;
    const msgs = problems(raw);
    assert.equal(msgs.length, 1, msgs.join("\n"));
    assert.match(
      msgs[0]!,
      /^mailshift:dmarc\.subdomainPolicy: asks for p=quarantine at mail2\.example\.com, but its mail is not DKIM-signed: /,
    );
    assert.match(msgs[0]!, /Set mailshift:newHost\.dkim to the selector and key the new host signs with/);
  });

  it("without subdomainPolicy the subdomain follows the apex when it signs, else stays p=none with a warning", () => {
    const signed = dkimOf(production({}));
    assert.deepEqual(decideDmarc({ domain: "example.com", subdomain: "mail2.example.com", dmarc: { policy: "reject" } }, signed), {
      apex: "reject",
      sub: "reject",
      errors: [],
      warnings: [],
    });
    const raw = production({});
    delete (raw.newHost as Record<string, unknown>).dkim;
    const unsigned = dkimOf(raw);
    const d = decideDmarc({ domain: "example.com", subdomain: "mail2.example.com", dmarc: { policy: "reject" } }, unsigned);
    assert.equal(d.sub, "none");
    assert.deepEqual(d.errors, []);
    assert.match(d.warnings[0]!, /^_dmarc\.mail2\.example\.com stays p=none after finalize: mailshift:newHost\.dkim is not set/);
    // a subdomain that signs may still be held back on purpose
    assert.equal(
      decideDmarc({ domain: "example.com", subdomain: "mail2.example.com", dmarc: { policy: "reject", subdomainPolicy: "none" } }, signed)
        .sub,
      "none",
    );
  });

  it("refuses pasted CNAMEs that are not Exchange's, and a newHost.dkim without a key", () => {
    const msgs = problems(
      production({
        exchange: { dkim: { selector1CNAME: "selector1._domainkey.example.com", selector2CNAME: PASTED.selector1CNAME, enabled: true } },
        newHost: { dkim: { selector: "default", txt: "v=DKIM1; k=rsa" } },
      }),
    );
    assert.ok(
      msgs.some((m) =>
        m.startsWith('mailshift:exchange.dkim.selector1CNAME: "selector1._domainkey.example.com" is not an Exchange DKIM target'),
      ),
    );
    assert.ok(
      msgs.some((m) => m.startsWith("mailshift:exchange.dkim.selector2CNAME: ")),
      "a selector1 target given for selector2",
    );
    assert.ok(msgs.some((m) => m.startsWith("mailshift:newHost.dkim.txt: is not a DKIM key record with a public key (p=)")));
  });

  it("takes both target forms Exchange prints", () => {
    for (const tail of ["examplecom.onmicrosoft.com", "examplecom.n-v1.dkim.mail.microsoft", "examplecom.r-v1.dkim.mail.microsoft"]) {
      const dkim = {
        selector1CNAME: `selector1-example-com._domainkey.${tail}`,
        selector2CNAME: `selector2-example-com._domainkey.${tail}`,
        enabled: true,
      };
      assert.deepEqual(parseConfig(production({ exchange: { dkim } })).exchange!.dkim, dkim);
    }
  });
});

describe("plan: Exchange signing waits for its CNAMEs to be published", () => {
  const hand = path.join(repoRoot(), "test", "fixtures", "zones", "bind-hand-written.zone");
  const imported = parseZoneFile(fs.readFileSync(hand, "utf8"), { file: hand, origin: "example.com" }).records;
  const at = (stage: Stage, importZoneFile: boolean) => {
    const raw = production({ cloudflare: { importZoneFile } });
    Object.assign(raw, { stage, zoneFile: hand, force: true });
    delete raw.previousStage;
    return buildPlan(parseConfig(raw), imported, hand);
  };

  it("an existing zone without the import: enabled from prepare", () => {
    assert.deepEqual(
      STAGES.map((s) => at(s, false).dkim.enableExchangeSigning),
      [true, true, true, true],
    );
  });

  it("the old host's selector1._domainkey imported: the CNAMEs, and so signing, wait for cutover", () => {
    const plans = STAGES.map((s) => at(s, true));
    assert.deepEqual(
      plans.map((p) => p.zone!.records.some((r) => r.plannedKey === "dkim-selector1" && r.source === "generated")),
      [false, false, true, true],
    );
    assert.deepEqual(
      plans.map((p) => p.dkim.enableExchangeSigning),
      [false, false, true, true],
    );
  });
});
