// The dynamic provider of a sandbox stand-in resource (LocalDovecotAccount, LocalZoneRecord): Pulumi serializes the
// provider with the program, so it captures only the path of its operations module and requires it at call time.
import type * as dynamic from "@pulumi/pulumi/dynamic";

interface Ops {
  create(inputs: never): Promise<dynamic.CreateResult>;
  diff(id: string, olds: never, news: never): Promise<dynamic.DiffResult>;
  update(id: string, olds: never, news: never): Promise<dynamic.UpdateResult>;
  remove(id: string, props: never): Promise<void>;
}

/** `O`, the operations module's type (typeof import(...)), is checked against what the provider calls. */
export function opsProvider<O extends Ops>(opsFile: string): dynamic.ResourceProvider {
  const load = () => require(opsFile) as O;
  return {
    create: async (inputs) => load().create(inputs as never),
    diff: async (id, olds, news) => load().diff(id, olds as never, news as never),
    update: async (id, olds, news) => load().update(id, olds as never, news as never),
    delete: async (id, props) => load().remove(id, props as never),
  };
}
