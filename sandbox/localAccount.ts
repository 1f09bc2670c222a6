// A Dovecot account on the sandbox's new host as a dynamic resource. The real stacks reach a Dovecot host over SSH
// through @pulumi/command's remote.Command; that plugin cannot be built or downloaded here, so the sandbox runs the
// very same account script locally (localAccountOps.ts, required by the dynamic-provider host).
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, hostModule } from "../providers/hostModule";

export const LOCAL_DOVECOT_ACCOUNT = hostModule<typeof import("./localAccountOps")>(
  "mailshift",
  "LocalDovecotAccount",
  path.join(__dirname, "localAccountOps.js"),
);

export interface LocalDovecotAccountArgs {
  address: pulumi.Input<string>;
  password: pulumi.Input<string>;
  quotaBytes?: pulumi.Input<number>;
  passwdFile: pulumi.Input<string>;
  maildirRoot: pulumi.Input<string>;
  uid: pulumi.Input<string>;
  gid: pulumi.Input<string>;
}

export class LocalDovecotAccount extends DynamicResource {
  constructor(name: string, args: LocalDovecotAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      LOCAL_DOVECOT_ACCOUNT,
      name,
      { ...args, password: pulumi.secret(args.password) },
      { ...opts, additionalSecretOutputs: ["password"] },
    );
  }
}
