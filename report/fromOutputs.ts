// From what the stack and the engine print to ReportData. Only named fields are read, one by one, so a secret in
// the input (`pulumi stack output --show-secrets` prints them, and a migration's outputs echo its credentials)
// can never reach the page.
import { STAGES, type Stage } from "../plan/types";
import { parseDnsChange } from "./dnsChange";
import type { DnsChange, FolderProgress, MailboxProgress, ReportData, ReportMailbox, SkippedNote } from "./types";

export class ReportInputError extends Error {
  override name = "ReportInputError";
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `pulumi stack output --json` of a mailshift stack. `file` names the input in errors. */
export function fromStackOutputs(outputs: unknown, file: string): ReportData {
  if (!isObj(outputs)) throw new ReportInputError(`${file}: expected the JSON object \`pulumi stack output --json\` prints`);
  const stage = str(outputs.stage);
  if (!stage || !(STAGES as readonly string[]).includes(stage))
    throw new ReportInputError(
      `${file}: output "stage" is ${stage === undefined ? "missing" : JSON.stringify(stage)}; expected one of ${STAGES.join(", ")}. Is this the output of a mailshift stack after \`pulumi up\`?`,
    );
  const notes: string[] = [];
  const dnsChanges: DnsChange[] = [];
  for (const line of list(outputs.dnsChanges)) {
    const c = typeof line === "string" ? parseDnsChange(line) : undefined;
    if (c) dnsChanges.push(c);
    else notes.push(`A DNS change could not be read: ${typeof line === "string" ? line : JSON.stringify(line)}`);
  }
  const addressChanges = list(outputs.addressChanges).flatMap((l) => {
    const m = typeof l === "string" ? /^(\S+) -> (\S+)$/.exec(l) : null;
    return m ? [{ from: m[1]!, to: m[2]! }] : [];
  });
  const mailboxes: ReportMailbox[] = list(outputs.mailboxes).flatMap((m) => {
    if (!isObj(m) || !str(m.source)) return [];
    return [{ source: str(m.source)!, destination: str(m.destination) ?? str(m.source)!, route: str(m.route) ?? "" }];
  });
  // Proposed output (not exported by index.ts yet): migration outputs by source address.
  if (isObj(outputs.migrationResults)) {
    for (const [source, r] of Object.entries(outputs.migrationResults)) {
      const mb = mailboxes.find((m) => m.source === source);
      if (mb && isObj(r)) mb.progress = progressFromMigration(r);
    }
  }
  return {
    stage: stage as Stage,
    mailboxes,
    dnsChanges,
    addressChanges,
    warnings: list(outputs.warnings).filter((w): w is string => typeof w === "string"),
    notes,
    ...contactAndWindows(outputs.notices),
  };
}

/** The backup channel and the maintenance windows of the `notices` output (notices/types.ts NoticePlan). */
export function contactAndWindows(notices: unknown): Pick<ReportData, "contact" | "windows"> {
  if (!isObj(notices)) return {};
  const c = isObj(notices.contact) ? notices.contact : undefined;
  const name = c && str(c.name);
  const w = isObj(notices.windows) ? notices.windows : {};
  const windows: NonNullable<ReportData["windows"]> = {};
  for (const k of ["cutover", "finalize"] as const) {
    const v = w[k];
    if (isObj(v) && str(v.start) && str(v.end)) windows[k] = { start: str(v.start)!, end: str(v.end)! };
  }
  const opt = (k: "phone" | "url" | "email") => (c && str(c[k]) ? { [k]: str(c[k])! } : {});
  return {
    ...(name ? { contact: { name, ...opt("phone"), ...opt("url"), ...opt("email") } } : {}),
    ...(Object.keys(windows).length ? { windows } : {}),
  };
}

/** The counts of a MailboxMigration's outputs (providers/mailboxMigration/types.ts), nothing else. */
export function progressFromMigration(o: Obj): MailboxProgress {
  const t = isObj(o.totals) ? o.totals : {};
  const folders: FolderProgress[] = list(o.perFolder)
    .filter(isObj)
    .map((f) => ({
      folder: str(f.folder) ?? "",
      onSource: num(f.onSource),
      onDestination: num(f.onDestination),
      copied: num(f.copied),
      skipped: num(f.skipped),
      bytesCopied: num(f.bytesCopied),
    }));
  const skippedMessages: SkippedNote[] = list(o.skipped)
    .filter(isObj)
    .map((s) => ({ folder: str(s.folder) ?? "", size: num(s.size), reason: str(s.reason) ?? "" }));
  const err = isObj(o.lastError) ? o.lastError : undefined;
  const lastPassAt = str(o.lastPassAt);
  return {
    onSource: num(t.onSource),
    onDestination: num(t.onDestination),
    copied: num(t.copied),
    skipped: num(t.skipped),
    bytesCopied: num(t.bytesCopied),
    verified: o.verified === true,
    ...(lastPassAt ? { lastPassAt } : {}),
    folders,
    skippedMessages,
    skippedOmitted: num(o.skippedOmitted),
    ...(err ? { lastError: { at: str(err.at) ?? "", message: str(err.message) ?? "" } } : {}),
  };
}

/** A `mailshift sync --json` summary (engine/summary.ts SyncSummary). */
export function progressFromSyncSummary(s: Obj): MailboxProgress {
  const folders = list(s.folders).filter(isObj);
  const perFolder = folders.map((f) => ({
    folder: str(f.folder) ?? "",
    destination: str(f.destination) ?? "",
    onSource: num(f.onSource),
    onDestination: num(f.alreadyPresent) + num(f.copied),
    copied: num(f.copied),
    skipped: list(f.skipped).length,
    bytesCopied: num(f.bytesCopied),
  }));
  const sum = (k: keyof FolderProgress) => perFolder.reduce((n, f) => n + (f[k] as number), 0);
  const skipped = folders.flatMap((f) => list(f.skipped).filter(isObj));
  return progressFromMigration({
    totals: {
      onSource: sum("onSource"),
      onDestination: sum("onDestination"),
      copied: sum("copied"),
      skipped: sum("skipped"),
      bytesCopied: sum("bytesCopied"),
    },
    perFolder,
    skipped: skipped.slice(0, 50),
    skippedOmitted: Math.max(0, skipped.length - 50),
    verified: s.verified,
    lastPassAt: s.finishedAt,
  });
}

/** The user part of "user@host:port" (the user may itself be an address). */
export function userOfLabel(label: string): string {
  const at = label.lastIndexOf("@");
  return at > 0 ? label.slice(0, at) : label;
}

/**
 * `pulumi stack export`: each MailboxMigration's outputs (matched to a mailbox by its destination login) and the
 * time of the last deployment. Needed while the stack outputs carry no migration counts.
 */
export function mergeStateExport(data: ReportData, state: unknown, file: string): ReportData {
  const deployment = isObj(state) && isObj(state.deployment) ? state.deployment : undefined;
  if (!deployment) throw new ReportInputError(`${file}: expected the JSON \`pulumi stack export\` prints (an object with "deployment")`);
  const time = isObj(deployment.manifest) ? str(deployment.manifest.time) : undefined;
  const mailboxes = data.mailboxes.map((m) => ({ ...m }));
  for (const r of list(deployment.resources).filter(isObj)) {
    const o = isObj(r.outputs) ? r.outputs : undefined;
    if (!o || !isObj(o.totals) || !Array.isArray(o.perFolder)) continue;
    const user = isObj(o.destination) ? str(o.destination.user) : str(o.destinationMailbox) && userOfLabel(str(o.destinationMailbox)!);
    const mb = mailboxes.find((m) => m.destination.toLowerCase() === user?.toLowerCase());
    if (mb) mb.progress = progressFromMigration(o);
  }
  return { ...data, mailboxes, ...(time ? { deployedAt: time } : {}) };
}

/** A `mailshift sync --json` run: its counts stand for the mailbox whose destination it copied to. */
export function mergeSyncSummary(data: ReportData, summary: unknown, file: string): ReportData {
  if (!isObj(summary) || !Array.isArray(summary.folders) || typeof summary.destination !== "string")
    throw new ReportInputError(`${file}: expected the JSON \`mailshift sync --json\` prints (with "destination" and "folders")`);
  const user = userOfLabel(summary.destination);
  const progress = progressFromSyncSummary(summary);
  const found = data.mailboxes.some((m) => m.destination.toLowerCase() === user.toLowerCase());
  const mailboxes = found
    ? data.mailboxes.map((m) => (m.destination.toLowerCase() === user.toLowerCase() ? { ...m, progress } : m))
    : [...data.mailboxes, { source: userOfLabel(str(summary.source) ?? user), destination: user, route: "", progress }];
  return { ...data, mailboxes };
}
