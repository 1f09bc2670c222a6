// Exchange's DKIM for the domain, as two dynamic resources over the Exchange Online admin API (exchangeAdmin.ts):
// - DkimKeys reads Get-DkimSigningConfig (creating the keys, not yet signing, with New-DkimSigningConfig when the
//   domain has none) and outputs the two CNAME targets Exchange gives: the zone publishes exactly those;
// - DkimSigningEnabled runs Set-DkimSigningConfig -Enabled $true once those CNAMEs are declared, retrying while
//   Exchange cannot see them yet (it refuses to sign before).
// Deleting either leaves Exchange as it is: turning signing off is a decision for a person, not a side effect.
// The operations are in dkimSigningOps.ts, which the dynamic-provider host requires at call time.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../hostModule";

export const DKIM_KEYS = hostModule<typeof import("./dkimSigningOps")["dkimKeysProvider"]>(
  "mailshift",
  "DkimKeys",
  path.join(__dirname, "dkimSigningOps.js"),
  "dkimKeysProvider",
);
export const DKIM_SIGNING_ENABLED = hostModule<typeof import("./dkimSigningOps")["dkimEnableProvider"]>(
  "mailshift",
  "DkimSigningEnabled",
  path.join(__dirname, "dkimSigningOps.js"),
  "dkimEnableProvider",
);

export interface DkimArgs {
  domain: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  tenantDomain: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  clientSecret: pulumi.Input<string>;
}

export class DkimKeys extends DynamicResource {
  declare readonly selector1CNAME: pulumi.Output<string>;
  declare readonly selector2CNAME: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  constructor(name: string, args: DkimArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      DKIM_KEYS,
      name,
      { ...args, clientSecret: pulumi.secret(args.clientSecret), selector1CNAME: undefined, selector2CNAME: undefined, enabled: undefined },
      { ...opts, additionalSecretOutputs: ["clientSecret"] },
    );
  }
}

export class DkimSigningEnabled extends DynamicResource {
  declare readonly enabled: pulumi.Output<boolean>;
  constructor(name: string, args: DkimArgs & { cnameRecordIds: pulumi.Input<string>[] }, opts?: pulumi.CustomResourceOptions) {
    super(
      DKIM_SIGNING_ENABLED,
      name,
      { ...args, clientSecret: pulumi.secret(args.clientSecret), enabled: undefined },
      { ...opts, additionalSecretOutputs: ["clientSecret"] },
    );
  }
}
