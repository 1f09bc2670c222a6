// A dynamic provider as the engine runs it: Pulumi serializes the provider's closure to text, and the
// dynamic-provider host requires that text and calls `.handler()`. Tests use this to exercise the shipped form.
import Module from "node:module";
import * as pulumi from "@pulumi/pulumi";

export async function asSerialized<T extends object>(provider: T): Promise<T> {
  const text = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
  const m = new Module("serialized-provider");
  (m as unknown as { _compile(code: string, file: string): void })._compile(text, "serialized-provider.js");
  return (m.exports as { handler: () => T }).handler();
}
