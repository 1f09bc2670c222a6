// Notices delivered on real servers: APPENDed into each person's INBOX on loopback Dovecots (the old host until
// the switch, the new host after finalize) and sent by SMTP to a backup address through a loopback Exim; read back with imapflow, parsed with
// mailparser. Once per stage however often it runs, and never into someone else's INBOX.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser, type AddressObject, type ParsedMail } from "mailparser";
import { composeNotice } from "../../notices/compose";
import { appendNotice, NoticeDeliveryError } from "../../notices/deliver";
import { noticeMime, NOTICE_HEADER } from "../../notices/mime";
import { NOTICE_STAGES, type NoticePerson, type NoticePlan } from "../../notices/types";
import { Dovecot, ensureDovecot, stopAllDovecots } from "../../harness/dovecot";
import { Exim } from "../../harness/exim";
import { repoRoot } from "../../harness/repoRoot";
import { connect } from "../engine/snapshot";

const one = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a[0] : a)?.value[0];

let counter = 0;

/**
 * Three people with fresh logins on the old host and the new one: one on Exchange with a backup address, two
 * moving to IMAP. Passwords by login.
 */
async function people(old: Dovecot, fresh: Dovecot): Promise<{ plan: NoticePlan; passwords: Map<string, string> }> {
  counter += 1;
  const tag = `${counter}x${process.pid}`;
  const list: NoticePerson[] = [
    {
      source: `alice${tag}@example.com`,
      sourceUser: `alice${tag}@example.com`,
      displayName: "Zoë Ångström <b>&</b>",
      route: "exchange",
      destination: `alice${tag}@example.com`,
      addressChanges: false,
      backupAddress: `alice${tag}@private.example.org`,
    },
    {
      source: `bob${tag}@example.com`,
      sourceUser: `bob${tag}@example.com`,
      displayName: "مريم الحسن",
      route: "imap",
      destination: `bob${tag}@mail2.example.com`,
      addressChanges: true,
    },
    // a login that is not the address, as mailboxes[i].sourceUser allows
    {
      source: `eve${tag}@example.com`,
      sourceUser: `eve${tag}`,
      displayName: 'דוד "Dudu" כהן',
      route: "imap",
      destination: `eve${tag}@mail2.example.com`,
      addressChanges: true,
    },
  ];
  const passwords = new Map<string, string>();
  for (const p of list) {
    passwords.set(p.sourceUser, `pw-${p.sourceUser}`);
    await old.addUser({ user: p.sourceUser, password: `pw-${p.sourceUser}` });
    // one password per login name: an Exchange person's login is the same address on both hosts
    passwords.set(p.destination, `pw-${p.destination}`);
    await fresh.addUser({ user: p.destination, password: `pw-${p.destination}` });
  }
  return {
    passwords,
    plan: {
      domain: "example.com",
      from: { name: "Example IT", address: "it@example.com" },
      contact: { name: "IT help desk", phone: "+1 555 0100", url: "https://status.example.net/mail" },
      windows: { cutover: { start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" } },
      oldAddressForwarded: true,
      newHost: {
        imap: { host: "imap.newhost.net", port: 993, security: "SSL/TLS" },
        smtp: { host: "imap.newhost.net", port: 587, security: "STARTTLS" },
      },
      people: list,
    },
  };
}

async function inbox(server: Dovecot, user: string, password: string): Promise<ParsedMail[]> {
  const c = await connect(server.url(user), password);
  try {
    await c.mailboxOpen("INBOX", { readOnly: true });
    const raws: Buffer[] = [];
    if ((c.mailbox as { exists: number }).exists > 0) for await (const m of c.fetch("1:*", { source: true })) raws.push(m.source!);
    return await Promise.all(raws.map((r) => simpleParser(r)));
  } catch (err) {
    throw new Error(
      `reading the INBOX of ${user} on ${server.url(user)}: ${(err as Error).message} ${(err as { responseText?: string }).responseText ?? ""}`,
    );
  } finally {
    await c.logout();
  }
}

function mailshift(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), "bin", "mailshift.js"), ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("notices delivered to real servers (Dovecot INBOX, Exim SMTP)", function () {
  this.timeout(180_000);
  let old: Dovecot;
  let fresh: Dovecot;
  let exim: Exim | undefined;
  const dirs: string[] = [];
  before(async () => {
    ensureDovecot();
    [old, fresh] = await Promise.all([
      Dovecot.start({ layout: "old", users: [], name: "notices-old", keepDir: false }),
      Dovecot.start({ layout: "new", users: [], name: "notices-new", keepDir: false }),
    ]);
  });
  after(async () => {
    await exim?.stop();
    await stopAllDovecots();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), "notices-"));
    dirs.push(d);
    return d;
  };

  it("APPENDs each stage's notice once into the INBOX each person reads, however often it runs; both parts read back whole", async () => {
    const { plan, passwords } = await people(old, fresh);
    for (let round = 0; round < 2; round++) {
      for (const p of plan.people) {
        for (const stage of NOTICE_STAGES) {
          const n = composeNotice(plan, p, stage);
          const c = await connect((n.appendHost === "old" ? old : fresh).url(n.appendTo), passwords.get(n.appendTo)!);
          try {
            const result = await appendNotice(c, n.appendTo, n, await noticeMime(n, new Date())).catch(
              (err: Error & { responseText?: string }) => {
                throw new Error(
                  `${stage} notice into the INBOX of ${n.appendTo} on the ${n.appendHost} host: ${err.message} ${err.responseText ?? ""}`,
                );
              },
            );
            assert.equal(result, round === 0 ? "delivered" : "already there", `${p.source} ${stage} round ${round + 1}`);
          } finally {
            await c.logout();
          }
        }
      }
    }
    for (const p of plan.people) {
      const onOld = await inbox(old, p.sourceUser, passwords.get(p.sourceUser)!);
      const onNew = await inbox(fresh, p.destination, passwords.get(p.destination)!);
      const stages = (ms: ParsedMail[]) => ms.map((m) => m.headers.get(NOTICE_HEADER.toLowerCase())).sort();
      assert.deepEqual(
        stages(onOld),
        ["at-cutover", "before-cutover"],
        `${p.source}: the old host's INBOX holds each notice before finalize once`,
      );
      assert.deepEqual(stages(onNew), ["after-finalize"], `${p.source}: the new mailbox holds the after-finalize notice once`);
      for (const m of [...onOld, ...onNew]) {
        const stage = m.headers.get(NOTICE_HEADER.toLowerCase()) as (typeof NOTICE_STAGES)[number];
        const n = composeNotice(plan, p, stage);
        assert.equal(one(m.to)?.address, p.source);
        assert.equal(one(m.to)?.name, p.displayName);
        assert.equal(m.messageId, n.messageId);
        assert.equal(m.subject, n.subject);
        assert.equal(m.text, n.text);
        assert.equal((m.html as string).trim(), n.html.trim());
        assert.ok((m.html as string).includes(p.destination));
      }
    }
  });

  it("refuses to APPEND someone's notice into another person's INBOX, and leaves it untouched", async () => {
    const { plan, passwords } = await people(old, fresh);
    const [alice, bob] = plan.people;
    const c = await connect(old.url(bob!.sourceUser), passwords.get(bob!.sourceUser)!);
    try {
      const n = composeNotice(plan, alice!, "at-cutover");
      await assert.rejects(
        appendNotice(c, bob!.sourceUser, n, await noticeMime(n, new Date())),
        (e: Error) =>
          e instanceof NoticeDeliveryError &&
          e.message.includes(`INBOX of ${alice!.sourceUser} on the old host, not of ${bob!.sourceUser}`),
      );
    } finally {
      await c.logout();
    }
    assert.equal((await inbox(old, bob!.sourceUser, passwords.get(bob!.sourceUser)!)).length, 0);
  });

  it("mailshift notices writes .eml files for review, then --send delivers to INBOXes and the backup address once, twice run", async () => {
    exim = await Exim.start();
    const { plan, passwords } = await people(old, fresh);
    const dir = tmp();
    const outputs = path.join(dir, "outputs.json");
    writeFileSync(outputs, JSON.stringify({ stage: "cutover", notices: plan, graphClientSecret: "SECRET-never-in-a-notice" }));
    const list = path.join(dir, "mailboxes.json");
    writeFileSync(
      list,
      JSON.stringify({
        mailboxes: plan.people.map((p) => ({
          from: old.url(p.sourceUser),
          fromPassword: passwords.get(p.sourceUser),
          to: fresh.url(p.destination),
          toPassword: passwords.get(p.destination),
        })),
      }),
    );
    chmodSync(list, 0o600);

    const review = path.join(dir, "review");
    const w = mailshift(["notices", "--stack-outputs", outputs, "--out", review]);
    assert.equal(w.code, 0, w.stderr);
    const files = readdirSync(review).sort();
    assert.deepEqual(files, plan.people.map((p) => `${p.source}.at-cutover.eml`).sort());
    for (const p of plan.people) {
      const m = await simpleParser(readFileSync(path.join(review, `${p.source}.at-cutover.eml`)));
      assert.equal(one(m.to)?.name, p.displayName);
      assert.ok(m.text?.includes("Your email has moved"));
      assert.ok(!m.text?.includes("SECRET"));
    }
    const all = path.join(dir, "all");
    const wa = mailshift(["notices", "--stack-outputs", outputs, "--out", all, "--notice", "all"]);
    assert.equal(wa.code, 0, wa.stderr);
    assert.deepEqual(readdirSync(all).sort(), plan.people.flatMap((p) => NOTICE_STAGES.map((st) => `${p.source}.${st}.eml`)).sort());
    for (const p of plan.people)
      assert.equal((await inbox(old, p.sourceUser, passwords.get(p.sourceUser)!)).length, 0, "writing for review sends nothing");

    const sent = path.join(dir, "sent.json");
    const send = () =>
      mailshift([
        "notices",
        "--stack-outputs",
        outputs,
        "--send",
        "--mailboxes",
        list,
        "--smtp",
        `smtp://${exim!.host}:${exim!.port}`,
        "--sent",
        sent,
      ]);
    const first = send();
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const p of plan.people)
      assert.match(first.stdout, new RegExp(`${p.source} at-cutover: INBOX of ${p.sourceUser} on the old host delivered`));
    assert.match(first.stdout, new RegExp(`backup ${plan.people[0]!.backupAddress} sent`));
    const second = send();
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const p of plan.people)
      assert.match(second.stdout, new RegExp(`${p.source} at-cutover: INBOX of ${p.sourceUser} on the old host already there`));
    assert.match(second.stdout, new RegExp(`backup ${plan.people[0]!.backupAddress} already sent`));

    for (const p of plan.people) {
      const got = await inbox(old, p.sourceUser, passwords.get(p.sourceUser)!);
      assert.equal(got.length, 1, `${p.source}: one at-cutover notice`);
      assert.equal(one(got[0]!.to)?.address, p.source);
    }
    const backups = await exim.waitForDeliveries(1);
    await new Promise((r) => setTimeout(r, 300)); // a second delivery, if any, would be in by now
    assert.equal(exim.delivered().length, 1, "the backup copy goes out once");
    const b = await simpleParser(backups[0]!);
    assert.equal(b.headers.get("envelope-to"), plan.people[0]!.backupAddress);
    assert.equal(one(b.to)?.name, plan.people[0]!.displayName);
    assert.equal(b.messageId, composeNotice(plan, plan.people[0]!, "at-cutover").messageId);
    assert.ok((b.html as string).includes("Zoë Ångström &lt;b&gt;&amp;&lt;/b&gt;"));
  });

  it("--send after finalize delivers into the new mailboxes, says which person has no login in the list, and exits 1", async () => {
    const { plan, passwords } = await people(old, fresh);
    const dir = tmp();
    const outputs = path.join(dir, "outputs.json");
    writeFileSync(outputs, JSON.stringify({ stage: "finalize", notices: plan }));
    const list = path.join(dir, "mailboxes.json");
    const known = plan.people.slice(1);
    writeFileSync(
      list,
      JSON.stringify({
        mailboxes: known.map((p) => ({
          from: old.url(p.sourceUser),
          fromPassword: passwords.get(p.sourceUser),
          to: fresh.url(p.destination),
          toPassword: passwords.get(p.destination),
        })),
      }),
    );
    chmodSync(list, 0o600);
    const r = mailshift(["notices", "--stack-outputs", outputs, "--send", "--mailboxes", list, "--sent", path.join(dir, "sent.json")]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `${plan.people[0]!.source} after-finalize: INBOX not delivered: .*no entry whose "to" logs in as ${plan.people[0]!.destination}`,
      ),
    );
    assert.match(r.stdout, new RegExp(`backup ${plan.people[0]!.backupAddress} not sent: give --smtp`));
    for (const p of known) {
      assert.match(r.stdout, new RegExp(`${p.source} after-finalize: INBOX of ${p.destination} on the new host delivered`));
      assert.equal((await inbox(fresh, p.destination, passwords.get(p.destination)!)).length, 1);
      assert.equal((await inbox(old, p.sourceUser, passwords.get(p.sourceUser)!)).length, 0, "nothing for after finalize on the old host");
    }
  });
});
