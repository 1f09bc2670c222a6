// Keeps credentials out of everything the provider says: errors, logs, progress lines and plain outputs.

import type { EndpointInput, MigrationInputs } from "./types";

export const REDACTED = "[secret]";

/** Every credential in the inputs (and any token fetched for them), longest first so overlaps redact fully. */
export function secretValues(inputs: Partial<MigrationInputs>, extra: readonly string[] = []): string[] {
  const out: string[] = [...extra];
  for (const e of [inputs.source, inputs.destination] as (Partial<EndpointInput> | undefined)[]) {
    if (!e || typeof e !== "object") continue;
    for (const v of [e.password, e.accessToken, e.oauth2?.clientSecret]) if (typeof v === "string" && v.length > 0) out.push(v);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** Replaces each secret, and its base64 and URL-encoded forms (XOAUTH2 and token requests carry those), by [secret]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3) continue; // a one- or two-character "secret" would shred the message; such a secret is refused upstream
    for (const form of [s, Buffer.from(s).toString("base64"), encodeURIComponent(s)]) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** An error the provider raises: its message (and so its stack) is already free of secrets. */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/**
 * An error from create/update that still leaves a resource behind: the dynamic-provider host turns `id` and
 * `properties` into ErrorResourceInitFailed, the engine keeps those outputs, and the next `pulumi up` updates
 * (resyncs) the resource, which copies only what is still missing.
 */
export class PartialPassError extends MigrationError {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.name = "PartialPassError";
  }
}

/** Turns anything thrown into a MigrationError whose message has no secret in it. */
export function safeError(err: unknown, secrets: readonly string[], prefix = ""): MigrationError {
  const raw = err instanceof Error ? err.message : String(err);
  return new MigrationError(redact(prefix + raw, secrets));
}
