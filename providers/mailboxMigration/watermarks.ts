// Which watermarks of the last pass the next one may trust. Pure. The engine skips a folder only when its STATUS
// marks (with HIGHESTMODSEQ) are exactly the recorded ones, so a stale mark costs a listing, never a message; what
// matters here is that the marks were taken on the same two mailboxes, and that they have the engine's shape.
import type { FolderMark, GroupWatermark, Watermarks } from "../../engine";
import type { EndpointInput, MigrationInputs, MigrationOutputs } from "./types";

function sameMailbox(a: Partial<EndpointInput> | undefined, b: EndpointInput): boolean {
  return (
    !!a &&
    typeof a.host === "string" &&
    typeof a.user === "string" &&
    a.host.toLowerCase() === b.host.toLowerCase() &&
    a.port === b.port &&
    a.user.toLowerCase() === b.user.toLowerCase()
  );
}

function isMark(v: unknown): v is FolderMark {
  if (typeof v !== "object" || v === null) return false;
  const m = v as Record<string, unknown>;
  return (
    typeof m.path === "string" &&
    typeof m.uidValidity === "string" &&
    typeof m.uidNext === "number" &&
    typeof m.messages === "number" &&
    (m.highestModseq === undefined || typeof m.highestModseq === "string")
  );
}

function isGroup(v: unknown): v is GroupWatermark {
  if (typeof v !== "object" || v === null) return false;
  const g = v as Record<string, unknown>;
  return Array.isArray(g.sources) && g.sources.every(isMark) && isMark(g.destination);
}

/**
 * The watermarks to give the engine for this pass: those of the previous outputs when they were taken on the same
 * source and destination mailboxes, each group of the expected shape (anything else is dropped: that folder is
 * listed). Undefined when there is nothing to trust (a create, a state from before watermarks, another mailbox).
 */
export function previousWatermarks(previous: Partial<MigrationOutputs> | undefined, inputs: MigrationInputs): Watermarks | undefined {
  if (!previous || !sameMailbox(previous.source, inputs.source) || !sameMailbox(previous.destination, inputs.destination)) return undefined;
  const w: unknown = previous.watermarks;
  if (typeof w !== "object" || w === null || Array.isArray(w)) return undefined;
  const out: Watermarks = {};
  for (const [folder, group] of Object.entries(w)) if (isGroup(group)) out[folder] = group;
  return Object.keys(out).length ? out : undefined;
}
