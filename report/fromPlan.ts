// ReportData straight from the plan and the migrations' outputs, for the Pulumi program: it has both in hand
// (inside an apply over the MailboxMigration outputs) and can write renderReport's page as a file, with no
// round trip through text outputs.
import type { MigrationPlan } from "../plan/plan";
import { parseDnsChange } from "./dnsChange";
import { progressFromMigration } from "./fromOutputs";
import type { DnsChange, ReportData } from "./types";

/** `results`: each MailboxMigration's outputs, by source address; only the counts are read. */
export function reportDataFromPlan(plan: MigrationPlan, results: Readonly<Record<string, object>> = {}, deployedAt?: string): ReportData {
  const notes: string[] = [];
  const dnsChanges: DnsChange[] = [];
  for (const c of plan.dnsChanges) {
    // the same words as the `dnsChanges` stack output, so both roads read the TTLs one way
    const line = `${c.action} ${c.type} ${c.name}${c.from ? ` from ${c.from}` : ""}${c.to ? ` to ${c.to}` : ""}`;
    const parsed = parseDnsChange(line);
    if (parsed) dnsChanges.push(parsed);
    else notes.push(`A DNS change could not be read: ${line}`);
  }
  return {
    stage: plan.stage,
    ...(deployedAt ? { deployedAt } : {}),
    mailboxes: plan.mailboxes.map((m) => {
      const r = results[m.source];
      return {
        source: m.source,
        destination: m.destination,
        route: m.route,
        ...(r ? { progress: progressFromMigration(r as Record<string, unknown>) } : {}),
      };
    }),
    dnsChanges,
    addressChanges: plan.addressChanges.map((c) => ({ from: c.from, to: c.to })),
    warnings: [...plan.warnings],
    notes,
    ...(plan.config.notices ? { contact: plan.config.notices.contact, windows: plan.config.notices.windows } : {}),
  };
}
