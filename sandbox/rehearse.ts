// The local rehearsal (the README's main job) until the Pulumi sandbox stack exists: two Dovecot servers on
// loopback, the old one loaded with real mail, and the same `mailshift` commands a team runs for real.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { Dovecot, ensureDovecot, stopAllDovecots } from "../test/harness/dovecot";
import { appendAll, readCorpus } from "../test/harness/corpus";
import { repoRoot } from "../test/harness/repoRoot";

function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

function mailshift(args: string[], env: Record<string, string>): number {
  process.stdout.write(`$ npx mailshift ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [path.join(repoRoot(), "bin", "mailshift.js"), ...args], {
    env: { ...process.env, ...env },
    stdio: "inherit",
  });
  return r.status ?? 1;
}

async function main(): Promise<number> {
  step("set-up: two IMAP servers on loopback (the old host and the new host)");
  ensureDovecot();
  const user = { user: "alice", password: "sandbox-old-password" };
  const old = await Dovecot.start({ layout: "old", users: [user], name: "sandbox-old", keepDir: false });
  const fresh = await Dovecot.start({ layout: "new", users: [{ user: "alice", password: "sandbox-new-password" }], name: "sandbox-new", keepDir: false });
  try {
    const from = old.url("alice");
    const to = fresh.url("alice");
    const env = { MAILSHIFT_FROM_PASSWORD: "sandbox-old-password", MAILSHIFT_TO_PASSWORD: "sandbox-new-password" };
    process.stdout.write(`old host ${from} (folders like INBOX.Sent), new host ${to} (folders like "Sent Items")\n`);

    step("load real mail from ../shared/corpus into the old host");
    const ham = readCorpus("easy_ham", 600);
    await appendAll(from, user.password, "INBOX", ham.slice(0, 500));
    await appendAll(from, user.password, "INBOX.Sent", ham.slice(500, 580).map((m) => ({ ...m, flags: ["\\Seen"] })));
    await appendAll(from, user.password, "INBOX.Junk", readCorpus("spam", 150));
    await appendAll(from, user.password, "INBOX.Lists.notmuch", readCorpus("notmuch"));

    step("audit the old mailbox: what the new quota must hold");
    mailshift(["audit", "--from", from], env);

    step("copy everything");
    let code = mailshift(["sync", "--from", from, "--to", to], env);

    step("run it again: nothing to copy");
    code = mailshift(["sync", "--from", from, "--to", to], env) || code;

    step("new mail arrives on the old host");
    await appendAll(from, user.password, "INBOX", ham.slice(580, 600));
    process.stdout.write("20 new messages delivered to INBOX\n");

    step("delta pass: only the new mail is copied");
    code = mailshift(["sync", "--from", from, "--to", to], env) || code;

    step("independent verification: every message's bytes compared");
    code = mailshift(["verify", "--from", from, "--to", to], env) || code;
    return code;
  } finally {
    await stopAllDovecots();
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
