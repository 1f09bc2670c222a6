// The provider object Pulumi serializes into every NoticeDelivery: it captures only the path of operations.js
// and requires it at call time in the dynamic-provider host (as mailboxMigration/provider.ts does).
import path from "node:path";
import type * as dynamic from "@pulumi/pulumi/dynamic";

const OPERATIONS_PATH: string = path.join(__dirname, "operations.js");
type Operations = typeof import("./operations");

function load(): Operations {
  return require(OPERATIONS_PATH) as Operations;
}

export const noticeDeliveryProvider: dynamic.ResourceProvider = {
  check: async (olds, news) => load().check(olds, news),
  diff: async (id, olds, news) => load().diff(id, olds, news),
  create: async (inputs) => load().create(inputs),
  update: async (id, olds, news) => load().update(id, olds, news),
  delete: async () => load().remove(),
};
