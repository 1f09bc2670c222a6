// plan/waves.ts: which stack copies which mailbox, what the domain stack hands its waves, and what a wave stack
// may hold. Read from the example stacks: production (the domain) and its two wave stacks.
import assert from "node:assert/strict";
import { parseConfig, SECRET_KEYS } from "../../../plan/config";
import { PlanErrors } from "../../../plan/errors";
import { buildPlan } from "../../../plan/plan";
import { checkSecrets } from "../../../plan/secrets";
import { checkWaveStack, parseWaveInputs, planPart, waveInputs } from "../../../plan/waves";
import { rawMailshift, stackConfig, WAVE_STACKS } from "./stackFiles";

const raw = (): Record<string, unknown> => ({ ...rawMailshift("production"), stage: "copy", previousStage: "prepare" });
const mailboxes = () => raw().mailboxes as Record<string, unknown>[];
const errorsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof PlanErrors) return err.errors.map((e) => e.message);
    return [(err as Error).message];
  }
  assert.fail("expected plan errors");
};

describe("plan/waves: mailshift:waves and each mailbox's wave", () => {
  it("production's mailboxes are each in one of its two waves", () => {
    const c = parseConfig(raw());
    assert.deepEqual(c.waves, {
      "wave-a": "organization/mailshift/production-wave-a",
      "wave-b": "organization/mailshift/production-wave-b",
    });
    assert.deepEqual(
      c.mailboxes.map((m) => `${m.address} ${m.wave}`),
      [
        "alice@example.com wave-a",
        "ceo@example.com wave-a",
        "sales@example.com wave-b",
        "bob@example.com wave-a",
        "archive@example.com wave-b",
        "eve@example.com wave-b",
      ],
    );
  });

  it("refuses a mailbox in no wave, in an undeclared one, or with a bad name, naming the mailbox and the fix", () => {
    const m = mailboxes();
    delete m[1]!.wave;
    m[2]!.wave = "wave-c";
    m[3]!.wave = "Wave A";
    const errors = errorsOf(() => parseConfig({ ...raw(), mailboxes: m }));
    assert.ok(
      errors.some((e) =>
        /^mailshift:mailboxes\[1\]\.wave: is not set, but mailshift:waves is: ceo@example\.com would be copied by no stack\. Put it in one of the waves \(wave-a, wave-b\)/.test(
          e,
        ),
      ),
      errors.join("\n"),
    );
    assert.ok(errors.some((e) => /^mailshift:mailboxes\[2\]\.wave: names wave wave-c, which mailshift:waves does not declare/.test(e)));
    assert.ok(errors.some((e) => /^mailshift:mailboxes\[3\]\.wave: "Wave A" is not a wave name/.test(e)));
  });

  it("refuses a wave on a mailbox without mailshift:waves, and a wave stack's key in a domain stack", () => {
    const { waves: _w, ...noWaves } = raw();
    const errors = errorsOf(() => parseConfig({ ...noWaves, wave: "wave-a" }));
    assert.ok(
      errors.some((e) => /^mailshift:mailboxes\[0\]\.wave: puts alice@example\.com in wave wave-a, but mailshift:waves is not set/.test(e)),
    );
    assert.ok(errors.some((e) => /^mailshift:wave: is a wave stack's setting, but mailshift:domainStack is not set/.test(e)));
  });

  it("warns about a wave no mailbox is in", () => {
    const c = parseConfig({ ...raw(), waves: { ...(raw().waves as object), "wave-c": "organization/mailshift/production-wave-c" } });
    assert.ok(buildPlan(c).warnings.some((w) => /^mailshift:waves\.wave-c: no mailbox is in wave wave-c/.test(w)));
  });
});

describe("plan/waves: what the domain stack hands its waves", () => {
  const audits = { "bob@example.com": 123, eve: 456 };
  it("waveInputs carries the config and the read audits, never a secret nor the audit file's path", () => {
    const withSecrets: Record<string, unknown> = { ...raw(), auditFile: "audit/production.jsonl" };
    for (const k of SECRET_KEYS) withSecrets[k] = `secret-${k}`;
    const w = waveInputs(withSecrets, audits, "copy");
    assert.equal(w.stage, "copy");
    assert.deepEqual(w.audits, audits);
    for (const k of [...SECRET_KEYS, "auditFile"]) assert.ok(!(k in w.config), `${k} is not handed to the waves`);
    assert.ok(!JSON.stringify(w).includes("secret-"), "no secret value anywhere");
  });

  it("a wave rebuilds the same plan from it and copies only its mailboxes; the domain copies none", () => {
    const domain = buildPlan(parseConfig(raw(), audits));
    const w = parseWaveInputs(waveInputs(raw(), audits, "copy"), "organization/mailshift/production", "wave-a");
    const again = buildPlan(parseConfig(w.config, w.audits));
    assert.deepEqual(again.migrations, domain.migrations, "the same migrations, copy settings and quotas");
    assert.deepEqual(
      again.mailboxes.map((m) => m.quotaBytes),
      domain.mailboxes.map((m) => m.quotaBytes),
    );
    const a = planPart(again, "wave-a");
    const b = planPart(again, "wave-b");
    assert.deepEqual(
      a.migrations.map((m) => m.source),
      ["alice@example.com", "ceo@example.com", "bob@example.com"],
    );
    assert.deepEqual(
      b.migrations.map((m) => m.source),
      ["sales@example.com", "archive@example.com", "eve@example.com"],
    );
    assert.deepEqual([...a.migrations, ...b.migrations].map((m) => m.source).sort(), domain.migrations.map((m) => m.source).sort());
    assert.deepEqual(planPart(domain).migrations, []);
    assert.deepEqual(planPart(domain).mailboxes, []);
    // without waves the stack copies everything
    const { waves: _w, ...one } = raw();
    const single = buildPlan(parseConfig({ ...one, mailboxes: mailboxes().map(({ wave: _x, ...m }) => m) }));
    assert.equal(planPart(single), single);
  });

  it("a missing waveInputs or a wave the domain does not declare says what to do", () => {
    assert.match(
      errorsOf(() => parseWaveInputs(undefined, "organization/mailshift/production", "wave-a"))[0]!,
      /^mailshift:domainStack: organization\/mailshift\/production has no waveInputs output\. Run `pulumi up` on the domain stack first/,
    );
    assert.match(
      errorsOf(() => parseWaveInputs(waveInputs(raw(), {}, "copy"), "organization/mailshift/production", "wave-z"))[0]!,
      /^mailshift:wave: wave-z is not a wave of organization\/mailshift\/production \(its mailshift:waves: wave-a, wave-b\)/,
    );
  });
});

describe("plan/waves: a wave stack holds its two keys and its secrets only", () => {
  for (const stack of WAVE_STACKS)
    it(`${stack} names production and its wave`, () => {
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(stackConfig(stack))) if (k.startsWith("mailshift:")) own[k.slice("mailshift:".length)] = v;
      assert.deepEqual(checkWaveStack(own), { domainStack: "organization/mailshift/production", wave: stack.replace("production-", "") });
      // and the domain declares it under that name
      assert.equal((raw().waves as Record<string, string>)[stack.replace("production-", "")], `organization/mailshift/${stack}`);
    });

  it("refuses a domain key in a wave stack, saying it belongs in the domain stack", () => {
    const errors = errorsOf(() =>
      checkWaveStack({
        domainStack: "organization/mailshift/production",
        wave: "wave-a",
        stage: "copy",
        passwords: {},
        oldHostAdminPassword: "x",
      }),
    );
    assert.deepEqual(errors, [
      "mailshift:stage: is set in a wave stack. It belongs in the domain stack (organization/mailshift/production), which every wave reads: set it there and remove it here (pulumi config rm mailshift:stage)",
    ]);
    assert.ok(
      errorsOf(() => checkWaveStack({ domainStack: "organization/mailshift/production" })).some((e) =>
        /^mailshift:wave: is not set/.test(e),
      ),
    );
  });
});

describe("plan/waves: the secrets each stack of a wave layout needs", () => {
  const plan = buildPlan(parseConfig(raw()));
  const none = { graphClientSecret: false, cpanelToken: false, sshPrivateKey: false, passwords: {} };
  const missing = (f: () => void) => {
    try {
      f();
      return [];
    } catch (err) {
      assert.ok(err instanceof PlanErrors);
      return err.errors.map((e) => e.path);
    }
  };

  it("the domain stack adds the domain but copies nothing: the Graph secret only, no mailbox password", () => {
    const exchange = plan.mailboxes.filter((m) => m.route === "exchange");
    assert.deepEqual(
      missing(() => checkSecrets(plan.config, exchange, none, { addsDomain: true, copies: false })),
      ["mailshift:graphClientSecret"],
    );
  });

  it("a wave stack copies its mailboxes: their passwords and the new host's token, not the Graph secret", () => {
    const part = planPart(plan, "wave-a");
    assert.deepEqual(
      missing(() => checkSecrets(plan.config, part.mailboxes, none, { addsDomain: false, copies: true })),
      [
        "mailshift:cpanelToken",
        'mailshift:passwords["alice@example.com"].source',
        'mailshift:passwords["ceo@example.com"].source',
        'mailshift:passwords["bob@example.com"].destination',
        'mailshift:passwords["bob@example.com"].source',
      ],
    );
  });
});
