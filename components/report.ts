// The stakeholder page written by `pulumi up`: the plan's view of the migration plus each MailboxMigration's own
// counts (not a `pulumi stack export` round trip), as a StakeholderReport resource that writes report/'s page.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MigrationPlan } from "../plan/plan";
import type { MailboxMigration } from "../providers/mailboxMigration/resource";
import { StakeholderReport } from "../providers/stakeholderReport/resource";
import { reportDataFromPlan } from "../report/fromPlan";
import { cutoverWindow } from "../plan/cutoverWindow";

export interface ReportArgs {
  plan: MigrationPlan;
  /** Each mailbox's migration, by source address. */
  migrations: Readonly<Record<string, MailboxMigration>>;
  /** mailshift:report.file, relative to the project folder. */
  file: string;
  negativeTtl?: number;
  /** What the page must add to be true here (e.g. DNS switched off in the sandbox). */
  notes?: string[];
  /** When cutover was deployed (the gates' record, gateState.cutoverAt). */
  cutoverAt?: pulumi.Input<string | undefined>;
}

/** Only the counts of a migration's outputs (never its endpoints, which carry credentials). */
function counts(
  r: MailboxMigration,
): pulumi.Output<{ page: object; generation: number; verified: boolean; missing: number; lastPassAt?: string }> {
  return pulumi
    .all([r.totals, r.perFolder, r.skipped, r.skippedOmitted, r.verified, r.lastPassAt, r.lastPass, r.drift])
    .apply(([totals, perFolder, skipped, skippedOmitted, verified, lastPassAt, lastPass, drift]) => ({
      page: { totals, perFolder, skipped, skippedOmitted, verified, ...(lastPassAt ? { lastPassAt } : {}) },
      generation: lastPass?.syncGeneration ?? 0,
      verified: verified === true,
      missing: drift?.missing ?? 0,
      ...(lastPassAt ? { lastPassAt } : {}),
    }));
}

export function stakeholderReport(name: string, args: ReportArgs, opts?: pulumi.CustomResourceOptions): StakeholderReport {
  const results = pulumi.all(Object.fromEntries(Object.entries(args.migrations).map(([source, r]) => [source, counts(r)])));
  const data = pulumi.all([results, args.cutoverAt]).apply(([r, cutoverAt]) => {
    const d = reportDataFromPlan(args.plan, Object.fromEntries(Object.entries(r).map(([source, c]) => [source, c.page])));
    const passes = Object.entries(r).map(([source, c]) => ({ source, ...c }));
    const window = args.plan.stage === "cutover" || args.plan.stage === "finalize" ? cutoverWindow(cutoverAt, passes) : undefined;
    return { ...d, notes: [...d.notes, ...(args.notes ?? [])], ...(window ? { cutoverWindow: window } : {}) };
  });
  return new StakeholderReport(
    name,
    {
      file: path.resolve(args.file),
      data,
      ...(args.negativeTtl !== undefined ? { negativeTtl: args.negativeTtl } : {}),
    },
    opts,
  );
}
