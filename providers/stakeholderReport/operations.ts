// StakeholderReport's operations, run in the dynamic-provider host: create and update write the page (report/)
// from the data the program gathered from the migrations' outputs; diff asks for a rewrite when that data, the
// file or the page on disk changed. Delete leaves the last page where it is: it is the record of the migration.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { CreateResult, DiffResult, UpdateResult } from "@pulumi/pulumi/dynamic";
import type { ReportData } from "../../report/types";

export interface ReportInputs {
  /** Absolute path of the page. */
  file: string;
  data: ReportData;
  negativeTtl?: number;
}

export interface ReportOutputs extends ReportInputs {
  /** When the DNS changes of this stage were made: the first write that showed them. */
  deployedAt: string;
  /** When the page was last written. */
  writtenAt: string;
  /** SHA-256 of the page written, so diff sees a page changed or removed by hand. */
  sha256: string;
}

const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

function onDisk(file: string): string | undefined {
  try {
    return sha(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/** JSON with sorted keys and no undefined: the state's round trip keeps neither key order nor undefined. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult> {
  const o = olds as Partial<ReportOutputs>;
  const n = news as unknown as ReportInputs;
  const changes = o.file !== n.file || !same(o.data, n.data) || o.negativeTtl !== n.negativeTtl || onDisk(n.file) !== o.sha256;
  return { changes, replaces: [], deleteBeforeReplace: false };
}

/** The DNS changes were made by this deployment when they differ from the last page's (or there was none). */
function deployedAt(previous: Partial<ReportOutputs> | undefined, data: ReportData, now: string): string {
  const unchanged = previous?.data && previous.data.stage === data.stage && same(previous.data.dnsChanges, data.dnsChanges);
  return unchanged ? (previous.deployedAt ?? previous.writtenAt ?? now) : now;
}

function write(i: ReportInputs, previous: Partial<ReportOutputs> | undefined): ReportOutputs {
  const { renderReport } = require("../../report/render") as typeof import("../../report/render");
  const now = new Date();
  const at = deployedAt(previous, i.data, now.toISOString());
  const page = renderReport({ ...i.data, deployedAt: at }, now, i.negativeTtl !== undefined ? { negativeTtl: i.negativeTtl } : {});
  try {
    fs.mkdirSync(path.dirname(i.file), { recursive: true });
    // written beside and renamed, so a reader never sees half a page
    const tmp = `${i.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, page);
    fs.renameSync(tmp, i.file);
  } catch (err) {
    throw new Error(
      `StakeholderReport: cannot write ${i.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set mailshift:report.file to a path that can be written`,
    );
  }
  return { ...i, deployedAt: at, writtenAt: now.toISOString(), sha256: sha(page) };
}

export async function create(news: Record<string, unknown>): Promise<CreateResult> {
  const i = news as unknown as ReportInputs;
  return { id: i.file, outs: write(i, undefined) };
}

export async function update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<UpdateResult> {
  return { outs: write(news as unknown as ReportInputs, olds as Partial<ReportOutputs>) };
}
