// The operations of CpanelMailAccount over UAPI (cpanelUapi.ts), required by the dynamic-provider host at call time.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ensureAccount, setPassword, setQuota, suspendAccount, type CpanelEndpoint } from "./cpanelUapi";

export interface CpanelAccountInputs extends CpanelEndpoint {
  address: string;
  password: string;
  /** Bytes; absent: the account's default quota. */
  quotaBytes?: number;
}

type CpanelAccountOutputs = CpanelAccountInputs & { adopted?: boolean };

const endpoint = (i: CpanelAccountInputs): CpanelEndpoint => ({ url: i.url, user: i.user, token: i.token });

export async function create(inputs: CpanelAccountInputs): Promise<{ id: string; outs: CpanelAccountOutputs }> {
  const how = await ensureAccount(endpoint(inputs), inputs);
  return { id: inputs.address, outs: { ...inputs, adopted: how === "adopted" } };
}

export async function diff(_id: string, olds: CpanelAccountOutputs, news: CpanelAccountInputs): Promise<dynamic.DiffResult> {
  const replaces = (["url", "user", "address"] as const).filter((k) => olds[k] !== news[k]);
  const changes =
    replaces.length > 0 || olds.password !== news.password || olds.quotaBytes !== news.quotaBytes || olds.token !== news.token;
  return { changes, replaces, deleteBeforeReplace: true };
}

export async function update(_id: string, olds: CpanelAccountOutputs, news: CpanelAccountInputs): Promise<{ outs: CpanelAccountOutputs }> {
  const ep = endpoint(news);
  if (olds.quotaBytes !== news.quotaBytes) await setQuota(ep, news.address, news.quotaBytes);
  if (olds.password !== news.password) await setPassword(ep, news.address, news.password);
  return { outs: { ...news, adopted: olds.adopted ?? false } };
}

export async function remove(_id: string, props: CpanelAccountOutputs): Promise<void> {
  await suspendAccount(endpoint(props), props.address);
}
