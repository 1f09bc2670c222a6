// A Dovecot account on the sandbox's new host as a dynamic resource. The real stacks reach a Dovecot host over SSH
// through @pulumi/command's remote.Command; that plugin cannot be built or downloaded here, so the sandbox runs the
// very same account script locally (localAccountOps.ts), through opsProvider.ts.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { opsProvider } from "./opsProvider";

const provider = opsProvider<typeof import("./localAccountOps")>(path.join(__dirname, "localAccountOps.js"));

export interface LocalDovecotAccountArgs {
  address: pulumi.Input<string>;
  password: pulumi.Input<string>;
  quotaBytes?: pulumi.Input<number>;
  passwdFile: pulumi.Input<string>;
  maildirRoot: pulumi.Input<string>;
  uid: pulumi.Input<string>;
  gid: pulumi.Input<string>;
}

export class LocalDovecotAccount extends pulumi.dynamic.Resource {
  constructor(name: string, args: LocalDovecotAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { ...args, password: pulumi.secret(args.password) },
      { ...opts, additionalSecretOutputs: ["password"] },
      "mailshift",
      "LocalDovecotAccount",
    );
  }
}
