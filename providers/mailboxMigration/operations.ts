// The provider's operations, run inside the dynamic-provider host. The provider module (provider.ts)
// requires this file at call time, so nothing here is captured into the `__provider` input.
import type { CheckResult, DiffResult, CreateResult, ReadResult, UpdateResult } from "@pulumi/pulumi/dynamic";
import type { Endpoint, Progress, SyncSummary } from "../../engine";
import { checkInputs } from "./check";
import { diffMigration } from "./diff";
import { driftFromVerify, failedOutputs, label, migrationId, passOutputs, plain } from "./outputs";
import { Throttle, progressLine } from "./progressLine";
import { MigrationError, PartialPassError, redact, secretValues } from "./secrets";
import { statusSink, type StatusSink } from "./engineLog";
import { resolveEndpoint } from "./endpoints";
import { previousWatermarks } from "./watermarks";
import type { MigrationInputs, MigrationOutputs } from "./types";

/** Test hook: engine options the resource does not expose (fast retries in tests). JSON in the environment. */
function engineTuning(): { retry?: { attempts: number; baseMs: number; maxMs: number } } {
  const raw = process.env.MAILSHIFT_PROVIDER_RETRY;
  if (!raw) return {};
  const [attempts, baseMs, maxMs] = raw.split(",").map(Number);
  return [attempts, baseMs, maxMs].every((n) => Number.isInteger(n) && n > 0) ? { retry: { attempts, baseMs, maxMs } } : {};
}

// The engine is loaded when first needed, so that check and diff (and preview) never load imapflow.
function engine(): typeof import("../../engine") {
  return require("../../engine") as typeof import("../../engine");
}

export async function check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
  const { inputs, failures } = checkInputs(news);
  return { inputs: plain(inputs), failures };
}

export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult> {
  const d = diffMigration(olds, news);
  return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
}

/**
 * The engine's endpoints, and the list of values to redact. The list is live: a token the engine fetches through
 * an oauth2 token source later in the pass is added to it, so errors and progress lines stay free of it.
 */
function endpoints(inputs: MigrationInputs, secrets: string[] = secretValues(inputs)): { from: Endpoint; to: Endpoint; secrets: string[] } {
  const onToken = (token: string): void => {
    if (secrets.includes(token)) return;
    secrets.push(token);
    secrets.sort((a, b) => b.length - a.length);
  };
  const from = resolveEndpoint(inputs.source, "source", { onToken });
  const to = resolveEndpoint(inputs.destination, "destination", { onToken });
  return { from, to, secrets };
}

function describePass(kind: "create" | "update", s: SyncSummary): string {
  const t = s.totals;
  const mb = (t.bytesCopied / (1024 * 1024)).toFixed(1);
  const check = s.verified ? "every source message is on the destination" : `${s.missing} source message(s) not on the destination`;
  return (
    `${kind === "create" ? "copied" : "resync copied"} ${t.copied} message(s) (${mb} MB) from ${s.source} to ${s.destination} ` +
    `in ${s.folders.length} folder(s)${s.unchangedFolders ? ` (${s.unchangedFolders} unchanged since the last pass, not listed)` : ""}; ${t.alreadyPresent} already there, ${t.skipped} skipped; ${check}`
  );
}

/** The engine's advice is worded for the command line; say what it means in a Pulumi program. */
function pulumiHint(message: string, inputs: MigrationInputs): string {
  if (/authentication failed/i.test(message) && /administrator/.test(message)) {
    // the stack's names for the administrator and its password (components/migrationHost.ts)
    const keys = [inputs.source.admin ? "oldHost" : "", inputs.destination.admin ? "newHost" : ""].filter(Boolean);
    return ` In the mailshift stack: ${keys.map((h) => `mailshift:${h}.admin, password mailshift:${h}AdminPassword (pulumi config set --secret)`).join("; ")}.`;
  }
  if (/authentication failed/i.test(message))
    return " In the Pulumi program the credential is the endpoint's password (pulumi config set --secret) or its oauth2 token source.";
  if (/resumes/i.test(message)) return " With Pulumi, the next `pulumi up` is that run.";
  return " Nothing copied so far is lost: run `pulumi up` again and the copy resumes where it stopped, without duplicates.";
}

