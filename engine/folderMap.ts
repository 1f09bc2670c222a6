// Decides where each source folder goes on the destination. Pure: the inputs are two folder listings.
import { UsageError } from "./errors";

export type SpecialRole = "\\Sent" | "\\Drafts" | "\\Trash" | "\\Junk" | "\\Archive";
const ROLES: readonly string[] = ["\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"];
/** Virtual folders that show messages stored elsewhere: copying them would copy mail twice. */
const VIRTUAL: readonly string[] = ["\\All", "\\Flagged"];

export interface FolderInfo {
  /** The server's full path, decoded to UTF-8. */
  path: string;
  delimiter: string;
  specialUse?: string;
  selectable: boolean;
  /** Messages in it when the folder list was read, where the server said (LIST-STATUS). */
  messages?: number;
}

export interface Namespace {
  prefix: string;
  delimiter: string;
}

export interface FolderMapOptions {
  /** Source logical name (segments joined by "/") -> destination logical name. Children follow. */
  rename?: Record<string, string>;
  /** Source logical names or patterns with "*"; a match excludes the folder and its children. */
  exclude?: readonly string[];
}

/** One destination folder and the source folders whose mail goes into it (more than one only when merging). */
export interface FolderGroup {
  destination: string;
  /** Destination logical name, "/"-separated, for people. */
  destinationName: string;
  role?: SpecialRole;
  sources: FolderInfo[];
  /** Source logical names, parallel to `sources`. */
  sourceNames: string[];
  /** True when the destination folder does not exist yet. */
  create: boolean;
  /** Set when the destination refused to create the folder: why, and what to do. */
  refused?: string;
  notes: string[];
}

export interface FolderPlan {
  groups: FolderGroup[];
  excluded: { folder: string; reason: string }[];
}

/** The folder as the user sees it: namespace prefix removed, hierarchy as segments. */
export function logicalSegments(path: string, ns: Namespace): string[] {
  if (path.toUpperCase() === "INBOX") return ["INBOX"];
  let rest = path;
  if (ns.prefix && rest.startsWith(ns.prefix)) rest = rest.slice(ns.prefix.length);
  const delimiter = ns.delimiter || "/";
  return rest.split(delimiter).filter((s) => s.length > 0);
}

export function serverPath(segments: readonly string[], ns: Namespace): string {
  if (segments.length === 1 && segments[0].toUpperCase() === "INBOX") return "INBOX";
  if (segments[0]?.toUpperCase() === "INBOX") return ["INBOX", ...segments.slice(1)].join(ns.delimiter);
  return ns.prefix + segments.join(ns.delimiter);
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

function matchesSelfOrAncestor(name: string, pattern: string): boolean {
  const re = globToRegExp(pattern);
  const parts = name.split("/");
  for (let i = 1; i <= parts.length; i++) if (re.test(parts.slice(0, i).join("/"))) return true;
  return false;
}

function roleOf(f: FolderInfo): SpecialRole | undefined {
  return f.specialUse && ROLES.includes(f.specialUse) ? (f.specialUse as SpecialRole) : undefined;
}

/** A segment may not contain the destination's separator: it would silently create a level of hierarchy. */
function safeSegment(segment: string, delimiter: string): string {
  return delimiter ? segment.split(delimiter).join("_") : segment;
}

export function planFolders(
  source: readonly FolderInfo[],
  sourceNs: Namespace,
  dest: readonly FolderInfo[],
  destNs: Namespace,
  opts: FolderMapOptions = {},
): FolderPlan {
  const rename = opts.rename ?? {};
  for (const [from, to] of Object.entries(rename)) {
    if (!from || !to) throw new UsageError(`folder rename "${from}=${to}": both sides must name a folder`);
  }
  const destRolePath = new Map<SpecialRole, string>();
  for (const f of dest) {
    const r = roleOf(f);
    if (r && !destRolePath.has(r)) destRolePath.set(r, f.path);
  }
  const destExisting = new Set(dest.map((f) => f.path));
  const sourceByName = new Map<string, FolderInfo>();
  for (const f of source) sourceByName.set(logicalSegments(f.path, sourceNs).join("/"), f);

  const excluded: FolderPlan["excluded"] = [];
  const groups = new Map<string, FolderGroup>();
  const sorted = [...source].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of sorted) {
    const segs = logicalSegments(f.path, sourceNs);
    const name = segs.join("/");
    if (f.specialUse && VIRTUAL.includes(f.specialUse)) {
      excluded.push({ folder: name, reason: `virtual ${f.specialUse} folder: its messages are copied from their own folders` });
      continue;
    }
    const pattern = (opts.exclude ?? []).find((p) => matchesSelfOrAncestor(name, p));
    if (pattern !== undefined) {
      excluded.push({ folder: name, reason: `excluded by "${pattern}"` });
      continue;
    }
    // The longest ancestor (or the folder itself) that is renamed or has a special role decides the destination.
    let destSegs: string[] | undefined;
    let role: SpecialRole | undefined;
    const notes: string[] = [];
    for (let k = segs.length; k >= 1 && !destSegs; k--) {
      const prefix = segs.slice(0, k).join("/");
      const tail = segs.slice(k);
      if (rename[prefix] !== undefined) {
        destSegs = [...rename[prefix].split("/").filter(Boolean), ...tail];
        notes.push(`renamed by "${prefix}=${rename[prefix]}"`);
        break;
      }
      const ancestor = sourceByName.get(prefix);
      const r = ancestor && roleOf(ancestor);
      if (r) {
        const target = destRolePath.get(r);
        const base = target ? logicalSegments(target, destNs) : segs.slice(0, k);
        destSegs = [...base, ...tail];
        if (k === segs.length) role = r;
        if (target && base.join("/") !== prefix) notes.push(`${r} folder "${prefix}" maps to "${base.join("/")}"`);
      }
    }
    destSegs ??= segs;
    const cleaned = destSegs.map((s) => safeSegment(s, destNs.delimiter));
    if (cleaned.some((s, i) => s !== destSegs![i])) notes.push(`"${destNs.delimiter}" in a folder name replaced by "_"`);
    const destination = serverPath(cleaned, destNs);
    let g = groups.get(destination);
    if (!g) {
      g = {
        destination,
        destinationName: cleaned.join("/"),
        role,
        sources: [],
        sourceNames: [],
        create: !destExisting.has(destination),
        notes: [],
      };
      groups.set(destination, g);
    }
    g.role ??= role;
    g.sources.push(f);
    g.sourceNames.push(name);
    g.notes.push(...notes);
  }
  for (const g of groups.values()) {
    if (g.sources.length > 1) g.notes.push(`merges ${g.sourceNames.map((n) => `"${n}"`).join(" and ")}`);
    // A \Noselect parent holds no mail: it is not made a mail folder; the server creates what its children need.
    if (!g.sources.some((f) => f.selectable)) {
      g.create = false;
      g.notes.push("a parent that holds no mail on the source (\\Noselect): not created as a folder of its own");
    }
  }
  return { groups: [...groups.values()], excluded };
}
