// A problem with the stack configuration (a plan error, a zone file's line, a file that cannot be read) reaches
// Pulumi as a RunError: the CLI prints its message, every problem listed, without a JavaScript stack.
import * as pulumi from "@pulumi/pulumi";
import { ZoneFileError } from "../dns/zonefile";
import { PlanError, PlanErrors } from "../plan/errors";

export function planned<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof PlanError || err instanceof PlanErrors || err instanceof ZoneFileError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
