// The plan of a mailbox pass, decided in one place before any message moves: per folder group what to do with it
// (the strategy), how many lanes copy at once, how many APPEND connections each has, and the order the lanes take
// the groups in. Pure. What only the servers can tell during the pass (the new mail of an incremental group, whether
// an empty destination is still empty) stays with copyFolder.ts, which never re-decides what is planned here.
import type { Endpoint } from "./endpoint";
import type { FolderGroup } from "./folderMap";
import type { MailboxMarks } from "./folderGroups";
import { marksOfGroup } from "./folderMarks";
import { defaultConnections, isExchangeOnline } from "./limits";
import { resyncPath, type GroupWatermark, type NewMail, type Watermarks } from "./watermarks";

/** Folders of one mailbox copied at the same time: two keep the source reading while a folder finishes. */
export const DEFAULT_LANES = 2;

export type Strategy =
  /** The destination would not create the folder: nothing is copied, its mail is reported missing. */
  | { kind: "refused" }
  /** Only \Noselect parents: nothing to copy, and no destination folder (folderMap.ts). */
  | { kind: "nothing" }
  /** Nothing moved on either side since the previous watermark (`marks`: the group's now, the same). */
  | { kind: "skip"; marks: GroupWatermark }
  /** The sources hold no message: nothing to list on either side. */
  | { kind: "empty"; marks: GroupWatermark }
  /**
   * Only new source mail since the previous watermark: copy it from these UIDs on, when the proof carries over
   * (known only once the source is read: newSinceProof, and the destination searched where it moved in
   * HIGHESTMODSEQ alone: unchangedOnDestination); else the listing `otherwise`.
   */
  | {
      kind: "incremental";
      marks: GroupWatermark;
      sources: NewMail[];
      /** Set when only the destination's HIGHESTMODSEQ moved: its messages changed since must be none. */
      destinationChangedSince?: string;
      otherwise: FullListing;
    }
  /**
   * List both sides and compare. `idsWithBodies`: the destination was empty at the marks, so there is nothing to
   * compare with; the sources are listed without Message-IDs, which come with the bodies, and each message's
   * file is read once (unless the destination has mail by the time it is listed).
   */
  | FullListing;

export interface FullListing {
  kind: "full";
  idsWithBodies: boolean;
}

/** What a group's marks (`now`) and the previous pass's watermark (`previous`) allow. */
export function strategyOf(group: FolderGroup, now: GroupWatermark | undefined, previous?: GroupWatermark): Strategy {
  if (group.refused) return { kind: "refused" };
  if (!group.sources.some((f) => f.selectable)) return { kind: "nothing" };
  const path = resyncPath(previous, now);
  const full: FullListing = { kind: "full", idsWithBodies: now?.destination.messages === 0 };
  if (!now || path.kind === "full") return full;
  return path.kind === "incremental" ? { ...path, marks: now, otherwise: full } : { kind: path.kind, marks: now };
}

/**
 * The plan for a retry of a group: it starts from marks of its own, taken after what the failed attempt appended,
 * so only what no mark decides (a refused folder, one with nothing selectable) carries over.
 */
export function forRetry(p: GroupPlan): GroupPlan {
  const fixed = p.strategy?.kind === "refused" || p.strategy?.kind === "nothing";
  return fixed ? p : { group: p.group, previous: p.previous };
}

export interface GroupPlan {
  group: FolderGroup;
  /** The group's marks from the folder list (LIST-STATUS); without them the group reads its own when it starts. */
  marks?: GroupWatermark;
  /** The previous pass's proof for this group. */
  previous?: GroupWatermark;
  /** Decided from `marks`; undefined without them (then decided when the group starts, by strategyOf). */
  strategy?: Strategy;
}

export interface PassPlan {
  groups: GroupPlan[];
  /** Indices into `groups`: the order the lanes take them in. */
  order: number[];
  /** Folder groups copied at the same time (the first lane included). */
  lanes: number;
  /** APPEND connections per lane. */
  connections: number;
}

export interface ParallelOptions {
  connections?: number;
  lanes?: number;
}

/** APPEND connections per lane: the user's figure, else what the destination's kind takes. */
export function connectionsFor(to: Pick<Endpoint, "host">, opts: ParallelOptions): number {
  return opts.connections ?? defaultConnections(to);
}

/**
 * Lanes asked for: the user's figure; else one where the user counted connections (they are not multiplied behind
 * their back) and one for Exchange Online, whose connections per mailbox are few; else DEFAULT_LANES.
 */
function lanesWanted(to: Pick<Endpoint, "host">, opts: ParallelOptions): number {
  if (opts.lanes !== undefined) return opts.lanes;
  return opts.connections !== undefined || isExchangeOnline(to) ? 1 : DEFAULT_LANES;
}

/**
 * Plan indices, largest group first (its source messages, as the folder list gave them: LIST-STATUS), so the
 * biggest folder starts at once and the small ones fill the other lanes around it, rather than a big folder
 * late in the plan running on alone at the end. Ties keep the plan's order; without counts the plan's order.
 */
export function laneOrder(groups: readonly Pick<FolderGroup, "sources">[]): number[] {
  const size = groups.map((g) => g.sources.reduce((n, f) => n + (f.messages ?? 0), 0));
  return groups.map((_, i) => i).sort((a, b) => size[b] - size[a] || a - b);
}

export function planPass(
  to: Pick<Endpoint, "host">,
  groups: readonly FolderGroup[],
  marks: MailboxMarks | undefined,
  watermarks: Watermarks | undefined,
  opts: ParallelOptions,
): PassPlan {
  const planned = groups.map((group): GroupPlan => {
    const now = marks && marksOfGroup(marks, group);
    const previous = watermarks?.[group.destination];
    const decidable = now || group.refused || !group.sources.some((f) => f.selectable);
    const strategy = decidable ? strategyOf(group, now, previous) : undefined;
    return { group, marks: now, previous, strategy };
  });
  const wanted = lanesWanted(to, opts);
  // A resync (a watermark for every group: skips and small deltas) would spend more on another lane's logins
  // than it saves.
  const resync = groups.every((g) => watermarks?.[g.destination]);
  const lanes = wanted > 1 && groups.length > 1 && !resync ? Math.min(wanted, groups.length) : 1;
  // With watermarks most groups are skips, where the order matters little: the plan's order.
  const order = lanes > 1 && !watermarks ? laneOrder(groups) : groups.map((_, i) => i);
  return { groups: planned, order, lanes, connections: connectionsFor(to, opts) };
}
