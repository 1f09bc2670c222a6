// Drives the dynamic-provider host that ships in @pulumi/pulumi (cmd/dynamic-provider) over its gRPC
// ResourceProvider interface, as the Pulumi engine does, and plays the engine's Log service for it.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as prov from "@pulumi/pulumi/proto/provider_pb";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { repoRoot } from "../../harness/repoRoot";
import { MailboxMigration } from "../../providers/mailboxMigration/resource";

export type Props = Record<string, unknown>;

export interface LoggedMessage {
  severity: number;
  message: string;
  urn: string;
  ephemeral: boolean;
}

/** The engine's Log service, recording what the provider says. */
export class FakeEngine {
  readonly messages: LoggedMessage[] = [];
  private server = new grpc.Server();
  address = "";
  async start(): Promise<void> {
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED }, null);
    this.server.addService(EngineService, {
      log: (call: grpc.ServerUnaryCall<LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
        const r = call.request;
        this.messages.push({ severity: r.getSeverity(), message: r.getMessage(), urn: r.getUrn(), ephemeral: r.getEphemeral() });
        cb(null, new Empty());
      },
      getRootResource: unimplemented,
      setRootResource: unimplemented,
      startDebugging: unimplemented,
      requirePulumiVersion: unimplemented,
    });
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.address = `127.0.0.1:${port}`;
  }
  stop(): void {
    this.server.forceShutdown();
  }
}

/** A provider call that failed: the message, and the partial state the host attached (ErrorResourceInitFailed). */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly initFailed?: { id: string; properties: Props; reasons: string[] },
  ) {
    super(message);
  }
}

function toError(err: grpc.ServiceError): ProviderCallError {
  const bin = err.metadata?.get("grpc-status-details-bin")[0];
  if (bin) {
    const status = Status.deserializeBinary(new Uint8Array(bin as Buffer));
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
        const d = prov.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
        return new ProviderCallError(err.details, {
          id: d.getId(),
          properties: d.getProperties()?.toJavaScript() as Props,
          reasons: d.getReasonsList(),
        });
      }
    }
  }
  return new ProviderCallError(err.details ?? err.message);
}

export class ProviderHost {
  private child!: ChildProcess;
  private client!: ResourceProviderClient;
  stdout = "";
  stderr = "";

  static async start(engineAddress: string, env: NodeJS.ProcessEnv = {}): Promise<ProviderHost> {
    const h = new ProviderHost();
    const root = repoRoot();
    const entry = path.join(root, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js");
    h.child = spawn(process.execPath, [entry, engineAddress], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    h.child.stderr!.on("data", (d: Buffer) => (h.stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the dynamic-provider host printed no port in 20 s; stderr: ${h.stderr}`)), 20_000);
      h.child.on("exit", (code) => reject(new Error(`the dynamic-provider host exited with ${code}: ${h.stderr}`)));
      h.child.stdout!.on("data", (d: Buffer) => {
        h.stdout += d.toString();
        const line = /^(\d+)\r?\n/.exec(h.stdout);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      });
    });
    h.client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return h;
  }

  private call<Req, Res>(method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => method.call(this.client, req, (err, res) => (err ? reject(toError(err)) : resolve(res))));
  }

  async configure(): Promise<prov.ConfigureResponse> {
    const req = new prov.ConfigureRequest();
    req.setArgs(Struct.fromJavaScript({}));
    req.setAcceptsecrets(true);
    return this.call(this.client.configure, req);
  }

  async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new prov.CheckRequest();
    req.setUrn(urn);
    req.setOlds(Struct.fromJavaScript(olds as never));
    req.setNews(Struct.fromJavaScript(news as never));
    const res = await this.call<prov.CheckRequest, prov.CheckResponse>(this.client.check, req);
    return {
      inputs: res.getInputs()?.toJavaScript() as Props,
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: Props, news: Props): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[] }> {
    const req = new prov.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(olds as never));
    req.setNews(Struct.fromJavaScript(news as never));
    const res = await this.call<prov.DiffRequest, prov.DiffResponse>(this.client.diff, req);
    const C = prov.DiffResponse.DiffChanges;
    const changes = res.getChanges() === C.DIFF_SOME ? "some" : res.getChanges() === C.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: res.getReplacesList() };
  }

  async create(urn: string, props: Props): Promise<{ id: string; outs: Props }> {
    const req = new prov.CreateRequest();
    req.setUrn(urn);
    req.setProperties(Struct.fromJavaScript(props as never));
    const res = await this.call<prov.CreateRequest, prov.CreateResponse>(this.client.create, req);
    return { id: res.getId(), outs: res.getProperties()?.toJavaScript() as Props };
  }

  async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
    const req = new prov.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(olds as never));
    req.setNews(Struct.fromJavaScript(news as never));
    const res = await this.call<prov.UpdateRequest, prov.UpdateResponse>(this.client.update, req);
    return res.getProperties()?.toJavaScript() as Props;
  }

  async read(urn: string, id: string, props: Props, inputs: Props): Promise<{ id: string; props: Props }> {
    const req = new prov.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(props as never));
    req.setInputs(Struct.fromJavaScript(inputs as never));
    const res = await this.call<prov.ReadRequest, prov.ReadResponse>(this.client.read, req);
    return { id: res.getId(), props: res.getProperties()?.toJavaScript() as Props };
  }

  async delete(urn: string, id: string, props: Props): Promise<void> {
    const req = new prov.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(props as never));
    await this.call(this.client.delete, req);
  }

  async stop(): Promise<void> {
    this.client?.close();
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
  }
}

/** What the program would register: the `__provider` module text and the resource's URN, from the real class. */
export async function registered(name: string): Promise<{ provider: string; urn: string }> {
  let seen: Record<string, unknown> | undefined;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.name === name) seen = args.inputs as Record<string, unknown>;
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "mailshift",
    "hosttest",
    false,
  );
  const m = new MailboxMigration(name, {
    source: { host: "placeholder", user: "u", password: "placeholder-pw" },
    destination: { host: "placeholder2", user: "u", password: "placeholder-pw" },
  });
  await new Promise<void>((resolve) => m.urn.apply(() => resolve()));
  for (let i = 0; i < 100 && !seen; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(seen, "the resource was registered");
  return { provider: seen.__provider as string, urn: seen.statusUrn as string };
}
