// Dynamic resources for what @pulumi/azuread cannot do: add the custom domain to the tenant (TenantDomain) and
// verify it once its MS= TXT record resolves (DomainVerification), wherever it is published. The decisions are in domainDecision.ts.
// Deleting either leaves the domain in the tenant: removing a domain with users on it is a manual decision.
// The operations are in tenantDomainOps.ts, which the dynamic-provider host requires at call time.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../hostModule";

export const TENANT_DOMAIN = hostModule<typeof import("./tenantDomainOps")["domainProvider"]>(
  "mailshift",
  "TenantDomain",
  path.join(__dirname, "tenantDomainOps.js"),
  "domainProvider",
);
export const DOMAIN_VERIFICATION = hostModule<typeof import("./tenantDomainOps")["verifyProvider"]>(
  "mailshift",
  "DomainVerification",
  path.join(__dirname, "tenantDomainOps.js"),
  "verifyProvider",
);

export interface TenantDomainArgs {
  domain: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  clientSecret: pulumi.Input<string>;
}

export class TenantDomain extends DynamicResource {
  declare readonly verificationTxt: pulumi.Output<string>;
  declare readonly exchangeMx: pulumi.Output<string>;
  declare readonly isVerified: pulumi.Output<boolean>;
  constructor(name: string, args: TenantDomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      TENANT_DOMAIN,
      name,
      { ...args, clientSecret: pulumi.secret(args.clientSecret), verificationTxt: undefined, exchangeMx: undefined, isVerified: undefined },
      { ...opts, additionalSecretOutputs: ["clientSecret"] },
    );
  }
}

export class DomainVerification extends DynamicResource {
  declare readonly exchangeMx: pulumi.Output<string>;
  declare readonly isVerified: pulumi.Output<boolean>;
  constructor(
    name: string,
    args: TenantDomainArgs & {
      txtRecordId: pulumi.Input<string>;
      verificationTxt: pulumi.Input<string>;
      publishAt: "old-host" | "zone";
      ttl: number;
      nameServer?: string;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      DOMAIN_VERIFICATION,
      name,
      { ...args, clientSecret: pulumi.secret(args.clientSecret), exchangeMx: undefined, isVerified: undefined },
      { ...opts, additionalSecretOutputs: ["clientSecret"] },
    );
  }
}
