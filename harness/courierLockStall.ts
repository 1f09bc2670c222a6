// Reproduces Courier's 120 s APPEND stall without the engine (see SERVERS.md, "The stall"): a Courier with its mail
// on tmpfs, several imapflow connections APPENDing corpus spam into one folder. When an APPEND has had no answer
// for `--after` seconds it prints what each imapd is blocked in and which folder locks exist at that moment.
//
//   node dist/harness/courierLockStall.js [--runs 10] [--connections 6] [--after 15] [--dir /dev/shm] [--no-locks]
//
// Runs as root (like the Courier harness). Prints one line per run and the state seen at the first stall.
import fs from "node:fs";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { readCorpus } from "./corpus";
import { Courier } from "./courier";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** What each of the server's imapd processes waits in, and the folder locks present. */
export function imapdState(c: Courier): string {
  const lines: string[] = [];
  for (const pid of c.processes()) {
    let comm = "";
    try {
      comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (comm !== "imapd") continue;
    const read = (f: string) => {
      try {
        return fs.readFileSync(`/proc/${pid}/${f}`, "utf8").trim();
      } catch {
        return "?";
      }
    };
    const link = (fd: number) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "-";
      }
    };
    // syscall 270 is pselect6; its first argument is nfds: 1 = waiting for the client (fd 0), 5 = for the FAM socket (fd 4)
    const [nr, nfds] = read("syscall").split(" ");
    const what =
      nr === "270"
        ? nfds === "0x1"
          ? "waiting for the client"
          : nfds === "0x5"
            ? "waiting for a FAM event (fd 4)"
            : `pselect6 nfds=${nfds}`
        : `syscall ${nr}`;
    lines.push(`  imapd ${pid}: ${what}; fd 4 = ${link(4)}`);
  }
  const maildirs = path.join(c.dir, "mail");
  const locks: string[] = [];
  for (const user of fs.readdirSync(maildirs)) {
    const md = path.join(maildirs, user, "Maildir");
    for (const f of fs.readdirSync(md).filter((n) => n.startsWith("."))) {
      const lock = path.join(md, f, "tmp", "courier.lock");
      if (fs.existsSync(lock)) locks.push(`${lock} (${fs.readFileSync(lock, "utf8").trim()})`);
    }
  }
  lines.push(`  folder locks present: ${locks.length === 0 ? "none" : locks.join(", ")}`);
  return lines.join("\n");
}

async function run(
  c: Courier,
  folder: string,
  connections: number,
  afterS: number,
): Promise<{ ms: number; stalled: number; state?: string }> {
  const msgs = readCorpus("spam", 500).map((m) => m.raw);
  const clients: ImapFlow[] = [];
  for (let i = 0; i < connections; i++) {
    const f = new ImapFlow({
      host: c.host,
      port: c.port,
      secure: false,
      auth: { user: "stall", pass: "stall-pw" },
      logger: false,
      disableAutoIdle: true,
    });
    f.on("error", () => undefined);
    await f.connect();
    clients.push(f);
  }
  await clients[0].mailboxCreate(folder);
  let next = 0;
  let stalled = 0;
  let state: string | undefined;
  const t0 = Date.now();
  await Promise.all(
    clients.map(async (f) => {
      while (next < msgs.length) {
        const m = msgs[next++];
        const timer = setTimeout(() => {
          stalled += 1;
          state ??= imapdState(c);
        }, afterS * 1000);
        await f.append(folder, m, [], new Date("2002-08-01T00:00:00Z"));
        clearTimeout(timer);
      }
    }),
  );
  for (const f of clients) await f.logout().catch(() => f.close());
  return { ms: Date.now() - t0, stalled, state };
}

async function main(): Promise<void> {
  const runs = Number(arg("runs", "10"));
  const connections = Number(arg("connections", "6"));
  const afterS = Number(arg("after", "15"));
  process.env.TMPDIR = arg("dir", "/dev/shm");
  const env: Record<string, string> = process.argv.includes("--no-locks") ? { IMAP_USELOCKS: "0" } : {};
  const c = await Courier.start({ name: "lock-stall", users: [{ user: "stall", password: "stall-pw" }], keepDir: false, env });
  try {
    console.log(`Courier on ${c.dir}, IMAP_USELOCKS=${env.IMAP_USELOCKS ?? "1"}, ${connections} connections, 500 spam messages per run`);
    let shown = false;
    for (let i = 1; i <= runs; i++) {
      const r = await run(c, `INBOX.run${i}`, connections, afterS);
      console.log(`run ${i}: ${r.ms} ms, ${r.stalled} APPENDs without an answer for ${afterS} s`);
      if (r.state && !shown) {
        console.log(`state at the first stall:\n${r.state}`);
        shown = true;
      }
    }
  } finally {
    await c.stop();
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
