// The provider object serialized into the StakeholderReport resource: it captures only the path of
// operations.js and requires it at call time in the dynamic-provider host.
import path from "node:path";
import type * as dynamic from "@pulumi/pulumi/dynamic";

const OPERATIONS_PATH: string = path.join(__dirname, "operations.js");
type Operations = typeof import("./operations");

function load(): Operations {
  return require(OPERATIONS_PATH) as Operations;
}

export const stakeholderReportProvider: dynamic.ResourceProvider = {
  diff: async (id, olds, news) => load().diff(id, olds, news),
  create: async (inputs) => load().create(inputs),
  update: async (id, olds, news) => load().update(id, olds, news),
  // the page stays: it is the record of the migration, and Pulumi only forgets it
  delete: async () => {},
};
