// The order in which a mailbox's folder groups are handed to its lanes. Pure.
import type { FolderGroup } from "./folderMap";

/**
 * Plan indices, largest group first (its source messages, as the folder list gave them: LIST-STATUS), so the
 * biggest folder starts at once and the small ones fill the other lanes around it, rather than a big folder
 * late in the plan running on alone at the end. Ties keep the plan's order; without counts the plan's order.
 */
export function laneOrder(groups: readonly Pick<FolderGroup, "sources">[]): number[] {
  const size = groups.map((g) => g.sources.reduce((n, f) => n + (f.messages ?? 0), 0));
  return groups.map((_, i) => i).sort((a, b) => size[b] - size[a] || a - b);
}
