// The Cyrus test harness (harness/cyrus.ts) checked the way a user of an IMAP client would check a mail host, for
// both hierarchies: users log in (a wrong password does not), the folders and separator the hierarchy shows with
// their special-use, a quota, corpus mail appended and read back byte for byte, the size limit the server enforces,
// two servers at once, and nothing left running after stop().
import { strict as assert } from "node:assert";
import fs from "node:fs";
import { ImapFlow } from "imapflow";
import { appendAll, readCorpus, type RawMessage } from "../../harness/corpus";
import { Cyrus, ensureCyrus, quotaKiB, type CyrusHierarchy } from "../../harness/cyrus";
import { astring, RawImap } from "../../harness/rawImap";

async function login(s: Cyrus, user: string, password: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: false,
    auth: { user, pass: password },
    logger: false,
    disableAutoIdle: true,
  });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

async function withLogin<T>(s: Cyrus, user: string, password: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await login(s, user, password);
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/** Pids of live processes whose command line names `needle` (every Cyrus process names its temp folder's imapd.conf). */
function processesNaming(needle: string): number[] {
  const out: number[] = [];
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "latin1");
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${p}/status`, "latin1"))?.[1];
      if (cmd.includes(needle) && state !== "Z") out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A message of exactly `size` bytes with CRLF line endings. */
function messageOfSize(size: number, tag: string): Buffer {
  const head = `Subject: ${tag}\r\nMessage-ID: <${tag}@harness.test>\r\n\r\n`;
  return Buffer.from(head + "x".repeat(size - head.length), "latin1");
}

/** APPEND with a synchronizing literal over a raw socket: the server's own answer, not imapflow's APPENDLIMIT check. */
async function rawAppend(s: Cyrus, user: string, password: string, folder: string, raw: Buffer): Promise<string> {
  const c = await RawImap.connect(s.host, s.port);
  try {
    const l = await c.command(["LOGIN", astring(user), astring(password)]);
    assert.equal(l.status, "OK", `LOGIN ${user}: ${l.text}`);
    const tag = c.nextTag();
    c.write(Buffer.concat([Buffer.from(`${tag} APPEND `), astring(folder), Buffer.from(` {${raw.length}}\r\n`)]));
    const first = await c.nextLine(10_000);
    if (!first?.startsWith("+")) return first ?? "(closed)";
    c.write(Buffer.concat([raw, Buffer.from("\r\n")]));
    const r = await c.until(tag, 10_000);
    return `${r.tag} ${r.status} ${r.text}`;
  } finally {
    c.close();
  }
}

/** Bare LF to CRLF: Cyrus refuses a message with bare newlines (see harness/SERVERS.md). */
const crlf = (b: Buffer) => Buffer.from(b.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");

/** What Cyrus stores for a CRLF message: with munge8bit (its default) every 8-bit byte of the header becomes "X". */
function munged(b: Buffer): Buffer {
  const end = b.indexOf("\r\n\r\n");
  const head = end < 0 ? b.length : end;
  const out = Buffer.from(b);
  for (let i = 0; i < head; i++) if (out[i] >= 0x80) out[i] = 0x58;
  return out;
}

const ALICE = { user: "alice", password: "alice-cyrus-pw" };
const BOB = { user: "bob@mail2.example.com", password: "bob-cyrus-pw", quotaBytes: 3 * 1024 * 1024 + 100 };
const MAX = 64 * 1024;

for (const hierarchy of ["dot", "slash"] as CyrusHierarchy[]) {
  describe(`Cyrus test harness, ${hierarchy} hierarchy (real Cyrus IMAP on loopback)`, function () {
    this.timeout(60_000);
    let s: Cyrus;
    const p = hierarchy === "dot" ? "INBOX." : "";
    const sep = hierarchy === "dot" ? "." : "/";

    before(async () => {
      ensureCyrus(); // fails with what to run (scripts/cyrus.sh) when Cyrus is not installed
      s = await Cyrus.start({ hierarchy, name: `test-${hierarchy}`, users: [ALICE], maxMessageBytes: MAX, keepDir: false });
      await s.addUser(BOB);
    });
    after(async () => {
      await s?.stop();
    });

    it(`spec: prefix ${JSON.stringify(p)}, separator ${JSON.stringify(sep)}, as the server's NAMESPACE says`, async () => {
      assert.equal(s.kind, "cyrus");
      assert.equal(s.spec.prefix, p);
      assert.equal(s.spec.separator, sep);
      await withLogin(s, ALICE.user, ALICE.password, async (c) => {
        assert.deepEqual(c.namespace, { prefix: p, delimiter: sep });
      });
    });

    it("both users log in; a wrong password and an unknown user are refused", async () => {
      for (const u of [ALICE, BOB]) {
        await withLogin(s, u.user, u.password, async (c) => {
          const inbox = await c.status("INBOX", { messages: true });
          assert.ok(inbox && typeof inbox.messages === "number", `${u.user} reads its INBOX`);
        });
      }
      for (const [user, pass] of [
        [ALICE.user, "wrong-password"],
        [BOB.user, ALICE.password],
        ["nobody", "x"],
      ]) {
        await assert.rejects(login(s, user, pass), (err: Error & { authenticationFailed?: boolean; responseText?: string }) => {
          assert.ok(
            err.authenticationFailed || /authentication failure|Login failed/i.test(`${err.responseText} ${err.message}`),
            `${user}: ${err.message}`,
          );
          return true;
        });
      }
    });

    it("addUser again replaces the password and the quota", async () => {
      await s.addUser({ user: "dave", password: "first-pw", quotaBytes: 10 * 1024 });
      await s.addUser({ user: "dave", password: "second-pw" });
      await assert.rejects(login(s, "dave", "first-pw"));
      await withLogin(s, "dave", "second-pw", async (c) => {
        const q = (await c.getQuota("INBOX")) || undefined;
        assert.ok(!q?.storage, `the quota was lifted: ${JSON.stringify(q)}`);
      });
    });

    it("special folders Sent, Drafts, Trash, Junk, Archive exist with their SPECIAL-USE, subscribed", async () => {
      await withLogin(s, BOB.user, BOB.password, async (c) => {
        const listed = new Map((await c.list()).map((f) => [f.path, f]));
        for (const f of s.spec.specialFolders) {
          const got = listed.get(p + f.name);
          assert.ok(got, `${p + f.name} is listed (have ${[...listed.keys()].join(", ")})`);
          assert.equal(got.specialUse, f.specialUse, `${p + f.name}'s special-use`);
          assert.equal(got.subscribed, true, `${p + f.name} is subscribed`);
        }
      });
    });

    it("a quota in whole KiB, rounded up from the bytes asked; none for a user without one", async () => {
      await withLogin(s, BOB.user, BOB.password, async (c) => {
        const q = (await c.getQuota("INBOX")) || undefined;
        assert.ok(q?.storage, `bob has a storage quota: ${JSON.stringify(q)}`);
        assert.equal(q.storage.limit, quotaKiB(BOB.quotaBytes) * 1024);
      });
      await withLogin(s, ALICE.user, ALICE.password, async (c) => {
        const q = (await c.getQuota("INBOX")) || undefined;
        assert.ok(!q?.storage, `alice has no storage quota: ${JSON.stringify(q)}`);
      });
    });

    it("corpus mail as it is (bare LF line endings) is refused: Cyrus wants CRLF", async () => {
      const [m] = readCorpus("easy_ham", 1);
      assert.ok(m.raw.includes("\n") && !m.raw.includes("\r\n"), "the corpus message has bare LF line endings");
      await assert.rejects(appendAll(s.url(ALICE.user), ALICE.password, `${p}Bare`, [m]), /bare newlines/);
    });

    it("corpus mail in CRLF: a new folder, APPENDed and read back (count, bytes, RFC822.SIZE)", async () => {
      const msgs: RawMessage[] = [...readCorpus("easy_ham", 25), ...readCorpus("spam", 25)].map((m) => ({ ...m, raw: crlf(m.raw) }));
      const parent = `${p}Projects`;
      const folder = `${parent}${sep}Corpus`;
      await withLogin(s, ALICE.user, ALICE.password, async (c) => {
        const created = await c.mailboxCreate(parent);
        assert.deepEqual([created.path, created.created], [parent, true]);
        // Cyrus answers a second CREATE with a bare "NO Mailbox already exists", not NO [ALREADYEXISTS]
        await assert.rejects(c.mailboxCreate(parent), (err: Error & { responseText?: string }) =>
          /already exists/i.test(err.responseText ?? ""),
        );
      });
      // appendAll creates the folder below the new one
      await appendAll(s.url(ALICE.user), ALICE.password, folder, msgs);
      await withLogin(s, ALICE.user, ALICE.password, async (c) => {
        const st = await c.status(folder, { messages: true });
        assert.ok(st, `STATUS ${folder}`);
        assert.equal(st.messages, msgs.length);
        await c.mailboxOpen(folder, { readOnly: true });
        const got: Buffer[] = [];
        for await (const m of c.fetch("1:*", { uid: true, size: true, source: true })) {
          assert.ok(m.source, `uid ${m.uid} has a source`);
          assert.equal(m.size, m.source.length, `uid ${m.uid}: RFC822.SIZE is the stored byte count`);
          got.push(m.source);
        }
        assert.equal(got.length, msgs.length);
        let total = 0;
        msgs.forEach((m, i) => {
          total += got[i].length;
          assert.ok(got[i].equals(munged(m.raw)), `${m.origin}: stored bytes differ from the CRLF message with 8-bit header bytes as X`);
        });
        assert.equal(
          total,
          msgs.reduce((n, m) => n + m.raw.length, 0),
        );
      });
    });

    it(`maxMessageBytes: APPENDLIMIT=${MAX} advertised; ${MAX} bytes accepted, ${MAX + 1} refused with NO [TOOBIG]`, async () => {
      await withLogin(s, ALICE.user, ALICE.password, async (c) => {
        assert.ok(
          c.capabilities.has(`APPENDLIMIT=${MAX}`) || c.capabilities.get("APPENDLIMIT") === MAX,
          `capabilities: ${[...c.capabilities.keys()].join(" ")}`,
        );
      });
      assert.match(await rawAppend(s, ALICE.user, ALICE.password, "INBOX", messageOfSize(MAX, "at-limit")), /^r\d+ OK /);
      assert.match(await rawAppend(s, ALICE.user, ALICE.password, "INBOX", messageOfSize(MAX + 1, "over-limit")), /^r\d+ NO \[TOOBIG\]/);
    });

    it("a second server runs beside the first, with its own users", async () => {
      const other = await Cyrus.start({
        hierarchy,
        name: `second-${hierarchy}`,
        users: [{ user: "alice", password: "other-pw" }],
        keepDir: false,
      });
      try {
        assert.notEqual(other.port, s.port);
        await withLogin(other, "alice", "other-pw", async (c) => assert.equal(c.namespace?.delimiter, sep));
        await assert.rejects(login(other, ALICE.user, ALICE.password));
        await withLogin(s, ALICE.user, ALICE.password, async () => undefined);
      } finally {
        await other.stop();
      }
      assert.deepEqual(processesNaming(other.dir), [], `no process of ${other.dir} is left`);
    });

    it("stop() leaves no process behind and closes the port", async () => {
      const extra = await Cyrus.start({
        hierarchy,
        name: `stop-${hierarchy}`,
        users: [{ user: "carol", password: "carol-pw" }],
        keepDir: false,
      });
      const held = await login(extra, "carol", "carol-pw"); // a logged-in imapd must go too
      assert.ok(processesNaming(extra.dir).length >= 2, "master and an imapd run before stop()");
      await extra.stop();
      await held.logout().catch(() => held.close());
      assert.deepEqual(processesNaming(extra.dir), [], `no process of ${extra.dir} is left`);
      await assert.rejects(RawImap.connect(extra.host, extra.port, 2_000));
      assert.equal(fs.existsSync(extra.dir), false, "keepDir: false removes the folder");
      assert.match(extra.logs(), /./s, "logs() still returns what was captured");
    });
  });
}
