// The one way this repository declares a dynamic resource. pulumi.dynamic.Resource writes its `__provider` input
// with Pulumi's closure serializer, which costs about 0.27 s of CPU in a program the first time it runs (V8
// inspector, TypeScript's parser) before the engine can start the provider host. Here `__provider` is a small
// CommonJS module written from `hostProvider` below: it captures only the path of a compiled module that exports
// the operations (plain strings: no config, no credential, no module), and the host requires that module when it
// first loads the provider. The type token is the one pulumi.dynamic.Resource gives, so existing stacks see the
// same resources with the same inputs.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";

type Props = Record<string, unknown>;

/** What an operations module exports: the provider's methods, `remove` for `delete` (a reserved word). */
export interface Operations {
  check?(olds: never, news: never): Promise<dynamic.CheckResult>;
  diff?(id: string, olds: never, news: never): Promise<dynamic.DiffResult>;
  create(inputs: never): Promise<dynamic.CreateResult>;
  update?(id: string, olds: never, news: never): Promise<dynamic.UpdateResult>;
  read?(id: string, props: never): Promise<dynamic.ReadResult>;
  remove?(id: string, props: never): Promise<void>;
}

/** The type token pulumi.dynamic.Resource gives `(provider, name, props, opts, module, type)`. */
export function dynamicType(module: string, type: string): string {
  return `pulumi-nodejs:dynamic${module ? `/${module}` : ""}:${type}`;
}

/**
 * The provider as the host builds it from the module text. Its source goes into the text as it is
 * (Function.toString), so it may use nothing from this file: only its arguments and `require`. The operations
 * module is found by the absolute path where the program ran, or the same path under the current folder (the host
 * runs in the project folder) for a state written from a checkout that has since moved. Only the methods the
 * module exports are given to the host, which has its own default for a missing one (no check: inputs as they are;
 * no diff: the engine compares inputs; no read: the state as it is).
 */
export function hostProvider(file: string, fromProject: string, exportName: string, label: string): dynamic.ResourceProvider {
  const p = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  const found = [file, p.resolve(process.cwd(), fromProject)].find((f) => fs.existsSync(f));
  if (!found) {
    throw new Error(
      `${label}: the provider code is not at ${file} nor at ${fromProject} under ${process.cwd()}. ` +
        "Build the project (npm run build) and run pulumi from the mailshift folder.",
    );
  }
  const loaded = require(found) as Record<string, unknown>;
  const ops = (exportName ? loaded[exportName] : loaded) as Record<string, (...args: unknown[]) => Promise<unknown>> | undefined;
  if (!ops || typeof ops.create !== "function")
    throw new Error(
      `${label}: ${found} has no create operation${exportName ? ` in its export ${exportName}` : ""}. Rebuild (npm run build).`,
    );
  const provider: Record<string, unknown> = {};
  for (const [method, op] of [
    ["check", "check"],
    ["diff", "diff"],
    ["create", "create"],
    ["update", "update"],
    ["read", "read"],
    ["delete", "remove"],
  ] as const) {
    const f = ops[op];
    if (typeof f === "function") provider[method] = (...args: unknown[]) => f.apply(ops, args);
  }
  return provider as unknown as dynamic.ResourceProvider;
}

/** A dynamic resource's type token and its `__provider` text, written once per resource type. */
export interface HostModule<O extends Operations = Operations> {
  readonly type: string;
  readonly text: string;
  /** Type only: the operations the text loads. */
  readonly ops?: O;
}

/**
 * `O` is the operations' type (typeof import("./ops"), or one of its exports), checked against what the host calls.
 * `file` is the compiled path (path.join(__dirname, "ops.js")); `exportName` picks one export of a module that
 * holds several providers' operations.
 */
export function hostModule<O extends Operations>(module: string, type: string, file: string, exportName = ""): HostModule<O> {
  const fromProject = path.relative(process.cwd(), file);
  const args = [file, fromProject, exportName, type].map((a) => JSON.stringify(a)).join(", ");
  return { type: dynamicType(module, type), text: `exports.handler = () => (${hostProvider.toString()})(${args});\n` };
}

/**
 * A dynamic resource as pulumi.dynamic.Resource declares it (same type token, same inputs plus `__provider`),
 * with the module text of `hostModule` as its provider.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(host: HostModule<Operations>, name: string, props: Props, opts?: pulumi.CustomResourceOptions) {
    if (props.__provider) throw new Error("A dynamic resource must not define the __provider key");
    super(host.type, name, { ...props, __provider: host.text }, opts);
  }
}
