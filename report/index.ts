// The stakeholder report: stack outputs in, one self-contained HTML page out.
export { renderReport, type RenderOptions } from "./render";
export { fromStackOutputs, mergeStateExport, mergeSyncSummary, progressFromMigration, ReportInputError } from "./fromOutputs";
export { reportDataFromPlan } from "./fromPlan";
export { propagation, DEFAULT_NEGATIVE_TTL } from "./propagation";
export type { ReportData, ReportMailbox, MailboxProgress, DnsChange } from "./types";
