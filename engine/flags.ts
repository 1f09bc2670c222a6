// Which flags can be stored on the destination, and what must change to make its flags match the source's.

const SYSTEM = new Set(["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]);

/** Flags worth carrying: everything but \Recent, which only the server sets. */
export function carriedFlags(flags: Iterable<string>): string[] {
  return [...flags].filter((f) => f.toLowerCase() !== "\\recent").sort();
}

// Asked once per message of a listing: the lower-cased set is made once per folder, not once per message.
const lowered = new WeakMap<ReadonlySet<string>, Set<string>>();

function lowerCased(permanentFlags: ReadonlySet<string>): Set<string> {
  let lower = lowered.get(permanentFlags);
  if (!lower) lowered.set(permanentFlags, (lower = new Set([...permanentFlags].map((f) => f.toLowerCase()))));
  return lower;
}

/**
 * Splits flags into what the destination folder stores and what it cannot (keywords where PERMANENTFLAGS has no
 * `\*`). Without a PERMANENTFLAGS answer the server decides, so everything is tried.
 */
export function storableFlags(
  flags: readonly string[],
  permanentFlags: ReadonlySet<string> | undefined,
): { storable: string[]; unsupported: string[] } {
  if (!permanentFlags || permanentFlags.size === 0) return { storable: [...flags], unsupported: [] };
  const lower = lowerCased(permanentFlags);
  const storable: string[] = [];
  const unsupported: string[] = [];
  for (const f of flags) {
    const isSystem = SYSTEM.has(f);
    const ok = lower.has(f.toLowerCase()) || (!isSystem && lower.has("\\*"));
    (ok ? storable : unsupported).push(f);
  }
  return { storable, unsupported };
}

export interface FlagChange {
  add: string[];
  remove: string[];
}

/** Makes the destination's flags equal to the source's, among the flags the destination can store. */
export function flagChange(source: readonly string[], dest: readonly string[], permanentFlags?: ReadonlySet<string>): FlagChange {
  const want = new Set(storableFlags(carriedFlags(source), permanentFlags).storable);
  const have = new Set(carriedFlags(dest));
  const add = [...want].filter((f) => !have.has(f)).sort();
  const remove = [...have].filter((f) => !want.has(f) && storableFlags([f], permanentFlags).storable.length > 0).sort();
  return { add, remove };
}
