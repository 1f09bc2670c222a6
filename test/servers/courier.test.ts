// The Courier test harness, checked as a mail client would: real logins (a wrong password refused), the
// INBOX. namespace and its special folders, real corpus mail appended and read back, two servers at once, and
// stop() leaving no process behind. Needs scripts/courier.sh (scripts/setup.sh runs it); without it, it fails.
import { strict as assert } from "node:assert";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { appendAll, readCorpus } from "../../harness/corpus";
import { Courier, CourierError, ensureCourier, stopAllCouriers } from "../../harness/courier";

function client(c: Courier, user: string, password: string): ImapFlow {
  const f = new ImapFlow({
    host: c.host,
    port: c.port,
    secure: false,
    auth: { user, pass: password },
    logger: false,
    disableAutoIdle: true,
  });
  f.on("error", () => undefined);
  return f;
}

async function withLogin<T>(c: Courier, user: string, password: string, fn: (f: ImapFlow) => Promise<T>): Promise<T> {
  const f = client(c, user, password);
  await f.connect();
  try {
    return await fn(f);
  } finally {
    await f.logout().catch(() => f.close());
  }
}

async function count(f: ImapFlow, folder: string): Promise<number> {
  const st = await f.status(folder, { messages: true });
  if (!st || st.messages === undefined) throw new Error(`STATUS ${folder} gave no MESSAGES`);
  return st.messages;
}

