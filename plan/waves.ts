// Waves: a fleet split into stacks that copy at the same time. One domain stack holds what the domain shares (zone,
// records, Exchange domain, Entra users, the IMAP app) and lists its waves (mailshift:waves); each mailbox names
// its wave. A wave stack holds only mailshift:domainStack, mailshift:wave and its own secrets: it rebuilds the
// domain's plan from the domain stack's `waveInputs` output and copies its own mailboxes. Pure.
import { cfgPath, PlanError, PlanErrors } from "./errors";
import type { MigrationPlan } from "./plan";
import { SECRET_KEYS } from "./secretKeys";
import type { MailboxConfig, Stage } from "./types";
import { STAGES } from "./types";

export const WAVE_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A stack reference name: stack, project/stack or organization/project/stack. */
const STACK_REF_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/;
/** The only non-secret keys of a wave stack. */
export const WAVE_STACK_KEYS = ["domainStack", "wave"] as const;

/**
 * mailshift:waves checked against the mailboxes' `wave`: with waves, every mailbox names a declared one; without,
 * no mailbox names any. `at[i]`: the position of mailboxes[i] in mailshift:mailboxes, for the error's path.
 */
export function parseWaves(
  raw: unknown,
  mailboxes: readonly Pick<MailboxConfig, "address" | "wave">[],
  at: readonly number[],
): { waves?: Record<string, string>; errors: PlanError[] } {
  const errors: PlanError[] = [];
  const path = (i: number) => cfgPath("mailboxes", at[i] ?? i, "wave");
  if (raw === undefined || raw === null) {
    mailboxes.forEach((m, i) => {
      if (m.wave !== undefined)
        errors.push(
          new PlanError(
            path(i),
            `puts ${m.address} in wave ${m.wave}, but mailshift:waves is not set`,
            `Declare the waves and their stacks: pulumi config set --path 'mailshift:waves.${m.wave}' ORG/mailshift/STACK-${m.wave}`,
          ),
        );
    });
    return { errors };
  }
  if (typeof raw !== "object" || Array.isArray(raw) || Object.keys(raw).length === 0) {
    errors.push(
      new PlanError(
        cfgPath("waves"),
        "must map each wave's name to its stack",
        "Write e.g. { wave-a: organization/mailshift/production-wave-a }",
      ),
    );
    return { errors };
  }
  const waves: Record<string, string> = {};
  for (const [name, ref] of Object.entries(raw as Record<string, unknown>)) {
    if (!WAVE_NAME_RE.test(name))
      errors.push(
        new PlanError(
          cfgPath("waves", name),
          `${JSON.stringify(name)} is not a wave name`,
          "Use lower-case letters, digits and dashes: wave-a",
        ),
      );
    else if (typeof ref !== "string" || !STACK_REF_RE.test(ref))
      errors.push(
        new PlanError(
          cfgPath("waves", name),
          `must be the wave stack's reference name, got ${JSON.stringify(ref)}`,
          "Write organization/project/stack, as `pulumi stack ls` and StackReference name it",
        ),
      );
    else waves[name] = ref;
  }
  mailboxes.forEach((m, i) => {
    if (m.wave === undefined)
      errors.push(
        new PlanError(
          path(i),
          `is not set, but mailshift:waves is: ${m.address} would be copied by no stack`,
          `Put it in one of the waves (${Object.keys(waves).join(", ")}): wave: ${Object.keys(waves)[0] ?? "NAME"}`,
        ),
      );
    else if (!(m.wave in waves) && WAVE_NAME_RE.test(m.wave))
      errors.push(
        new PlanError(
          path(i),
          `names wave ${m.wave}, which mailshift:waves does not declare`,
          `Use one of ${Object.keys(waves).join(", ")}, or declare it: pulumi config set --path 'mailshift:waves.${m.wave}' ORG/mailshift/STACK`,
        ),
      );
  });
  return { waves, errors };
}

/** A wave no mailbox is in: its stack would copy nothing. */
export function waveWarnings(waves: Readonly<Record<string, string>> | undefined, mailboxes: readonly MailboxConfig[]): string[] {
  return Object.keys(waves ?? {})
    .filter((w) => !mailboxes.some((m) => m.wave === w))
    .map((w) => `mailshift:waves.${w}: no mailbox is in wave ${w}; its stack copies nothing (remove it, or put mailboxes in it)`);
}

/**
 * What a domain stack exports for its waves (`waveInputs`): everything a wave needs to build the same plan with
 * parseConfig and buildPlan, and nothing secret. The audits travel read (a wave cannot read the domain's files).
 */
