// A dynamic provider as the engine runs it: the dynamic-provider host requires the resource's `__provider` module
// text (providers/hostModule.ts) and calls `.handler()`. Tests use this to exercise the shipped form.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { HostModule } from "../../providers/hostModule";

export function asHosted(host: HostModule): dynamic.ResourceProvider {
  // the host's own loader (@pulumi/pulumi cmd/dynamic-provider)
  const requireFromString = require("require-from-string") as (code: string) => { handler(): dynamic.ResourceProvider };
  return requireFromString(host.text).handler();
}