/** The login's outcome as the server put it: "ok", or the server's refusal text. */
async function tryLogin(c: Courier, user: string, password: string): Promise<string> {
  const f = client(c, user, password);
  try {
    await f.connect();
    await f.logout().catch(() => f.close());
    return "ok";
  } catch (err) {
    const e = err as Error & { responseText?: string; authenticationFailed?: boolean };
    return e.authenticationFailed ? `refused: ${e.responseText ?? e.message}` : `error: ${e.message}`;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("Courier test harness (real Courier IMAP on loopback)", function () {
  this.timeout(60_000);
  let courier: Courier;

  before(async () => {
    ensureCourier(); // a missing Courier fails here, naming scripts/courier.sh
    courier = await Courier.start({ name: "harness", users: [{ user: "alice", password: "alice-pw" }], keepDir: false });
  });
  after(async () => {
    await stopAllCouriers();
  });

  it("refuses a wrong password and an unknown user; accepts the right password", async () => {
    assert.match(await tryLogin(courier, "alice", "not-alice-pw"), /^refused/);
    assert.match(await tryLogin(courier, "mallory", "alice-pw"), /^refused/);
    assert.equal(await tryLogin(courier, "alice", "alice-pw"), "ok", courier.logs());
  });

  it("addUser: two more users log in at once with their own password only; replacing one changes its password", async () => {
    await courier.addUser({ user: "bob", password: "bob-pw" });
    await courier.addUser({ user: "carol", password: "carol-pw", quotaBytes: 1024 * 1024 });
    assert.equal(await tryLogin(courier, "bob", "bob-pw"), "ok");
    assert.equal(await tryLogin(courier, "carol", "carol-pw"), "ok");
    assert.match(await tryLogin(courier, "bob", "carol-pw"), /^refused/);
    await courier.addUser({ user: "bob", password: "bob-pw-2" });
    assert.match(await tryLogin(courier, "bob", "bob-pw"), /^refused/);
    assert.equal(await tryLogin(courier, "bob", "bob-pw-2"), "ok");
  });

  it("namespace INBOX. with '.', the old layout's special folders present and subscribed for a new user", async () => {
    await withLogin(courier, "alice", "alice-pw", async (f) => {
      assert.deepEqual(f.namespace, { prefix: "INBOX.", delimiter: "." });
      const paths = (await f.list()).map((x) => x.path).sort();
      assert.deepEqual(paths, ["INBOX", ...courier.spec.specialFolders.map((s) => `INBOX.${s.name}`)].sort());
      const subscribed = (await f.list())
        .filter((x) => x.subscribed)
        .map((x) => x.path)
        .filter((p) => p !== "INBOX")
        .sort();
      assert.deepEqual(subscribed, courier.spec.specialFolders.map((s) => `INBOX.${s.name}`).sort());
    });
  });

  it("a quota: GETQUOTAROOT reports the user's limit, and an APPEND over it is refused", async () => {
    await withLogin(courier, "carol", "carol-pw", async (f) => {
      const q = (await f.getQuota("INBOX")) || undefined;
      assert.ok(q?.storage, `no STORAGE quota reported: ${JSON.stringify(q)}`);
      assert.equal(q.storage.limit, 1024 * 1024);
      const big = Buffer.from(`Subject: big\r\nMessage-ID: <big@courier.test>\r\n\r\n${"x".repeat(1100 * 1024)}\r\n`, "latin1");
      await assert.rejects(f.append("INBOX", big), (e: Error & { responseText?: string }) => /quota/i.test(e.responseText ?? e.message));
      assert.equal(await count(f, "INBOX"), 0);
    });
  });

  it("real corpus mail: APPENDed into a new folder and read back, message for message", async () => {
    const msgs = readCorpus("easy_ham", 40);
    await appendAll(courier.url("bob"), "bob-pw-2", "INBOX.Corpus", msgs);
    await withLogin(courier, "bob", "bob-pw-2", async (f) => {
      assert.equal(await count(f, "INBOX.Corpus"), msgs.length);
      const lock = await f.getMailboxLock("INBOX.Corpus", { readOnly: true });
      try {
        const got: { size: number; source: Buffer }[] = [];
        for await (const m of f.fetch("1:*", { size: true, source: true }))
          got.push({ size: m.size ?? -1, source: m.source ?? Buffer.alloc(0) });
        assert.equal(got.length, msgs.length);
        let bytes = 0;
        for (let i = 0; i < msgs.length; i++) {
          // Courier stores a message as sent apart from line ends: it keeps LF in the maildir and gives CRLF back
          const sent = msgs[i].raw.toString("latin1").replace(/\r?\n/g, "\r\n");
          assert.equal(got[i].source.toString("latin1"), sent, `${msgs[i].origin} came back changed`);
          assert.equal(got[i].size, Buffer.byteLength(sent, "latin1"), `${msgs[i].origin}: RFC822.SIZE`);
          bytes += got[i].size;
        }
        assert.ok(bytes > 40 * 1000, `only ${bytes} bytes read back`);
      } finally {
        lock.release();
      }
    });
  });

  it("ensureCourier: without the unpacked Courier, a CourierError that says to run scripts/courier.sh", () => {
    const saved = process.env.MAILSHIFT_CACHE;
    process.env.MAILSHIFT_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "no-courier-"));
    try {
      assert.throws(
        ensureCourier,
        (e: Error) =>
          e instanceof CourierError && /scripts\/courier\.sh/.test(e.message) && e.message.includes(process.env.MAILSHIFT_CACHE ?? "?"),
      );
    } finally {
      fs.rmSync(process.env.MAILSHIFT_CACHE, { recursive: true, force: true });
      if (saved === undefined) delete process.env.MAILSHIFT_CACHE;
      else process.env.MAILSHIFT_CACHE = saved;
    }
  });

  it("maxMessageBytes is refused: Courier has no per-message limit", async () => {
    await assert.rejects(
      Courier.start({ name: "limit", users: [], maxMessageBytes: 1000 }),
      (e: Error) => e instanceof CourierError && /no per-message size limit/.test(e.message),
    );
  });

  it("two servers at once, each with its own users; stop() leaves no process and no port behind", async () => {
    const [a, b] = await Promise.all([
      Courier.start({ name: "old-host", users: [{ user: "dave", password: "on-a" }], keepDir: false }),
      Courier.start({ name: "new-host", users: [{ user: "dave", password: "on-b" }], keepDir: false }),
    ]);
    try {
      assert.notEqual(a.port, b.port);
      assert.equal(await tryLogin(a, "dave", "on-a"), "ok");
      assert.equal(await tryLogin(b, "dave", "on-b"), "ok");
      assert.match(await tryLogin(a, "dave", "on-b"), /^refused/);
      assert.match(await tryLogin(b, "dave", "on-a"), /^refused/);
      await appendAll(a.url("dave"), "on-a", "INBOX", readCorpus("spam", 5));
      await withLogin(b, "dave", "on-b", async (f) => assert.equal(await count(f, "INBOX"), 0));
      // a connection left open when stop() comes
      const open = client(a, "dave", "on-a");
      await open.connect();
      const pids = [...a.processes(), ...b.processes()];
      assert.ok(pids.length >= 8, `expected unshare, couriertcpd and authdaemond processes per server, saw ${pids.join(" ")}`);
      await Promise.all([a.stop(), b.stop()]);
      open.close();
      assert.deepEqual(pids.filter(alive), [], "processes left after stop()");
      assert.equal(await tryLogin(a, "dave", "on-a"), `error: connect ECONNREFUSED 127.0.0.1:${a.port}`);
      assert.equal(fs.existsSync(a.dir) || fs.existsSync(b.dir), false, "keepDir: false left the temp folder");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
