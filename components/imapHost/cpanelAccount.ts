// A mail account on a cPanel host as a Pulumi dynamic resource, over UAPI (cpanelUapi.ts).
import * as pulumi from "@pulumi/pulumi";
import { ensureAccount, setPassword, setQuota, suspendAccount, type CpanelEndpoint } from "./cpanelUapi";

export interface CpanelAccountInputs extends CpanelEndpoint {
  address: string;
  password: string;
  /** Bytes; absent: the account's default quota. */
  quotaBytes?: number;
}

const endpoint = (i: CpanelAccountInputs): CpanelEndpoint => ({ url: i.url, user: i.user, token: i.token });

export const cpanelAccountProvider: pulumi.dynamic.ResourceProvider<CpanelAccountInputs, CpanelAccountInputs & { adopted?: boolean }> = {
  async create(inputs) {
    const how = await ensureAccount(endpoint(inputs), inputs);
    return { id: inputs.address, outs: { ...inputs, adopted: how === "adopted" } };
  },
  async diff(_id, olds, news) {
    const replaces = (["url", "user", "address"] as const).filter((k) => olds[k] !== news[k]);
    const changes =
      replaces.length > 0 || olds.password !== news.password || olds.quotaBytes !== news.quotaBytes || olds.token !== news.token;
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async update(_id, olds, news) {
    const ep = endpoint(news);
    if (olds.quotaBytes !== news.quotaBytes) await setQuota(ep, news.address, news.quotaBytes);
    if (olds.password !== news.password) await setPassword(ep, news.address, news.password);
    return { outs: { ...news, adopted: olds.adopted ?? false } };
  },
  async delete(_id, props) {
    await suspendAccount(endpoint(props), props.address);
  },
};

export interface CpanelMailAccountArgs {
  url: pulumi.Input<string>;
  user: pulumi.Input<string>;
  token: pulumi.Input<string>;
  address: pulumi.Input<string>;
  password: pulumi.Input<string>;
  quotaBytes?: pulumi.Input<number>;
}

export class CpanelMailAccount extends pulumi.dynamic.Resource {
  declare readonly address: pulumi.Output<string>;
  declare readonly quotaBytes: pulumi.Output<number | undefined>;
  constructor(name: string, args: CpanelMailAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      cpanelAccountProvider,
      name,
      { ...args, token: pulumi.secret(args.token), password: pulumi.secret(args.password), adopted: undefined },
      { ...opts, additionalSecretOutputs: ["token", "password"] },
      "mailshift",
      "CpanelMailAccount",
    );
  }
}
