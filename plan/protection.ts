// What a `pulumi destroy`, or a mailbox or record dropped from the stack, must never take away. Pure: index.ts
// hands the result to the components as resource options.
//  - Accounts that hold mail (Entra users and their license, new-host accounts) are always declared with
//    retainOnDelete (components/exchange.ts, components/imapHost.ts): removed from the stack, they stay.
//  - With protection on (mailshift:protect; default on for a stack named `production`), the created zone and the
//    mail records are declared with `protect`, so Pulumi refuses to delete them. A record that a stage move the
//    stack allows would delete (cutover drops the old host's extra MX records; rolling cutover back to copy drops
//    autodiscover) is left unprotected at the stages before, or Pulumi would refuse that move too.
import { roleOf } from "./zoneRecords";
import { STAGES, type Stage } from "./types";

/** The roles of mailshift's records that decide where mail goes and whether it is trusted. */
export const PROTECTED_ROLES: readonly string[] = ["mx", "spf", "dkim", "dmarc", "autodiscover"];

export interface Protection {
  /** Whether the zone and the mail records are protected, and why. */
  on: boolean;
  reason: string;
  /** Resource keys of the declared records (MailDns) to protect at this stage. */
  records: string[];
  /** Mail records left unprotected at this stage, each with the reason. */
  unprotected: string[];
}

/** Protection is on when mailshift:protect says so, else for the stack named `production`. */
export function protectionOn(stack: string, flag: boolean | undefined): { on: boolean; reason: string } {
  if (flag !== undefined) return { on: flag, reason: `mailshift:protect is ${flag}` };
  return stack === "production"
    ? { on: true, reason: "the stack is production (set mailshift:protect false to lift it)" }
    : { on: false, reason: `stack ${stack} is not production (set mailshift:protect true to protect it)` };
}

/**
 * The mail records to protect at `stage`, from the resource keys declared at every stage: those declared at the
 * stage before (where a rollback lands), at this stage and at every later one. Forward skips (mailshift:force)
 * are covered; a backward skip of more than one stage may need `pulumi state unprotect` first.
 */
export function protectedRecords(
  keysByStage: Readonly<Record<Stage, readonly string[]>>,
  stage: Stage,
  on: boolean,
): { records: string[]; unprotected: string[] } {
  const i = STAGES.indexOf(stage);
  const records: string[] = [];
  const unprotected: string[] = [];
  for (const key of keysByStage[stage]) {
    if (!PROTECTED_ROLES.includes(roleOf(key))) continue;
    if (!on) continue;
    const later = STAGES.slice(i + 1).find((s) => !keysByStage[s].includes(key));
    const before = i > 0 && !keysByStage[STAGES[i - 1]!].includes(key) ? STAGES[i - 1] : undefined;
    if (later) unprotected.push(`${key}: stage ${later} deletes it`);
    else if (before) unprotected.push(`${key}: rolling back to ${before} deletes it`);
    else records.push(key);
  }
  return { records, unprotected };
}

export function planProtection(
  keysByStage: Readonly<Record<Stage, readonly string[]>>,
  stage: Stage,
  stack: string,
  flag: boolean | undefined,
): Protection {
  const { on, reason } = protectionOn(stack, flag);
  return { on, reason, ...protectedRecords(keysByStage, stage, on) };
}
