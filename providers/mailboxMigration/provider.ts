// The provider object Pulumi serializes into every MailboxMigration's `__provider` input. Its functions capture
// nothing but the path of operations.js (a plain string): no config, no credential, no module. They load the
// operations, and through them the copy engine, with `require` at call time inside the dynamic-provider host.
import path from "node:path";
import type * as dynamic from "@pulumi/pulumi/dynamic";

// Where operations.js is when this file runs (dist/providers/mailboxMigration/), and the same place relative to
// the project, for a state written from a checkout that has since moved (the host runs in the project folder).
const OPERATIONS_PATH: string = path.join(__dirname, "operations.js");
const OPERATIONS_FROM_PROJECT: string = path.relative(process.cwd(), OPERATIONS_PATH);

type Operations = typeof import("./operations");

function load(): Operations {
  const p = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  for (const candidate of [OPERATIONS_PATH, p.resolve(process.cwd(), OPERATIONS_FROM_PROJECT)]) {
    if (fs.existsSync(candidate)) return require(candidate) as Operations;
  }
  throw new Error(
    `MailboxMigration: the provider code is not at ${OPERATIONS_PATH} nor at ${OPERATIONS_FROM_PROJECT} under ${process.cwd()}. ` +
      "Build the project (npm run build) and run pulumi from the mailshift folder.",
  );
}

export const mailboxMigrationProvider: dynamic.ResourceProvider = {
  check: async (olds, news) => load().check(olds, news),
  diff: async (id, olds, news) => load().diff(id, olds, news),
  create: async (inputs) => load().create(inputs),
  update: async (id, olds, news) => load().update(id, olds, news),
  read: async (id, props) => load().read(id, props ?? {}),
  delete: async (id, props) => load().remove(id, props),
};
