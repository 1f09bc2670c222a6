// The example stack files read as pulumi.Config would see them: the `mailshift` namespace's keys as plain values.
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../../harness/repoRoot";

// js-yaml ships with @pulumi/pulumi; it has no type declarations here, so its one function is typed by hand.
const yaml = require("js-yaml") as { load(text: string): unknown };

export const STACKS = ["staging", "production"] as const;
export type StackName = (typeof STACKS)[number];
/** Production's wave stacks (mailshift:waves of Pulumi.production.yaml). */
export const WAVE_STACKS = ["production-wave-a", "production-wave-b"] as const;

export function stackFile(stack: StackName | (typeof WAVE_STACKS)[number]): string {
  return path.join(repoRoot(), "stacks", `Pulumi.${stack}.yaml`);
}

/** Every config key of the stack file, full names (`mailshift:domain`, `azuread:tenantId`). */
export function stackConfig(stack: StackName | (typeof WAVE_STACKS)[number]): Record<string, unknown> {
  const doc = yaml.load(fs.readFileSync(stackFile(stack), "utf8")) as { config: Record<string, unknown> };
  return doc.config;
}

/** The `mailshift` namespace without its prefix: what parseConfig takes. */
export function rawMailshift(stack: StackName): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackConfig(stack))) if (k.startsWith("mailshift:")) out[k.slice("mailshift:".length)] = v;
  return out;
}