async function pass(
  kind: "create" | "update",
  inputs: MigrationInputs,
  previous: Partial<MigrationOutputs> | undefined,
  id: string,
): Promise<MigrationOutputs> {
  const { from, to, secrets } = endpoints(inputs);
  const sink: StatusSink = statusSink(inputs.statusUrn, secrets);
  const throttle = new Throttle(2000);
  const { syncMailbox } = engine();
  try {
    sink.status(`${kind === "create" ? "copying" : "resyncing"} ${label(inputs.source)} to ${label(inputs.destination)}: listing folders`);
    const summary = await syncMailbox(from, to, {
      ...engineTuning(),
      folders: inputs.folders ?? {},
      connections: inputs.connections,
      // Pulumi runs many migrations at once, as sync-many does: each copies one folder at a time.
      lanes: 1,
      maxMessageBytes: inputs.maxMessageBytes,
      watermarks: previousWatermarks(previous, inputs),
      onProgress: (p: Progress) => {
        if (throttle.shouldSay(p, Date.now())) sink.status(progressLine(p));
      },
      onRetry: (folder, attempt, cause) => sink.status(`${label(inputs.source)}: folder "${folder}" retry ${attempt}: ${cause}`),
    });
    sink.say(summary.verified ? "info" : "warning", describePass(kind, summary));
    return plain(passOutputs(kind, inputs, summary));
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const message = redact(
      `MailboxMigration ${label(inputs.source)} -> ${label(inputs.destination)}: ${raw.replace(/\.\s*$/, "")}.${pulumiHint(raw, inputs)}`,
      secrets,
    );
    sink.say("error", message);
    throw new PartialPassError(message, id, plain(failedOutputs(inputs, previous, message, new Date().toISOString())));
  } finally {
    await sink.flush();
  }
}

export async function create(news: Record<string, unknown>): Promise<CreateResult> {
  const inputs = news as unknown as MigrationInputs;
  const id = migrationId(inputs);
  return { id, outs: await pass("create", inputs, undefined, id) };
}

export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<UpdateResult> {
  const inputs = news as unknown as MigrationInputs;
  return { outs: await pass("update", inputs, olds as Partial<MigrationOutputs>, id) };
}

/**
 * Refresh: lists both sides read-only (the source with EXAMINE, the destination too) and reports what the
 * destination still lacks as `drift`, so that `pulumi preview --refresh` shows the pending update. A host that
 * cannot be reached does not fail the refresh: the old outputs stay and drift.error says why.
 */
export async function read(id: string, props: Record<string, unknown>): Promise<ReadResult> {
  const olds = props as unknown as MigrationOutputs;
  const at = new Date().toISOString();
  const secrets = secretValues(olds);
  const sink = statusSink(olds.statusUrn, secrets);
  try {
    const e = endpoints(olds, secrets);
    sink.status(`checking ${label(olds.source)} against ${label(olds.destination)} (read-only)`);
    const report = await engine().verifyMailbox(e.from, e.to, { deep: false, folders: olds.folders ?? {}, ...engineTuning() });
    const drift = driftFromVerify(report, olds.perFolder ?? [], at);
    if (drift.pending > 0)
      sink.say("info", `${drift.pending} source message(s) not on ${label(olds.destination)} yet: the next \`pulumi up\` copies them`);
    return { id, props: plain({ ...props, drift }) };
  } catch (err) {
    const message = redact(err instanceof Error ? err.message : String(err), secrets);
    sink.say("warning", `cannot check ${label(olds.source)} for drift: ${message}`);
    const previous = olds.drift ?? { checkedAt: at, by: "refresh", missing: 0, pending: 0, folders: [] };
    return { id, props: plain({ ...props, drift: { ...previous, checkedAt: at, by: "refresh", error: message } }) };
  } finally {
    await sink.flush();
  }
}

/** Forgets the migration. Never deletes, moves or flags a message on either host. */
export async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
  const olds = props as unknown as MigrationOutputs;
  const sink = statusSink(olds.statusUrn, secretValues(olds));
  if (olds.source?.host && olds.destination?.host)
    sink.say("info", `forgot the migration of ${label(olds.source)} to ${label(olds.destination)}; all mail stays on both hosts`);
  await sink.flush();
}

export { MigrationError };