export interface WaveInputs {
  /** The stage the domain stack deployed: a wave copies that stage's generation, never ahead of the DNS. */
  stage: Stage;
  /** The domain stack's non-secret mailshift keys, as parseConfig takes them (mailshift:auditFile read into audits). */
  config: Readonly<Record<string, unknown>>;
  /** Audited bytes by source login (mailshift:audit and the audit file, as the domain read them). */
  audits: Readonly<Record<string, number>>;
}

/** The domain's waveInputs from its raw config (secret keys dropped, whatever put them there) and its audits. */
export function waveInputs(raw: Readonly<Record<string, unknown>>, audits: Readonly<Record<string, number>>, stage: Stage): WaveInputs {
  const config = Object.fromEntries(Object.entries(raw).filter(([k]) => !SECRET_KEYS.includes(k) && k !== "auditFile"));
  return { stage, config, audits: { ...audits } };
}

/** A wave stack's own keys: domainStack and wave; any other non-secret key belongs in the domain stack. */
export function checkWaveStack(raw: Readonly<Record<string, unknown>>): { domainStack: string; wave: string } {
  const errors: PlanError[] = [];
  const domainStack = typeof raw.domainStack === "string" ? raw.domainStack.trim() : "";
  const wave = typeof raw.wave === "string" ? raw.wave.trim() : "";
  if (!STACK_REF_RE.test(domainStack))
    errors.push(
      new PlanError(
        cfgPath("domainStack"),
        `must be the domain stack's reference name, got ${JSON.stringify(raw.domainStack)}`,
        "Write organization/project/stack",
      ),
    );
  if (!WAVE_NAME_RE.test(wave))
    errors.push(
      new PlanError(
        cfgPath("wave"),
        raw.wave === undefined ? "is not set in this wave stack" : `${JSON.stringify(raw.wave)} is not a wave name`,
        "Set it to this stack's wave as the domain stack's mailshift:waves names it: pulumi config set mailshift:wave wave-a",
      ),
    );
  for (const k of Object.keys(raw))
    if (!(WAVE_STACK_KEYS as readonly string[]).includes(k) && !SECRET_KEYS.includes(k))
      errors.push(
        new PlanError(
          cfgPath(k),
          "is set in a wave stack",
          `It belongs in the domain stack (${domainStack || "mailshift:domainStack"}), which every wave reads: set it there and remove it here (pulumi config rm ${cfgPath(k)})`,
        ),
      );
  if (errors.length > 0) throw new PlanErrors(errors);
  return { domainStack, wave };
}

/** The domain stack's waveInputs output read back; a missing or foreign one says what to do. */
export function parseWaveInputs(v: unknown, domainStack: string, wave: string): WaveInputs {
  const o = v as Partial<WaveInputs> | undefined;
  const ok =
    o &&
    typeof o === "object" &&
    (STAGES as readonly string[]).includes(o.stage as string) &&
    o.config &&
    typeof o.config === "object" &&
    o.audits &&
    typeof o.audits === "object";
  if (!ok)
    throw new PlanError(
      cfgPath("domainStack"),
      `${domainStack} has no waveInputs output`,
      "Run `pulumi up` on the domain stack first (a stack with mailshift:waves exports it), then this wave",
    );
  const declared = (o.config!.waves ?? {}) as Record<string, unknown>;
  if (!(wave in declared))
    throw new PlanError(
      cfgPath("wave"),
      `${wave} is not a wave of ${domainStack} (its mailshift:waves: ${Object.keys(declared).join(", ") || "none"})`,
      `Set mailshift:wave to one of them, or add it to the domain stack: pulumi config set --path 'mailshift:waves.${wave}' THIS_STACK`,
    );
  return o as WaveInputs;
}

/** The wave a planned mailbox is in (its config entry's), by source address. */
function waveOf(plan: MigrationPlan, source: string): string | undefined {
  const m = plan.mailboxes.find((x) => x.source === source);
  return m ? plan.config.mailboxes[m.index]?.wave : undefined;
}

/**
 * The part of the plan a stack copies: without waves, all of it; in a wave stack (`wave`), its mailboxes and their
 * migrations; in a domain stack with waves, none (its records, Exchange domain and Entra users come from the plan).
 */
export function planPart(plan: MigrationPlan, wave?: string): MigrationPlan {
  if (!plan.config.waves) return plan;
  const here = (source: string) => wave !== undefined && waveOf(plan, source) === wave;
  return { ...plan, mailboxes: plan.mailboxes.filter((m) => here(m.source)), migrations: plan.migrations.filter((m) => here(m.source)) };
}
