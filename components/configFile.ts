// A file the stack names (mailshift:auditFile, oldHost.ca, ...), read relative to the project directory; one that
// cannot be read is a configuration problem naming its key.
import fs from "node:fs";
import path from "node:path";
import { PlanError } from "../plan/errors";

export function readConfigFile(key: string, file: string): Buffer {
  try {
    return fs.readFileSync(path.resolve(file));
  } catch (err) {
    throw new PlanError(
      `mailshift:${key}`,
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      "Give a path relative to the project directory, or an absolute one",
    );
  }
}
