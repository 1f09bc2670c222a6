// `mailshift sync|audit|verify`: the copy engine without Pulumi.
// Exit codes: 0 every source message is on the destination; 1 it is not (skipped or missing messages);
// 2 the command line is wrong; 3 the pass stopped (authentication, unreachable host, quota, ...).
import { auditMailbox, mailboxLabel, syncMailbox, verifyMailbox } from "../engine";
import { commandFailure } from "./failure";
import { pairKey, readState, writeState } from "./stateFile";
import { parseArgs, USAGE } from "./args";
import { renderAudit, renderSync, renderVerify } from "./render";
import { ProgressLine } from "./progressLine";

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Commands with their own parsers, loaded only when used so `sync` starts fast.
  if (argv[0] === "dns-check") return (await import("./dnsCheck")).runDnsCheck(argv.slice(1));
  if (argv[0] === "report") return (await import("./report")).runReport(argv.slice(1));
  if (argv[0] === "sync-many") return (await import("./syncMany")).runSyncMany(argv.slice(1), env);
  if (argv[0] === "audit-many") return (await import("./auditMany")).runAuditMany(argv.slice(1), env);
  if (argv[0] === "notices") return (await import("./notices")).runNotices(argv.slice(1), env);
  if (argv[0] === "preflight") return (await import("./preflight")).runPreflightCommand(argv.slice(1), env);
  let json = argv.includes("--json");
  try {
    const cmd = parseArgs(argv, env);
    json = cmd.json;
    const print = (obj: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(obj)}\n` : `${text}\n`);
    if (cmd.command === "audit") {
      const report = await auditMailbox(cmd.from);
      print(report, renderAudit(report));
      return 0;
    }
    if (cmd.command === "verify") {
      const report = await verifyMailbox(cmd.from, cmd.to!, { deep: !cmd.quick, folders: cmd.folders });
      print(report, renderVerify(report));
      return report.verified ? 0 : 1;
    }
    const line = process.stderr.isTTY ? new ProgressLine(process.stderr) : undefined;
    const state = cmd.stateFile ? readState(cmd.stateFile) : undefined;
    const key = pairKey(mailboxLabel(cmd.from), mailboxLabel(cmd.to!));
    const summary = await syncMailbox(cmd.from, cmd.to!, {
      watermarks: state?.pairs[key],
      serverWatermarks: cmd.serverState,
      folders: cmd.folders,
      connections: cmd.connections,
      maxMessageBytes: cmd.maxMessageBytes,
      onProgress: (p) => line?.update(p),
      onRetry: (folder, attempt, cause) => {
        line?.done();
        process.stderr.write(`retrying folder "${folder}" (attempt ${attempt + 1}): ${cause}\n`);
      },
    });
    line?.done();
    if (state && cmd.stateFile) writeState(cmd.stateFile, { ...state, pairs: { ...state.pairs, [key]: summary.watermarks } });
    print(summary, renderSync(summary));
    return summary.verified ? 0 : 1;
  } catch (err) {
    return commandFailure("mailshift", err, { json });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
