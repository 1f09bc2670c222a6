// The README's main job (scripts/sandbox.sh): a whole migration rehearsed on this machine with the real Pulumi
// engine and real DNS: two Dovecot servers on loopback, the old one loaded with real mail; NSD as the registry, the
// old DNS host and the new zone, Unbound in front; the `sandbox` stack (program: sandbox/program.ts) walked through
// prepare, copy, cutover and finalize with the commands a team runs for real, each shown as it runs, and what a
// receiving mail server sees through the resolver at each stage.
// Options: --keep leaves the run's folder (backend, project, servers' files are removed with the servers).
import { NEW_MX, NEW_NS, SENDERS } from "./dnsWorld";
import path from "node:path";
import { cutoverWindow, describeCutoverWindow } from "../plan/cutoverWindow";
import type { GateRecord } from "../plan/gates";
import { enableNotices, noticesFound } from "./notices";
import {
  DOMAIN,
  type DnsView,
  ensureEngine,
  FINALIZE_AFTER_SECONDS,
  letters,
  OLD_TTL_SECONDS,
  Sandbox,
  STACK,
  SUBDOMAIN,
  TTL,
  TTL_DIVISOR,
} from "./session";

/** The stack's nextStageBlockers: what the gates (world/gates.ts) say blocks the next stage right now. */
function showBlockers(s: Sandbox): void {
  const b = s.blockers();
  const open = b.length === 1 && b[0]!.startsWith("nothing blocks");
  process.stdout.write(
    open || b.length === 0
      ? `  the gates: ${b[0] ?? "finalize is the last stage"}\n`
      : `  the gates: ${b.map((x) => `\n    ${x}`).join("")}\n`,
  );
}

function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface StatusOutput {
  to: string;
  generation: number;
  totals?: { onSource: number; copied: number; alreadyPresent: number; skipped: number; bytesCopied: number };
  missing?: number;
}

/** What a receiving mail server sees, through the resolver, in a few lines. */
function showView(v: DnsView): void {
  const mx = (m: DnsView["apexMx"]) => (m.rcode === 3 ? "NXDOMAIN" : `${m.targets.join(", ")} (ttl ${m.ttl} s)`);
  const list = (x: string[] | "NXDOMAIN") => (x === "NXDOMAIN" ? x : x.join(" | "));
  process.stdout.write(
    [
      `  delegation (registry)   ${v.parentNs.join(", ")}`,
      `  MX ${DOMAIN.padEnd(20)} ${mx(v.apexMx)}`,
      `  MX ${SUBDOMAIN.padEnd(20)} ${mx(v.subMx)}`,
      ...Object.entries(v.spf).map(
        ([d, r]) =>
          `  SPF ${d.padEnd(19)} ${Object.entries(r)
            .map(([who, res]) => `${SENDERS[who as keyof typeof SENDERS].label} ${res}`)
            .join(", ")}`,
      ),
      `  DMARC                   ${list(v.dmarc)}`,
      `  autodiscover            ${list(v.autodiscover)}`,
      "",
    ].join("\n"),
  );
}

