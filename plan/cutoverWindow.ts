// The cutover window: from the MX change (cutover deployed) to every late message verified on its new home (each
// mailbox's finalize pass verified with nothing missing). How long mail was in flux, for the stakeholder page.
import type { MigrationFact } from "./gates";
import { formatWait } from "./gates";

export interface CutoverWindow {
  /** When cutover was deployed: the MX change. */
  openedAt: string;
  /** When the last mailbox's final pass was verified; absent while the window is open. */
  closedAt?: string;
  seconds?: number;
  /** Mailboxes whose final pass is not verified yet (or left mail missing). */
  waitingFor: string[];
}

/** The final pass is finalize's (syncGeneration 3). */
const FINAL_GENERATION = 3;

export function cutoverWindow(cutoverAt: string | undefined, passes: readonly MigrationFact[]): CutoverWindow | undefined {
  if (!cutoverAt) return undefined;
  const done = (p: MigrationFact) => p.generation >= FINAL_GENERATION && p.verified && p.missing === 0 && p.lastPassAt !== undefined;
  const waitingFor = passes.filter((p) => !done(p)).map((p) => p.source);
  if (waitingFor.length > 0 || passes.length === 0) return { openedAt: cutoverAt, waitingFor };
  const closedAt = passes.map((p) => p.lastPassAt!).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
  return { openedAt: cutoverAt, closedAt, seconds: Math.max(0, (Date.parse(closedAt) - Date.parse(cutoverAt)) / 1000), waitingFor };
}

/** One sentence for people: how long the window was, or what it still waits for. */
export function describeCutoverWindow(w: CutoverWindow): string {
  if (w.closedAt !== undefined)
    return `The cutover window lasted ${formatWait(Math.round(w.seconds!))}: from the MX change at ${w.openedAt} to every late message verified on its new home at ${w.closedAt}.`;
  return `The cutover window is open since the MX change at ${w.openedAt}${w.waitingFor.length ? `; waiting for the final verified pass of ${w.waitingFor.join(", ")}` : ""}.`;
}
