// The README's main job (scripts/sandbox.sh): a whole migration rehearsed on this machine with the real Pulumi
// engine: two Dovecot servers on loopback, the old one loaded with real mail, the `sandbox` stack (program:
// sandbox/program.ts), and the commands a team runs for real, each shown as it runs.
// Options: --keep leaves the run's folder (backend, project, servers' files are removed with the servers).
import { Sandbox, ensureEngine, STACK } from "./session";

function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

interface StatusOutput {
  to: string;
  generation: number;
  totals?: { onSource: number; copied: number; alreadyPresent: number; skipped: number; bytesCopied: number };
  missing?: number;
}

async function main(): Promise<number> {
  const keep = process.argv.includes("--keep");
  step("set-up: the Pulumi engine (built once from Go modules, then cached)");
  const bin = ensureEngine();
  if (!bin) {
    process.stderr.write("sandbox: no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)\n");
    return 3;
  }
  step("set-up: two IMAP servers on loopback, the old one loaded with real mail from ../shared/corpus");
  const s = await Sandbox.start(bin, { show: true });
  try {
    process.stdout.write(
      `old host 127.0.0.1:${s.old.imapsPort} (folders like INBOX.Sent), new host 127.0.0.1:${s.fresh.imapsPort} (folders like "Sent Items"), both TLS\n`,
    );
    for (const m of s.mailboxes)
      process.stdout.write(
        `  ${m.address} (login ${m.sourceUser}): ${Object.entries(m.load)
          .map(([f, l]) => `${f} ${l.length}`)
          .join(", ")}  ->  ${m.destination}\n`,
      );
    process.stdout.write(`project, stack config and local backend in ${s.runDir}\n`);
    s.pulumi(["config"]);

    step("pulumi preview: what will be created (accounts on the new host, one migration per mailbox); no mail is copied");
    s.pulumi(["preview", "--diff"]);
    process.stdout.write(`messages on the new host after the preview: ${s.counts().new}\n`);

    step("pulumi up: the accounts are created and every mailbox is copied");
    s.pulumi(["up", "--yes", "--skip-preview"]);
    let c = s.counts();
    process.stdout.write(`messages: old host ${c.old}, new host ${c.new}\n`);

    step("pulumi up again: nothing to change (--expect-no-changes fails otherwise)");
    s.pulumi(["up", "--yes", "--expect-no-changes"]);

    step("new mail arrives on the old host");
    const n = await s.deliver();
    process.stdout.write(`${n} new messages delivered to ${s.mailboxes[0]!.address}'s INBOX\n`);

    step("pulumi preview --refresh: the refresh finds the new mail, the migration shows an update (nothing copied yet)");
    s.pulumi(["preview", "--refresh", "--diff"]);

    step("pulumi up --refresh: the delta pass copies only the new mail");
    s.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
    c = s.counts();
    process.stdout.write(`messages: old host ${c.old}, new host ${c.new}\n`);

    step("migration summary");
    const out = JSON.parse(s.pulumi(["stack", "output", "--json"], { capture: true }).stdout) as {
      migrationStatus: Record<string, StatusOutput>;
      dnsRecords: string[];
    };
    for (const [from, st] of Object.entries(out.migrationStatus)) {
      const t = st.totals;
      process.stdout.write(
        `  ${from} -> ${st.to}: ${t ? `${t.onSource} on the source, ${t.copied} copied by the last pass, ${t.alreadyPresent} already there, ${t.skipped} skipped` : "no pass yet"}; still missing ${st.missing ?? "?"} (generation ${st.generation})\n`,
      );
    }
    process.stdout.write(
      `DNS records mailshift would manage in Cloudflare at this stage (switched off in the sandbox):\n${out.dnsRecords.map((r) => `  ${r}`).join("\n")}\n`,
    );
    process.stdout.write(
      `\nThe stack stays in ${s.runDir} while this runs; \`pulumi destroy\` would forget the migrations and leave all mail in place.\n`,
    );
    return c.new === c.old ? 0 : 1;
  } finally {
    step(`tear-down: servers stopped${keep ? `; ${s.runDir} kept` : ""} (stack ${STACK})`);
    await s.stop(keep);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sandbox: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 3;
  },
);
