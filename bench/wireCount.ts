// What a resync costs on the wire, which unlike wall time on a shared machine does not drift: the cutover pass
// (one mailbox of generated mail, then rounds of 1% new mail, each copied with the previous pass's watermarks)
// through a counting proxy on each side. Per pass and side: logins (connections), commands, the client's socket
// writes (one 'data' event at the proxy each, near enough on loopback) and round trips (times the client spoke
// again after the server had answered), and the engine's own time.
// `--stateless`: each delta pass without the previous pass's watermarks (every folder listed on both sides).
//   node dist/bench/wireCount.js [--messages 2500] [--rounds 5] [--stateless]
import fs from "node:fs";
import inspector from "node:inspector";
import net from "node:net";
import { Dovecot, ensureDovecot, stopAllDovecots, type MailUser } from "../harness/dovecot";
import { syncMailbox } from "../engine";
import type { Endpoint } from "../engine/endpoint";
import type { Watermarks } from "../engine/watermarks";
import { planMessage } from "./generateCorpus";
import { addMessages, loadMailboxes } from "./maildirLoad";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Counts {
  connections: number;
  commands: number;
  writes: number;
  roundTrips: number;
}

/** A loopback TCP proxy that counts; commands are the client's lines that begin with a tag (literal bytes aside). */
async function countingProxy(target: { host: string; port: number }, label: string) {
  const counts: Counts = { connections: 0, commands: 0, writes: 0, roundTrips: 0 };
  // MAILSHIFT_WIRE_LOG=1: every command line on stderr, with its connection and whether it began a round trip.
  const log = process.env.MAILSHIFT_WIRE_LOG === "1";
  let ids = 0;
  const server = net.createServer((client) => {
    counts.connections += 1;
    const id = ++ids;
    const up = net.connect(target);
    let serverSpoke = true;
    let literalLeft = 0;
    let partial = "";
    client.on("data", (d: Buffer) => {
      counts.writes += 1;
      const turn = serverSpoke;
      if (serverSpoke) counts.roundTrips += 1;
      serverSpoke = false;
      // Command lines, skipping literal bytes announced with {n}, {n+} or {n-}.
      let pos = 0;
      while (pos < d.length) {
        if (literalLeft > 0) {
          const n = Math.min(literalLeft, d.length - pos);
          literalLeft -= n;
          pos += n;
          continue;
        }
        const lf = d.indexOf(0x0a, pos);
        if (lf < 0) {
          partial += d.toString("latin1", pos);
          break;
        }
        const line = partial + d.toString("latin1", pos, lf);
        partial = "";
        pos = lf + 1;
        if (/^[A-Za-z0-9.]+ [A-Za-z]/.test(line) && !line.startsWith("+")) {
          counts.commands += 1;
          if (log) process.stderr.write(`${label}${id} ${turn ? "*" : " "} ${line.slice(0, 110)}\n`);
        }
        const lit = /\{(\d+)[+-]?\}\r?$/.exec(line);
        if (lit) literalLeft = Number(lit[1]);
      }
      up.write(d);
    });
    up.on("data", (d: Buffer) => {
      serverSpoke = true;
      client.write(d);
    });
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("error", end);
    up.on("error", end);
    client.on("close", end);
    up.on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    take(): Counts {
      const c = { ...counts };
      Object.assign(counts, { connections: 0, commands: 0, writes: 0, roundTrips: 0 });
      return c;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function main(): Promise<void> {
  ensureDovecot();
  const messages = Number(arg("--messages") ?? 2500);
  const rounds = Number(arg("--rounds") ?? 5);
  const stateless = process.argv.includes("--stateless");
  const seed = 7;
  const rate = 0.02;
  const src: MailUser = { user: "src0", password: "src0-pw" };
  const dst: MailUser = { user: "dst0", password: "dst0-pw" };
  const old = await Dovecot.start({ layout: "old", users: [src], name: "wire-old", keepDir: false });
  const fresh = await Dovecot.start({ layout: "new", users: [dst], name: "wire-new", keepDir: false });
  const [ps, pd] = await Promise.all([countingProxy(old, "S"), countingProxy(fresh, "D")]);
  try {
    await loadMailboxes(old, [src.user], { seed, mailboxes: 1, messagesPerMailbox: messages, attachmentRate: rate }, 1);
    const from: Endpoint = { host: "127.0.0.1", port: ps.port, tls: "starttls", user: src.user, password: src.password };
    const to: Endpoint = { host: "127.0.0.1", port: pd.port, tls: "starttls", user: dst.user, password: dst.password };
    let watermarks: Watermarks | undefined;
    const pass = async () => {
      const s = await syncMailbox(from, to, { watermarks: stateless ? undefined : watermarks, lanes: 1 });
      watermarks = s.watermarks;
      return s;
    };
    await pass();
    await pass();
    ps.take();
    pd.take();
    // MAILSHIFT_WIRE_PROFILE=FILE: a CPU profile of the delta passes only (not the copy before them).
    const profile = process.env.MAILSHIFT_WIRE_PROFILE;
    const session = profile ? new inspector.Session() : undefined;
    const post = (method: string) =>
      new Promise<unknown>((resolve, reject) => session?.post(method, (err, r) => (err ? reject(err) : resolve(r))));
    if (session) {
      session.connect();
      await post("Profiler.enable");
      await post("Profiler.start");
    }
    const delta = Math.max(1, Math.round(messages / 100));
    const rows: string[] = [];
    for (let k = 1; k <= rounds; k++) {
      const plans = Array.from({ length: delta }, (_, j) => planMessage(seed + 100 + k, 0, messages + k * delta + j, rate));
      await addMessages(old, src.user, plans, `w${k}`);
      const t = process.hrtime.bigint();
      const s = await pass();
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (s.totals.copied !== delta)
        throw new Error(`round ${k}: copied ${s.totals.copied}, expected ${delta}: ${JSON.stringify(s).slice(0, 3000)}`);
      const a = ps.take();
      const b = pd.take();
      const side = (c: Counts) => `${c.connections} / ${c.commands} / ${c.writes} / ${c.roundTrips}`;
      rows.push(`| ${k} | ${ms.toFixed(0)} | ${side(a)} | ${side(b)} |`);
    }
    if (session && profile) {
      const { profile: cpu } = (await post("Profiler.stop")) as { profile: unknown };
      fs.writeFileSync(profile, JSON.stringify(cpu));
      session.disconnect();
    }
    process.stdout.write(
      `1 x ${messages}, 1% delta (${delta} new) ${stateless ? "without" : "with"} watermarks, engine in-process:\n\n` +
        "| round | engine ms | source: logins / commands / writes / round trips | destination: the same |\n| ---: | ---: | ---: | ---: |\n" +
        `${rows.join("\n")}\n`,
    );
  } finally {
    await Promise.all([ps.close(), pd.close()]);
    await stopAllDovecots();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
