// The Dovecot test harness itself, checked the way a user of an IMAP client would check a mail host:
// the folders and separators each layout shows, quotas and size limits the server enforces, users and quotas
// changed on a running server, restart and stop, and real corpus mail loaded with its flags and dates.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import fc from "fast-check";
import { ImapFlow } from "imapflow";
import { appendAll, corpusDir, FALLBACK_DATE, internalDateOf, maildirFlags, readCorpus, type RawMessage } from "../../harness/corpus";
import { Dovecot, dovecotConfig, ensureDovecot, passwdLine, stopAllDovecots, validateUser } from "../../harness/dovecot";
import * as gen from "../../harness/generate";

async function login(d: Dovecot, user: string, password: string): Promise<ImapFlow> {
  const c = new ImapFlow({ host: d.host, port: d.port, secure: false, auth: { user, pass: password }, logger: false });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

async function withLogin<T>(d: Dovecot, user: string, password: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await login(d, user, password);
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/** A message of exactly `size` bytes, CRLF line endings (so its IMAP size is its byte length). */
function messageOfSize(size: number, tag: string): Buffer {
  const head = `Subject: ${tag}\r\nMessage-ID: <${tag}@harness.test>\r\n\r\n`;
  return Buffer.from(head + "x".repeat(size - head.length), "latin1");
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const normalized = (b: Buffer) => b.toString("latin1").replace(/\r?\n/g, "\r\n");

describe("Dovecot test harness (real Dovecot on loopback)", function () {
  this.timeout(30_000);
  const MAX = 64 * 1024;
  let old: Dovecot;
  let fresh: Dovecot;
  before(async () => {
    ensureDovecot();
    [old, fresh] = await Promise.all([
      Dovecot.start({
        layout: "old",
        name: "harness-old",
        users: [{ user: "alice", password: "alice-old-pw", quotaBytes: 512 * 1024 }],
        keepDir: false,
      }),
      Dovecot.start({
        layout: "new",
        name: "harness-new",
        users: [{ user: "alice", password: "alice-new-pw" }],
        maxMessageBytes: MAX,
        keepDir: false,
      }),
    ]);
  });
  after(async () => {
    await stopAllDovecots();
  });

  it("old layout: INBOX. prefix, '.' separator, Sent/Drafts/Trash/Junk/Archive present at login with their special-use", async () => {
    await withLogin(old, "alice", "alice-old-pw", async (c) => {
      assert.deepEqual(c.namespace, { prefix: "INBOX.", delimiter: "." });
      const roles = new Map((await c.list()).map((f) => [f.path, f.specialUse]));
      assert.deepEqual(Object.fromEntries([...roles].sort()), {
        INBOX: "\\Inbox",
        "INBOX.Archive": "\\Archive",
        "INBOX.Drafts": "\\Drafts",
        "INBOX.Junk": "\\Junk",
        "INBOX.Sent": "\\Sent",
        "INBOX.Trash": "\\Trash",
      });
      const subscribed = (await c.list({ statusQuery: {} })).filter((f) => f.subscribed).map((f) => f.path);
      for (const f of ["INBOX.Sent", "INBOX.Drafts", "INBOX.Trash", "INBOX.Junk", "INBOX.Archive"])
        assert.ok(subscribed.includes(f), `${f} subscribed`);
    });
  });

  it("new layout: no prefix, '/' separator, Exchange's folder names with their special-use", async () => {
    await withLogin(fresh, "alice", "alice-new-pw", async (c) => {
      assert.deepEqual(c.namespace, { prefix: "", delimiter: "/" });
      const roles = new Map((await c.list()).map((f) => [f.path, f.specialUse]));
      assert.deepEqual(Object.fromEntries([...roles].sort()), {
        Archive: "\\Archive",
        "Deleted Items": "\\Trash",
        Drafts: "\\Drafts",
        INBOX: "\\Inbox",
        "Junk Email": "\\Junk",
        "Sent Items": "\\Sent",
      });
      // Exchange allows "." inside a folder name; so must the new host
      await c.mailboxCreate("Projects/v1.2 notes");
      assert.ok((await c.list()).some((f) => f.path === "Projects/v1.2 notes"));
    });
  });

  it("both layouts: UIDPLUS, LITERAL+, SPECIAL-USE, QUOTA, and keywords storable (PERMANENTFLAGS \\*)", async () => {
    for (const [d, pw] of [
      [old, "alice-old-pw"],
      [fresh, "alice-new-pw"],
    ] as const) {
      await withLogin(d, "alice", pw, async (c) => {
        for (const cap of ["UIDPLUS", "LITERAL+", "SPECIAL-USE", "QUOTA"]) assert.ok(c.capabilities.has(cap), `${d.layout}: ${cap}`);
        const appended = (await c.append("INBOX", messageOfSize(300, `kw-${d.layout}`), ["\\Seen", "$Label1", "Project-X"])) || undefined;
        assert.ok(appended?.uid);
        const box = await c.mailboxOpen("INBOX");
        assert.ok(box.permanentFlags?.has("\\*"), `${d.layout}: PERMANENTFLAGS has \\*`);
        const msg = await c.fetchOne(String(appended.uid), { flags: true }, { uid: true });
        assert.ok(msg);
        // \Recent is the server's own session flag, never stored
        assert.deepEqual([...(msg.flags ?? [])].filter((f) => f !== "\\Recent").sort(), ["$Label1", "Project-X", "\\Seen"]);
      });
    }
  });

  it("GETQUOTAROOT shows the configured quota, and the server refuses an APPEND that would exceed it", async () => {
    await old.addUser({ user: "quota", password: "quota-pw", quotaBytes: 20 * 1024 });
    await withLogin(old, "quota", "quota-pw", async (c) => {
      const q = await c.getQuota("INBOX");
      assert.ok(q, "GETQUOTAROOT answered");
      assert.equal(q.storage?.limit, 20 * 1024);
      assert.equal(q.storage?.usage, 0);
      await c.append("INBOX", messageOfSize(15 * 1024, "q1"));
      await assert.rejects(c.append("INBOX", messageOfSize(6 * 1024, "q2")), (e: Error & { serverResponseCode?: string }) => {
        assert.equal(e.serverResponseCode, "OVERQUOTA");
        return true;
      });
      const after = await c.getQuota("INBOX");
      const used = after ? (after.storage?.usage ?? 0) : 0;
      assert.ok(used >= 15 * 1024 && used < 16 * 1024, `usage ${used} after one 15 KiB message`);
    });
  });

  it(`refuses an APPEND over maxMessageBytes (${MAX} bytes) and accepts one of exactly that size`, async () => {
    await withLogin(fresh, "alice", "alice-new-pw", async (c) => {
      assert.ok(await c.append("INBOX", messageOfSize(MAX, "at-limit")));
      await assert.rejects(
        c.append("INBOX", messageOfSize(MAX + 1, "over-limit")),
        (e: Error & { serverResponseCode?: string; responseText?: string }) => {
          assert.equal(e.serverResponseCode, "LIMIT");
          assert.match(e.responseText ?? "", /larger than the maximum size/);
          return true;
        },
      );
    });
  });

  it("addUser and setQuota take effect on the running server, for the next login", async () => {
    await assert.rejects(login(fresh, "bob", "bob-pw"), /Command failed|Authentication/i, "bob does not exist yet");
    await fresh.addUser({ user: "bob", password: "bob-pw" });
    const limit = () => withLogin(fresh, "bob", "bob-pw", async (c) => ((await c.getQuota("INBOX")) || undefined)?.storage?.limit);
    assert.equal(await limit(), undefined, "no quota");
    await fresh.setQuota("bob", 100 * 1024);
    assert.equal(await limit(), 100 * 1024);
    await fresh.setQuota("bob", 200 * 1024);
    assert.equal(await limit(), 200 * 1024);
    await fresh.setQuota("bob", undefined);
    assert.equal(await limit(), undefined, "quota removed");
    await assert.rejects(fresh.setQuota("nobody", 1024), /no user "nobody"/);
  });

  it("appendAll loads 50 corpus messages with their bytes, flags and INTERNALDATE; the mbox envelope line is gone", async () => {
    const flagSets = [["\\Seen"], [], ["\\Seen", "\\Flagged"], ["\\Answered", "\\Seen"], ["$Label1"]];
    const msgs: RawMessage[] = [...readCorpus("easy_ham", 20), ...readCorpus("spam", 15), ...readCorpus("notmuch", 15)].map((m, i) => ({
      ...m,
      flags: [...(m.flags ?? []), ...flagSets[i % flagSets.length]],
    }));
    assert.equal(msgs.length, 50);
    await old.addUser({ user: "loader", password: "loader-pw" });
    await appendAll(old.url("loader"), "loader-pw", "INBOX.Lists.Corpus", msgs);

    const got = await withLogin(old, "loader", "loader-pw", async (c) => {
      await c.mailboxOpen("INBOX.Lists.Corpus", { readOnly: true });
      const out: { flags: string[]; date: number; raw: Buffer }[] = [];
      for await (const m of c.fetch("1:*", { flags: true, internalDate: true, source: true })) {
        out.push({
          flags: [...(m.flags ?? [])].filter((f) => f !== "\\Recent").sort(),
          date: new Date(m.internalDate ?? 0).getTime(),
          raw: m.source ?? Buffer.alloc(0),
        });
      }
      return out;
    });
    assert.equal(got.length, 50);
    got.forEach((g, i) => {
      const want = msgs[i];
      assert.deepEqual(g.flags, [...(want.flags ?? [])].sort(), `${want.origin}: flags`);
      assert.equal(g.date, want.internalDate?.getTime(), `${want.origin}: INTERNALDATE`);
      assert.equal(normalized(g.raw), normalized(want.raw), `${want.origin}: bytes`);
      assert.ok(!g.raw.subarray(0, 5).equals(Buffer.from("From ")), `${want.origin}: no mbox envelope line`);
    });
    // the first easy_ham file does start with an envelope line on disk: stripping it is what made them equal
    const hamDir = path.join(corpusDir(), "easy_ham");
    assert.match(fs.readFileSync(path.join(hamDir, fs.readdirSync(hamDir).sort()[0]), "latin1"), /^From /);
  });

  it("restart keeps the mail and the port; stop closes the port (refused afterwards) and is idempotent", async () => {
    const d = await Dovecot.start({
      layout: "new",
      name: "harness-restart",
      users: [{ user: "carol", password: "carol-pw" }],
      keepDir: false,
    });
    await appendAll(d.url("carol"), "carol-pw", "Sent Items", gen.many(5, 1));
    const port = d.port;
    await d.restart();
    assert.equal(d.port, port);
    const count = await withLogin(d, "carol", "carol-pw", async (c) => (await c.status("Sent Items", { messages: true })) || undefined);
    assert.equal(count?.messages, 5);
    await d.stop();
    assert.equal(await connectionRefused(port), true, "connection refused after stop");
    await d.stop();
  });

  it("leaves nothing running when the test process exits without stopping, or is killed with SIGKILL", async () => {
    const harness = path.join(__dirname, "..", "..", "harness", "dovecot.js");
    const script = (hang: boolean) =>
      `const { Dovecot } = require(${JSON.stringify(harness)});
       Dovecot.start({ layout: "old", name: "harness-orphan", users: [], keepDir: false }).then((d) => {
         process.stdout.write(d.port + "\\n");
         ${hang ? "setInterval(() => undefined, 1000);" : ""}
       });`;
    const run = (hang: boolean) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ["-e", script(hang)], { stdio: ["ignore", "pipe", "inherit"] });
        child.stdout.once("data", (d: Buffer) => {
          const port = Number(d.toString().trim());
          if (hang) child.kill("SIGKILL");
          resolve(port);
        });
        child.on("error", reject);
      });
    const [exitedPort, killedPort] = await Promise.all([run(false), run(true)]);
    assert.ok(await until(() => connectionRefused(exitedPort), 5_000), "server of an exited process is gone");
    assert.ok(await until(() => connectionRefused(killedPort), 5_000), "server of a SIGKILLed process is gone");
  });

  it("a script that stops a server slow to stop goes on afterwards (the stop holds the event loop open) and removes its folder", async function () {
    this.timeout(60_000);
    const harness = path.join(__dirname, "..", "..", "harness", "dovecot.js");
    // SIGSTOP makes the master ignore SIGTERM until the harness gives up after 5 s and sends SIGKILL.
    const script = `const { Dovecot } = require(${JSON.stringify(harness)});
      const { execFileSync } = require("node:child_process");
      Dovecot.start({ layout: "old", name: "harness-slow-stop", users: [], keepDir: false }).then(async (d) => {
        const master = execFileSync("pgrep", ["-o", "-f", d.confPath], { encoding: "utf8" }).trim();
        process.kill(Number(master), "SIGSTOP");
        await d.stop();
        process.stdout.write(JSON.stringify({ after: true, dir: d.dir }) + "\\n");
      });`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.on("error", reject);
      child.on("exit", () => resolve(text));
    });
    assert.ok(out.includes('"after":true'), `the script ended inside stop(), before the line after it: ${JSON.stringify(out)}`);
    const { dir } = JSON.parse(out) as { dir: string };
    assert.equal(fs.existsSync(dir), false, "the server's folder is removed");
  });
});

