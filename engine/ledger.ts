// What a mailbox pass did, recorded as it happens, per folder group and source folder, and turned into the
// summaries at the end. The copy code only records facts (listed, copied, skipped, flags fixed, a note); how
// attempts add up is decided here alone.
import type { FolderGroup } from "./folderMap";
import type { GroupWatermark, Watermarks } from "./watermarks";
import type { Alteration } from "./identity";
import { alteredNote, emptyFolderSummary, totalsOf } from "./summary";
import type { FolderSummary, Progress, SkippedMessage, SyncSummary } from "./summary";

/** How a group ended: what the scheduler settles watermarks from and the summary counts. */
export interface GroupOutcome {
  /** Source messages not on the destination when the group was done (refused ones included). */
  missing: number;
  /** Set when the group was proven complete: the next pass builds on it (skips the group, or copies only new mail). */
  watermark?: GroupWatermark;
  /**
   * Set when this pass made the group complete by its own changes: the watermark is then the marks taken after
   * the pass (all groups at once, folderMarks.ts), provided only those changes moved them (watermarkAfterCopy).
   */
  settle?: Settle;
  /** True when the group was skipped because nothing moved since the previous watermark. */
  unchanged: boolean;
}

/** What turns into a watermark once the marks after the pass are known: the marks before, and our appends. */
export interface Settle {
  before: GroupWatermark;
  appended: number;
}

interface Tally {
  n: number;
  bytes: number;
}

/** One attempt at a group: what it found and did, per source folder. A retry starts a new one. */
export class AttemptLedger {
  /** Per source folder, as the summary will show it for this attempt alone. */
  readonly folders: FolderSummary[];
  readonly copies: Tally = { n: 0, bytes: 0 };

  constructor(
    group: FolderGroup,
    private readonly events: { found(t: Tally): void; copied(bytes: number): void },
  ) {
    const notes = (i: number) => (i === 0 && !group.refused ? [...group.notes] : []);
    this.folders = group.sourceNames.map((name, i) => emptyFolderSummary(name, group.destinationName, notes(i)));
  }

  /** What a listing (or a mark) showed of a source folder: its messages, and how many are on the destination. */
  listed(source: number, onSource: number, present: number): void {
    this.folders[source].onSource = onSource;
    this.folders[source].alreadyPresent = present;
  }

  /** The messages this attempt will send, and their bytes (the progress line's "to copy"). */
  found(n: number, bytes: number): void {
    this.events.found({ n, bytes });
  }

  copied(source: number, bytes: number): void {
    this.folders[source].copied += 1;
    this.folders[source].bytesCopied += bytes;
    this.copies.n += 1;
    this.copies.bytes += bytes;
    this.events.copied(bytes);
  }

  skipped(source: number, message: SkippedMessage): void {
    this.folders[source].skipped.push(message);
  }

  flagsFixed(source: number): void {
    this.folders[source].flagsUpdated += 1;
  }

  unsupportedFlag(source: number, flag: string): void {
    const u = this.folders[source].unsupportedFlags;
    u[flag] = (u[flag] ?? 0) + 1;
  }

  note(source: number, text: string): void {
    this.folders[source].notes.push(text);
  }

  /** Copies `server` stores altered, recognised as copies: said in the report with what changed. */
  altered(source: number, server: string, hows: readonly Alteration[]): void {
    this.note(source, alteredNote(server, hows));
  }
}

/** Every attempt at one group, and how it ended. */
export class GroupLedger {
  private readonly attempts: AttemptLedger[] = [];
  private outcome?: GroupOutcome;
  /** For progress: copied by earlier attempts plus found by the latest listing. */
  toCopy: Tally = { n: 0, bytes: 0 };

  constructor(
    readonly group: FolderGroup,
    private readonly onChange: (copiedBytes?: number) => void,
  ) {}

  /** What attempts before the current one copied. */
  private earlier(): Tally {
    const sum = (t: Tally, a: AttemptLedger) => ({ n: t.n + a.copies.n, bytes: t.bytes + a.copies.bytes });
    return this.attempts.slice(0, -1).reduce(sum, { n: 0, bytes: 0 });
  }

