// A Dovecot account on the sandbox's new host as a dynamic resource. The real stacks reach a Dovecot host over SSH
// through @pulumi/command's remote.Command; that plugin cannot be built or downloaded here, so the sandbox runs the
// very same account script locally (localAccountOps.ts). Like the MailboxMigration provider, the serialized
// provider captures only the path of its operations module and requires it at call time.
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";

const OPS_PATH: string = path.join(__dirname, "localAccountOps.js");
type Ops = typeof import("./localAccountOps");
function load(): Ops {
  return require(OPS_PATH) as Ops;
}

const provider: dynamic.ResourceProvider = {
  create: async (inputs) => load().create(inputs),
  diff: async (id, olds, news) => load().diff(id, olds, news),
  update: async (id, olds, news) => load().update(id, olds, news),
  delete: async (id, props) => load().remove(id, props),
};

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