describe("Dovecot test harness: building blocks (no server)", () => {
  it("the config listens on 127.0.0.1 only, IMAP without TLS, never reads /etc/dovecot, and limits what it was asked to", () => {
    const identity = { uid: 102, gid: 105, loginUser: "dovenull", internalUser: "dovecot", internalGroup: "dovecot", asRoot: true };
    for (const layout of ["old", "new"] as const) {
      const conf = dovecotConfig({ layout, dir: "/tmp/x", port: 1143, instanceName: "t", identity, maxMessageBytes: 4096, fsync: false });
      const settings = conf
        .split("\n")
        .filter((l) => !l.trimStart().startsWith("#"))
        .join("\n");
      assert.doesNotMatch(settings, /\/etc\/dovecot|!include/);
      assert.match(conf, /^listen = 127\.0\.0\.1$/m);
      assert.match(conf, /^protocols = imap$/m);
      assert.match(conf, /^ssl = no$/m);
      assert.match(conf, /inet_listener imap \{\n\s+address = 127\.0\.0\.1\n\s+port = 1143/);
      assert.match(conf, /inet_listener imaps \{\n\s+port = 0/);
      assert.match(conf, /quota_max_mail_size = 4096B/);
      assert.match(conf, /mail_max_userip_connections = 200/);
      assert.match(conf, /^mail_fsync = never$/m);
    }
    const noLimit = dovecotConfig({ layout: "new", dir: "/tmp/x", port: 1, instanceName: "t", identity, fsync: true });
    assert.doesNotMatch(noLimit, /quota_max_mail_size/);
    assert.match(noLimit, /^mail_fsync = optimized$/m);
  });

  it("passwd-file lines carry the quota in bytes, and users or passwords that would break the file are refused", () => {
    const id = { uid: 7, gid: 8, loginUser: "l", internalUser: "i", internalGroup: "g", asRoot: false };
    assert.equal(
      passwdLine({ user: "Alice", password: "p w", quotaBytes: 1000 }, id, "/h/alice"),
      "alice:{PLAIN}p w:7:8::/h/alice::userdb_quota_rule=*:storage=1000B",
    );
    assert.equal(passwdLine({ user: "bob", password: "x" }, id, "/h/bob"), "bob:{PLAIN}x:7:8::/h/bob::");
    assert.throws(() => validateUser({ user: "../etc", password: "x" }), /letters, digits/);
    assert.throws(() => validateUser({ user: "a b", password: "x" }), /letters, digits/);
    assert.throws(() => validateUser({ user: "ok", password: "has:colon" }), /without ':'/);
    assert.throws(() => validateUser({ user: "ok", password: "x", quotaBytes: 0 }), /positive whole number/);
  });

  it("generators are deterministic per seed and different across seeds, with CRLF line endings only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (a, b) => {
        const one = [gen.withoutMessageId(a), ...gen.sharedMessageId(2, a), gen.withAttachment(4096, a), ...gen.many(3, a)];
        const again = [gen.withoutMessageId(a), ...gen.sharedMessageId(2, a), gen.withAttachment(4096, a), ...gen.many(3, a)];
        assert.deepEqual(
          one.map((m) => m.raw),
          again.map((m) => m.raw),
        );
        for (const m of one) assert.doesNotMatch(m.raw.toString("latin1"), /[^\r]\n/, m.origin);
        if (a !== b) assert.notDeepEqual(gen.withoutMessageId(a).raw, gen.withoutMessageId(b).raw);
      }),
      { numRuns: 25 },
    );
  });

  it("generators make what the corpus lacks: no Message-ID, one Message-ID on different messages, sized attachments, many distinct messages", () => {
    assert.doesNotMatch(gen.withoutMessageId(1).raw.toString(), /^Message-ID:/im);
    const shared = gen.sharedMessageId(4, 11);
    assert.equal(new Set(shared.map((m) => /^Message-ID: (.*)$/im.exec(m.raw.toString())?.[1])).size, 1);
    assert.equal(new Set(shared.map((m) => m.raw.toString())).size, 4);
    fc.assert(
      fc.property(fc.integer({ min: 2_000, max: 300_000 }), fc.nat(1000), (bytes, seed) => {
        const len = gen.withAttachment(bytes, seed).raw.length;
        assert.ok(Math.abs(len - bytes) <= 78, `withAttachment(${bytes}) is ${len} bytes`);
      }),
      { numRuns: 20 },
    );
    const msgs = gen.many(2000, 3);
    assert.equal(new Set(msgs.map((m) => /^Message-ID: (.*)$/im.exec(m.raw.toString())?.[1])).size, 2000);
    assert.ok(
      msgs.every((m) => m.internalDate && m.internalDate.getTime() % 1000 === 0),
      "INTERNALDATE in whole seconds",
    );
    for (const name of gen.nonAsciiFolderNames()) assert.ok(/[^\x00-\x7f]/.test(name) && !name.includes("."), name);
  });

  it("readCorpus: every file in sorted order, the mbox envelope line stripped and nothing else changed", () => {
    const dir = corpusDir();
    for (const kind of ["easy_ham", "spam"] as const) {
      const files = fs.readdirSync(path.join(dir, kind)).sort();
      const msgs = readCorpus(kind);
      assert.equal(msgs.length, files.length);
      msgs.forEach((m, i) => {
        assert.equal(m.origin, `${kind}/${files[i]}`);
        const disk = fs.readFileSync(path.join(dir, kind, files[i]));
        assert.ok(!m.raw.subarray(0, 5).equals(Buffer.from("From ")));
        assert.ok(disk.subarray(disk.length - m.raw.length).equals(m.raw), `${m.origin}: a suffix of the file`);
        assert.ok(
          disk.length === m.raw.length ||
            disk
              .subarray(0, disk.length - m.raw.length)
              .toString("latin1")
              .match(/^From [^\n]*\n$/),
        );
      });
    }
    assert.equal(readCorpus("notmuch").length, 263, "the README's count");
    assert.deepEqual(
      readCorpus("spam", 5).map((m) => m.origin),
      readCorpus("spam")
        .slice(0, 5)
        .map((m) => m.origin),
    );
  });

  it("maildir flags and INTERNALDATE come from the file name and the Date header, with a fixed date when it is unreadable", () => {
    assert.deepEqual(maildirFlags("1234.host:2,DFPRST"), ["\\Draft", "\\Flagged", "$Forwarded", "\\Answered", "\\Seen", "\\Deleted"]);
    assert.deepEqual(maildirFlags("1234.host:2,Sa"), ["\\Seen"]);
    assert.deepEqual(maildirFlags("1234.host"), []);
    const at = (date: string) => internalDateOf(Buffer.from(`Subject: x\nDate: ${date}\n\nbody\n`)).toISOString();
    assert.equal(at("Thu, 22 Aug 2002 12:36:23 +0100 (IST)"), "2002-08-22T11:36:23.000Z");
    assert.equal(at("Fri, 30 Aug 02 21:48:08 Eastern Daylight Time"), FALLBACK_DATE.toISOString());
    assert.equal(at("Thu, 22 Aug 0102 12:07:35 +0800"), FALLBACK_DATE.toISOString(), "year 102 is not a date to keep");
    assert.equal(internalDateOf(Buffer.from("Subject: no date\n\nbody\n")).toISOString(), FALLBACK_DATE.toISOString());
  });
});