async function main(): Promise<number> {
  const keep = process.argv.includes("--keep");
  step("set-up: the Pulumi engine (built once from Go modules, then cached)");
  const bin = ensureEngine();
  if (!bin) {
    process.stderr.write("sandbox: no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)\n");
    return 3;
  }
  step("set-up: two IMAP servers and the DNS (registry, old DNS host, new zone, resolver) on loopback");
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
    process.stdout.write(
      `DNS: registry ${s.dns.registry.server.host}, old DNS host ${s.dns.oldDns.server.host}, new zone ${s.dns.newDns.server.host} (port 53 each), resolver 127.0.0.1:${s.dns.resolver.server.port}\n` +
        `TTLs on the rehearsal's clock: planned TTLs served ${TTL_DIVISOR} times shorter (normal ${TTL.normal} s -> ${TTL.normal / TTL_DIVISOR} s, lowered ${TTL.lowered} s -> ${TTL.lowered / TTL_DIVISOR} s)\n`,
    );
    const reportFile = path.join(s.runDir, "report.html");
    enableNotices(s, { reportFile });
    process.stdout.write(`project, stack config and local backend in ${s.runDir}; pulumi up writes the IT team's page to ${reportFile}\n`);
    s.pulumi(["config"]);
    process.stdout.write("what a receiving mail server sees today, through the resolver:\n");
    showView(await s.dnsView());

    step("prepare: pulumi preview, then pulumi up: the accounts on the new host, the records in the new zone (not delegated yet)");
    s.pulumi(["preview", "--diff"]);
    s.pulumi(["up", "--yes", "--skip-preview"]);
    showView(await s.dnsView());
    showBlockers(s);

    step("copy: every mailbox is copied");
    s.moveTo("copy");
    let c = s.counts();
    process.stdout.write(
      `messages: old host ${c.old} (with each person's before-cutover notice, sent after their copy), new host ${c.new}\n`,
    );
    s.pulumi(["up", "--yes", "--expect-no-changes"]);
    showBlockers(s);

    step("new mail arrives on the old host (the next pass takes it)");
    const n = await s.deliver();
    process.stdout.write(`${n} new messages delivered to ${s.mailboxes[0]!.address}'s INBOX\n`);

    step(`the registrar switch: ${DOMAIN}'s nameservers become the new zone's (${NEW_NS})`);
    const before = await s.dnsView();
    const cachedApexMx = before.apexMx.targets[0]!;
    await s.dns.delegate("new");
    process.stdout.write("right after the switch, the resolver still answers from its cache:\n");
    showView(await s.dnsView());
    process.stdout.write(`waiting for the old DNS host's answers (TTL ${OLD_TTL_SECONDS} s) to run out\n`);
    const t0 = Date.now();
    let after = await s.dnsView();
    // an answer may expire while the old delegation is still cached and be asked again of the old host: up to twice
    while (!(after.subMx.targets[0] === NEW_MX && after.apexMx.ttl! <= TTL.lowered / TTL_DIVISOR)) {
      if (Date.now() - t0 > (2 * OLD_TTL_SECONDS + 5) * 1000)
        throw new Error(`the resolver still answers from the old DNS host:\n${s.dns.logs()}`);
      await sleep(250);
      after = await s.dnsView();
    }
    process.stdout.write(`after ${((Date.now() - t0) / 1000).toFixed(1)} s the resolver answers from the new zone:\n`);
    showView(after);

    step("cutover: the delta pass; mail arrives by an MX answer cached before the switch and by one resolved now");
    s.moveTo("cutover");
    showView(await s.dnsView());
    const alice = s.mailboxes[0]!;
    const early = letters("cached-old-mx", 5, "sender@example.org", alice.address);
    const late = letters("fresh-sub-mx", 5, "sender@example.org", alice.destination);
    const sub = (await s.dns.mx(SUBDOMAIN)).targets[0]!;
    process.stdout.write(
      `  5 to ${alice.address} via ${cachedApexMx} (cached): ${await s.deliverVia(cachedApexMx, alice.address, early)} host\n` +
        `  5 to ${alice.destination} via ${sub} (resolved now): ${await s.deliverVia(sub, alice.destination, late)} host\n`,
    );

    showBlockers(s);
    const cutoverAt = Date.now();

    step(`finalize: the last pass; TTLs back to normal (the gate waits ${FINALIZE_AFTER_SECONDS} s after cutover here, 5 days for real)`);
    await sleep(Math.max(0, cutoverAt + (FINALIZE_AFTER_SECONDS + 1) * 1000 - Date.now()));
    s.moveTo("finalize");
    const ids = await s.messageIds("new", alice);
    const id = (m: { raw: Buffer }) => /^Message-ID: (<[^>]+>)/im.exec(m.raw.toString("latin1"))![1]!;
    const once = [...early, ...late].filter((m) => ids.get(id(m)) === 1).length;
    process.stdout.write(`  ${once} of ${early.length + late.length} cutover messages on the new host exactly once (by Message-ID)\n`);
    await sleep((TTL.lowered / TTL_DIVISOR + 1) * 1000);
    showView(await s.dnsView());
    c = s.counts();
    process.stdout.write(`messages: old host ${c.old}, new host ${c.new}\n`);

    step("what each person was told, found in their INBOXes (notices sent by pulumi up, once per stage)");
    const told = await noticesFound(s);
    for (const [who, n] of Object.entries(told))
      process.stdout.write(`  ${who}: old INBOX [${n.old.join(", ")}], new mailbox [${n.new.join(", ")}]\n`);
    const everyoneTold = Object.values(told).every((n) => n.new.length === 3);

    step("migration summary");
    const out = JSON.parse(s.pulumi(["stack", "output", "--json"], { capture: true }).stdout) as {
      migrationStatus: Record<string, StatusOutput>;
      dnsRecords: string[];
      spfProof: string[];
      warnings: string[];
      gateState: GateRecord;
    };
    for (const [from, st] of Object.entries(out.migrationStatus)) {
      const t = st.totals;
      process.stdout.write(
        `  ${from} -> ${st.to}: ${t ? `${t.onSource} on the source, ${t.copied} copied by the last pass, ${t.alreadyPresent} already there, ${t.skipped} skipped` : "no pass yet"}; still missing ${st.missing ?? "?"} (generation ${st.generation})\n`,
      );
    }
    process.stdout.write(
      `DNS records mailshift manages at finalize (here in the loopback zone):\n${out.dnsRecords.map((r) => `  ${r}`).join("\n")}\n`,
    );
    process.stdout.write(
      `the program's SPF proof (names outside the zone through the resolver):\n${out.spfProof.map((l) => `  ${l}`).join("\n")}\n`,
    );
    const window = cutoverWindow(out.gateState.cutoverAt, out.gateState.migrations);
    process.stdout.write(`${window ? describeCutoverWindow(window) : "no cutover window recorded"} (also on the IT team's page)\n`);
    if (out.warnings.length) process.stdout.write(`warnings:\n${out.warnings.map((w) => `  ${w}`).join("\n")}\n`);
    process.stdout.write(
      `\nThe stack stays in ${s.runDir} while this runs; \`pulumi destroy\` would forget the migrations and leave all mail in place.\n`,
    );
    process.stdout.write(
      `the IT team's page, written by the last pulumi up: ${reportFile}${keep ? "" : " (removed at tear-down; --keep keeps it)"}\n`,
    );
    // the new host holds the old host's mail, what was delivered to it directly and each person's after-finalize notice
    return once === early.length + late.length && c.new === c.old + late.length + s.mailboxes.length && everyoneTold ? 0 : 1;
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