  beginAttempt(): AttemptLedger {
    const attempt = new AttemptLedger(this.group, {
      found: (t) => {
        const e = this.earlier();
        this.toCopy = { n: e.n + t.n, bytes: e.bytes + t.bytes };
        this.onChange();
      },
      copied: (bytes) => this.onChange(bytes),
    });
    this.attempts.push(attempt);
    return attempt;
  }

  /** How the group ended, once its last attempt is done. */
  finish(outcome: GroupOutcome): void {
    this.outcome = outcome;
  }

  get ended(): GroupOutcome | undefined {
    return this.outcome;
  }

  get attemptCount(): number {
    return this.attempts.length;
  }

  /**
   * The group's folders as this run left them: the last attempt's counts, where the copies made by attempts that
   * then failed count as copied by this run, not as found already present by the attempt that finished.
   */
  summaries(): FolderSummary[] {
    const last = this.attempts.at(-1);
    if (!last) return [];
    const earlier = this.attempts.slice(0, -1);
    return last.folders.map((f, i) => {
      const n = earlier.reduce((k, a) => k + a.folders[i].copied, 0);
      const bytes = earlier.reduce((k, a) => k + a.folders[i].bytesCopied, 0);
      const moved = Math.min(n, f.alreadyPresent);
      return { ...f, copied: f.copied + moved, alreadyPresent: f.alreadyPresent - moved, bytesCopied: f.bytesCopied + bytes };
    });
  }
}

/** The whole pass: one GroupLedger per planned group, and the progress they add up to. */
export class PassLedger {
  readonly groups: GroupLedger[];
  private readonly progress: Progress;

  /** `listRetries`: retries the folder list took, before any group started. */
  constructor(
    mailbox: string,
    groups: readonly FolderGroup[],
    private readonly listRetries: number,
    private readonly onProgress?: (p: Progress) => void,
  ) {
    const folderCount = groups.length;
    this.progress = { mailbox, folder: "", folderIndex: 0, folderCount, copied: 0, toCopy: 0, bytesCopied: 0, bytesToCopy: 0 };
    this.groups = groups.map((g) => new GroupLedger(g, (bytes) => this.changed(bytes)));
  }

  /** The group a lane turns to: the progress line names it from its next change on. */
  started(index: number): void {
    this.progress.folder = this.groups[index].group.sourceNames.join(", ");
    this.progress.folderIndex = index;
  }

  /** Every group with how it ended, in plan order; throws if one has not (a pass that failed has no summary). */
  outcomes(): { group: FolderGroup; outcome: GroupOutcome }[] {
    return this.groups.map((g) => {
      if (!g.ended) throw new Error(`folder group "${g.group.destinationName}" has no outcome: the pass did not finish it`);
      return { group: g.group, outcome: g.ended };
    });
  }

  private changed(copiedBytes?: number): void {
    const p = this.progress;
    if (copiedBytes !== undefined) {
      p.copied += 1;
      p.bytesCopied += copiedBytes;
    }
    p.toCopy = this.groups.reduce((t, g) => t + g.toCopy.n, 0);
    p.bytesToCopy = this.groups.reduce((t, g) => t + g.toCopy.bytes, 0);
    this.onProgress?.({ ...p });
  }

  summary(
    pass: Pick<SyncSummary, "source" | "destination" | "excluded">,
    watermarks: Watermarks,
    started: number,
    finished: number,
  ): SyncSummary {
    const folders = this.groups.flatMap((g) => g.summaries());
    const outcomes = this.groups.map((g) => g.ended);
    const missing = outcomes.reduce((n, o) => n + (o?.missing ?? 0), 0);
    return {
      source: pass.source,
      destination: pass.destination,
      folders,
      excluded: pass.excluded,
      totals: totalsOf(folders),
      verified: missing === 0,
      missing,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      // Every attempt at a group after its first followed a retry.
      retries: this.groups.reduce((n, g) => n + Math.max(0, g.attemptCount - 1), this.listRetries),
      watermarks,
      unchangedFolders: outcomes.filter((o) => o?.unchanged).length,
    };
  }
}
