// Waves under pulumi.runtime.setMocks (plan/waves.ts, components/wave.ts): production as its example file has it,
// the domain stack of two waves. The domain declares the shared part and no copy, and exports waveInputs without a
// secret; each wave stack, given the domain's outputs through its StackReference, declares exactly its wave's
// accounts and migrations, with the domain's copy settings.
import assert from "node:assert/strict";
import { MAILBOX_MIGRATION_TYPE } from "../../providers/mailboxMigration/resource";
import { stackConfig, WAVE_STACKS } from "../unit/plan/stackFiles";
import { configFor, OLD_ADMIN_PASSWORD, runProgram, SECRETS, secretValue } from "./runProgram";

const DOMAIN_REF = "organization/mailshift/production";
const mailboxes = stackConfig("production")["mailshift:mailboxes"] as { address: string; route: string; wave: string }[];

describe("waves under mocks: production as a domain stack and its two wave stacks", function () {
  this.timeout(60_000);
  let domain: Awaited<ReturnType<typeof runProgram>>;
  before(async () => {
    domain = await runProgram(configFor("production", "copy", {}, true), "production");
  });

  it("the domain stack declares the records, the Exchange domain, users and app, and no account or migration", () => {
    const types = new Set(domain.declared.map((d) => d.type));
    assert.ok(types.has("cloudflare:index/dnsRecord:DnsRecord"));
    assert.ok(domain.declared.some((d) => d.name === "exchange-domain"));
    assert.ok(domain.declared.some((d) => d.name === "exchange-imap-app"));
    for (const m of mailboxes.filter((x) => x.route === "exchange"))
      assert.ok(
        domain.declared.some((d) => d.name === `exchange-user-exchange-${m.address}`),
        `Entra user of ${m.address}`,
      );
    assert.deepEqual(
      domain.declared.filter((d) => d.type === MAILBOX_MIGRATION_TYPE || d.name.startsWith("imaphost-") || d.name.startsWith("notice-")),
      [],
    );
    assert.deepEqual(domain.exports.plannedMigrations, []);
  });

  it("exports waveInputs with the stage, the config and the audits, and no secret", () => {
    const w = domain.exports.waveInputs as { stage: string; config: Record<string, unknown>; audits: Record<string, number> };
    assert.equal(w.stage, "copy");
    assert.deepEqual(w.config.waves, { "wave-a": `${DOMAIN_REF}-wave-a`, "wave-b": `${DOMAIN_REF}-wave-b` });
    assert.equal((w.config.audit as Record<string, number>).eve, 268435456);
    assert.deepEqual(w.audits, {}, "production has no audit file: its audits travel in the config");
    const text = JSON.stringify(w);
    for (const s of [...Object.values(SECRETS), OLD_ADMIN_PASSWORD, "old-", "new-", "app-secret-value"])
      assert.ok(!text.includes(s), `waveInputs shows a secret (${s})`);
    // the IMAP app goes to the waves as its own output, the client secret a secret
    const app = domain.exports.imapApp as { clientId: string; clientSecret: unknown };
    assert.equal(app.clientId, "app-client-id");
  });

  for (const stack of WAVE_STACKS) {
    const wave = stack.replace("production-", "");
    it(`${stack} declares exactly its wave's accounts and migrations, with the domain's copy settings`, async () => {
      const own = mailboxes.filter((m) => m.wave === wave);
      const config: Record<string, string> = {
        ...(stackConfig(stack) as Record<string, string>),
        "mailshift:passwords": JSON.stringify(
          Object.fromEntries(own.map((m) => [m.address, { source: `old-${m.address}`, destination: `new-${m.address}` }])),
        ),
        "mailshift:cpanelToken": SECRETS.cpanelToken,
      };
      const imapApp = { tenantId: "8d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", clientId: "app-client-id", clientSecret: "app-secret-value" };
      const { declared, exports } = await runProgram(config, stack, {
        [DOMAIN_REF]: { waveInputs: domain.exports.waveInputs as Record<string, unknown>, imapApp },
      });
      const migrations = declared.filter((d) => d.type === MAILBOX_MIGRATION_TYPE);
      const sub = "mail2.example.com";
      const dest = (m: { address: string; route: string }) => (m.route === "imap" ? `${m.address.split("@")[0]}@${sub}` : m.address);
      assert.deepEqual(migrations.map((d) => d.name).sort(), own.map((m) => `migration-${m.route}-${dest(m)}`).sort());
      assert.deepEqual(
        declared
          .filter((d) => d.name.startsWith("imaphost-imap-"))
          .map((d) => d.name)
          .sort(),
        own
          .filter((m) => m.route === "imap")
          .map((m) => `imaphost-imap-${dest(m)}`)
          .sort(),
      );
      // nothing of the domain's: no record, no Exchange resource
      assert.deepEqual(
        declared.filter((d) => /^cloudflare:|^azuread:|mailshift:exchange/.test(d.type)).map((d) => d.name),
        [],
      );
      for (const r of migrations) assert.equal(r.inputs.syncGeneration, 1);
      // the domain's copy settings: the old host's renames and excludes for all, archive's own exclude and connections
      const planned = exports.plannedMigrations as { source: string; copy?: { folders?: { exclude: string[] }; connections?: number } }[];
      assert.deepEqual(planned.map((p) => p.source).sort(), own.map((m) => m.address).sort());
      for (const p of planned) assert.ok(p.copy?.folders?.exclude.includes("Trash"), `${p.source}: the old host's excludes`);
      const archive = planned.find((p) => p.source === "archive@example.com");
      if (archive) assert.deepEqual([archive.copy?.folders?.exclude.includes("Archive/2009*"), archive.copy?.connections], [true, 2]);
      // Exchange mailboxes copy through the domain's app, its client secret still a secret
      for (const m of own.filter((x) => x.route === "exchange")) {
        const r = migrations.find((d) => d.name === `migration-exchange-${m.address}`)!;
        const dst = secretValue(r.inputs.destination) as { oauth2: { clientId: string; clientSecret: string } };
        assert.deepEqual([dst.oauth2.clientId, dst.oauth2.clientSecret], ["app-client-id", "app-secret-value"]);
      }
      assert.deepEqual([exports.stage, exports.wave], ["copy", wave]);
    });
  }

  it("a wave's migrations log in to the old host as its administrator, the password from the wave's own secrets", async () => {
    const prod = stackConfig("production");
    const withAdmin = await runProgram(
      configFor("production", "copy", { "mailshift:oldHost": { ...(prod["mailshift:oldHost"] as object), admin: "mspadmin" } }, true),
      "production",
    );
    const stack = WAVE_STACKS[0]!;
    const own = mailboxes.filter((m) => m.wave === stack.replace("production-", ""));
    const config: Record<string, string> = {
      ...(stackConfig(stack) as Record<string, string>),
      // no mailbox has a source password: only the administrator's
      "mailshift:passwords": JSON.stringify(Object.fromEntries(own.map((m) => [m.address, { destination: `new-${m.address}` }]))),
      "mailshift:oldHostAdminPassword": "old-admin-pw",
      "mailshift:cpanelToken": SECRETS.cpanelToken,
    };
    const imapApp = { tenantId: "8d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", clientId: "app-client-id", clientSecret: "app-secret-value" };
    const { declared } = await runProgram(config, stack, {
      [DOMAIN_REF]: { waveInputs: withAdmin.exports.waveInputs as Record<string, unknown>, imapApp },
    });
    const migrations = declared.filter((d) => d.type === MAILBOX_MIGRATION_TYPE);
    assert.equal(migrations.length, own.length);
    for (const r of migrations) {
      const src = secretValue(r.inputs.source) as { user: string; admin?: unknown; password: string };
      assert.deepEqual([src.admin, src.password], ["mspadmin", "old-admin-pw"], `${r.name}: logs in as the administrator`);
    }
  });

  it("the domain's gates read each wave's gateState: the next stage is blocked by the mailboxes of the wave that has not copied", async () => {
    const at = new Date().toISOString();
    const passes = (wave: string) =>
      mailboxes
        .filter((m) => m.wave === wave)
        .map((m) => ({ source: m.address, generation: 1, verified: true, missing: 0, lastPassAt: at }));
    const { exports } = await runProgram(configFor("production", "copy", {}, true), "production", {
      [`${DOMAIN_REF}-wave-a`]: {
        gateState: { stage: "copy", wave: "wave-a", migrations: passes("wave-a"), preflight: { at, problems: [] }, overrides: [] },
      },
    });
    const blockers = (exports.nextStageBlockers as string[]).filter((b) => /migrations-verified|preflight/.test(b));
    assert.deepEqual(blockers, [
      ...mailboxes
        .filter((m) => m.wave === "wave-b")
        .map((m) => `cutover [migrations-verified]: ${m.address}: no copy deployed yet; run \`pulumi up --refresh\` at stage copy again`),
      `cutover [preflight]: preflight (${at}): wave wave-b: no preflight recorded yet; run \`pulumi up\` on its stack ${DOMAIN_REF}-wave-b`,
    ]);
    // the record the domain leaves holds the waves' passes
    assert.deepEqual(
      (exports.gateState as { migrations: { source: string }[] }).migrations.map((m) => m.source),
      passes("wave-a").map((m) => m.source),
    );
  });

  it("a wave stack holding a domain key is refused, saying where it belongs", async () => {
    const config = { ...(stackConfig("production-wave-a") as Record<string, string>), "mailshift:stage": "copy" };
    await assert.rejects(
      runProgram(config, "production-wave-a", {}),
      /mailshift:stage: is set in a wave stack\. It belongs in the domain stack \(organization\/mailshift\/production\)/,
    );
  });
});
