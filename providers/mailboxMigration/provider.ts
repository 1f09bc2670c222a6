// The `__provider` input of every MailboxMigration: the source of a small CommonJS module whose `handler()`
// returns the provider. Pulumi's dynamic.Resource would write it with its closure serializer, which costs about
// 0.27 s in a program on the first resource it serializes (V8 inspector, TypeScript's parser), before the
// engine can even start the provider host; the module is written here instead, from `hostProvider` below.
// It captures nothing but the path of operations.js (plain strings): no config, no credential, no module. Its
// functions load the operations, and through them the copy engine, with `require` at call time in the host.
import path from "node:path";
import type * as dynamic from "@pulumi/pulumi/dynamic";

// Where operations.js is when this file runs (dist/providers/mailboxMigration/), and the same place relative to
// the project, for a state written from a checkout that has since moved (the host runs in the project folder).
const OPERATIONS_PATH: string = path.join(__dirname, "operations.js");
const OPERATIONS_FROM_PROJECT: string = path.relative(process.cwd(), OPERATIONS_PATH);

type Operations = typeof import("./operations");

/**
 * The provider as the host runs it. Its source text goes into the module as it is (Function.toString), so it
 * may use nothing from this file: only its arguments and `require`.
 */
export function hostProvider(operationsPath: string, fromProject: string): dynamic.ResourceProvider {
  const load = (): Operations => {
    const p = require("node:path") as typeof import("node:path");
    const fs = require("node:fs") as typeof import("node:fs");
    for (const candidate of [operationsPath, p.resolve(process.cwd(), fromProject)]) {
      if (fs.existsSync(candidate)) return require(candidate) as Operations;
    }
    throw new Error(
      `MailboxMigration: the provider code is not at ${operationsPath} nor at ${fromProject} under ${process.cwd()}. ` +
        "Build the project (npm run build) and run pulumi from the mailshift folder.",
    );
  };
  return {
    check: async (olds, news) => load().check(olds, news),
    diff: async (id, olds, news) => load().diff(id, olds, news),
    create: async (inputs) => load().create(inputs),
    update: async (id, olds, news) => load().update(id, olds, news),
    read: async (id, props) => load().read(id, props ?? {}),
    delete: async (id, props) => load().remove(id, props),
  };
}

/** The module text the dynamic-provider host loads (`require-from-string`, then `.handler()`). */
export function providerModule(operationsPath: string = OPERATIONS_PATH, fromProject: string = OPERATIONS_FROM_PROJECT): string {
  return `exports.handler = () => (${hostProvider.toString()})(${JSON.stringify(operationsPath)}, ${JSON.stringify(fromProject)});\n`;
}

export const MAILBOX_MIGRATION_PROVIDER: string = providerModule();

/** The provider object itself, for a caller that wants it in this process (tests). */
export const mailboxMigrationProvider: dynamic.ResourceProvider = hostProvider(OPERATIONS_PATH, OPERATIONS_FROM_PROJECT);
