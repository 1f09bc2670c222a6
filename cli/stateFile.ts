// The optional --state FILE: watermarks kept between runs so that a resync skips folders where nothing moved.
// Losing or deleting it is harmless: the next run lists everything and is just slower.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Watermarks } from "../engine";
import { UsageError } from "../engine";

interface StateFile {
  version: 1;
  /** Keyed by "source -> destination" mailbox labels. */
  pairs: Record<string, Watermarks>;
}

export function pairKey(source: string, destination: string): string {
  return `${source} -> ${destination}`;
}

export function readState(file: string): StateFile {
  if (!existsSync(file)) return { version: 1, pairs: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as StateFile;
    if (parsed.version !== 1 || typeof parsed.pairs !== "object") throw new Error("unknown format");
    return parsed;
  } catch (err) {
    throw new UsageError(`--state ${file}: not a mailshift state file (${(err as Error).message}); delete it and run again`);
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
export function writeState(file: string, state: StateFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
