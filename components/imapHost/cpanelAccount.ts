// A mail account on a cPanel host as a Pulumi dynamic resource, over UAPI (cpanelAccountOps.ts, cpanelUapi.ts).
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../../providers/hostModule";

export type { CpanelAccountInputs } from "./cpanelAccountOps";

export const CPANEL_MAIL_ACCOUNT = hostModule<typeof import("./cpanelAccountOps")>(
  "mailshift",
  "CpanelMailAccount",
  path.join(__dirname, "cpanelAccountOps.js"),
);

export interface CpanelMailAccountArgs {
  url: pulumi.Input<string>;
  user: pulumi.Input<string>;
  token: pulumi.Input<string>;
  address: pulumi.Input<string>;
  password: pulumi.Input<string>;
  quotaBytes?: pulumi.Input<number>;
}

export class CpanelMailAccount extends DynamicResource {
  declare readonly address: pulumi.Output<string>;
  declare readonly quotaBytes: pulumi.Output<number | undefined>;
  constructor(name: string, args: CpanelMailAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      CPANEL_MAIL_ACCOUNT,
      name,
      { ...args, token: pulumi.secret(args.token), password: pulumi.secret(args.password), adopted: undefined },
      { ...opts, additionalSecretOutputs: ["token", "password"] },
    );
  }
}
