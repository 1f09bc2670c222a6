// How the provider talks to `pulumi up` while it works.
//
// What the Node.js dynamic-provider host offers (read in @pulumi/pulumi/cmd/dynamic-provider/index.js, 3.276):
//  - The engine starts the host with one argument, the address of its own gRPC Engine service (the host's
//    main() reads nothing else from it). The Engine service's Log RPC takes a severity, a message, a URN and an
//    `ephemeral` bit: an ephemeral message with a URN becomes the status text of that resource's row in the
//    `pulumi up` display (how the Kubernetes provider shows its await progress); a non-ephemeral one is a
//    diagnostic under that resource.
//  - `pulumi.log.info` inside the host does NOT use that address: the runtime's settings take the engine address
//    from PULUMI_NODEJS_ENGINE, which the engine sets for the program, not for provider plugins. So it falls back
//    to console.log("info: [runtime] ..."), i.e. the host's stdout.
//  - The engine streams a dynamic provider's stdout/stderr lines (after the port line) to the display as
//    diagnostics with no URN (they land on the stack), which works but is anonymous and piles up.
//  - The host does not pass the URN to create/update/read, so the resource passes its own URN as an input
//    (`statusUrn`, from pulumi.createUrn).
// So: Log RPCs to the engine address, with the URN, ephemeral for progress and plain for the closing summary;
// stderr when there is no engine address or no URN, or a Log fails.
import * as grpc from "@grpc/grpc-js";
import { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { LogRequest, LogSeverity } from "@pulumi/pulumi/proto/engine_pb";
import { redact } from "./secrets";

export type Severity = "info" | "warning" | "error";

export interface StatusSink {
  /** Progress: replaces the resource's status text. */
  status(message: string): void;
  /** A line that stays in the update's diagnostics for this resource. */
  say(severity: Severity, message: string): void;
  /** Waits (bounded) until every message has been delivered. */
  flush(): Promise<void>;
}

/** host:port, [v6]:port; what the engine passes as the host's first argument. */
export function looksLikeAddress(s: string | undefined): s is string {
  return !!s && /^(\[[0-9a-f:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/i.test(s);
}

const SEVERITY: Record<Severity, number> = {
  info: LogSeverity.INFO,
  warning: LogSeverity.WARNING,
  error: LogSeverity.ERROR,
};

class EngineSink implements StatusSink {
  private readonly client: EngineClient;
  private chain: Promise<void> = Promise.resolve();
  constructor(
    address: string,
    private readonly urn: string,
    private readonly secrets: readonly string[],
  ) {
    this.client = new EngineClient(address, grpc.credentials.createInsecure());
  }
  private send(severity: number, message: string, ephemeral: boolean): void {
    const text = redact(message, this.secrets);
    // in order, one at a time, as @pulumi/pulumi's own log module does
    this.chain = this.chain.then(
      () =>
        new Promise<void>((resolve) => {
          const req = new LogRequest();
          req.setSeverity(severity as LogSeverity);
          req.setMessage(text);
          req.setUrn(this.urn);
          req.setEphemeral(ephemeral);
          this.client.log(req, (err) => {
            if (err) process.stderr.write(`[mailshift] ${text}\n`);
            resolve();
          });
        }),
    );
  }
  status(message: string): void {
    this.send(LogSeverity.INFO, message, true);
  }
  say(severity: Severity, message: string): void {
    this.send(SEVERITY[severity], message, false);
  }
  async flush(): Promise<void> {
    await Promise.race([this.chain, new Promise((r) => setTimeout(r, 5000).unref())]);
    this.client.close();
  }
}

class StderrSink implements StatusSink {
  constructor(private readonly secrets: readonly string[]) {}
  status(message: string): void {
    process.stderr.write(`[mailshift] ${redact(message, this.secrets)}\n`);
  }
  say(severity: Severity, message: string): void {
    process.stderr.write(`[mailshift] ${severity === "info" ? "" : `${severity}: `}${redact(message, this.secrets)}\n`);
  }
  async flush(): Promise<void> {}
}

/**
 * The engine address among the host's arguments: the last one that looks like host:port (with -v/--logflow or
 * --tracing the engine puts its own flags before it).
 */
export function engineAddressOf(argv: readonly string[]): string | undefined {
  return [...argv].reverse().find(looksLikeAddress);
}

/** The engine when the host was started with its address and the resource knows its URN, else stderr. */
export function statusSink(
  urn: string | undefined,
  secrets: readonly string[],
  address: string | undefined = engineAddressOf(process.argv.slice(2)),
): StatusSink {
  if (urn?.startsWith("urn:pulumi:") && looksLikeAddress(address)) return new EngineSink(address, urn, secrets);
  return new StderrSink(secrets);
}
