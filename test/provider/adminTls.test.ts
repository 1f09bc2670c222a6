// What a stack with only an administrator for the old host, a private CA, renames, an exclude and a size limit
// hands MailboxMigration, run through the real dynamic-provider host against a real Dovecot: a master user
// (SASL PLAIN with the user as authorization identity) over implicit TLS signed by a test CA. A wrong admin
// password stops with an error that names the mailbox and the stack keys, never the password.
import { strict as assert } from "node:assert";
import { appendAll, readCorpus } from "../../harness/corpus";
import { Cyrus, ensureCyrus } from "../../harness/cyrus";
import { Dovecot, ensureDovecot } from "../../harness/dovecot";
import { withAttachment } from "../../harness/generate";
import { makeTestPki, type TestPki } from "../../harness/tls";
import { snapshot } from "../engine/snapshot";
import { FakeEngine, type ProviderCallError, ProviderHost, registered, type Props } from "./providerHost";

describe("MailboxMigration with an administrator, a private CA and the stack's folder options (real Dovecot master user, real Cyrus admin)", function () {
  this.timeout(120_000);
  const master = { user: "mspadmin", password: "master-secret-9" };
  let pki: TestPki;
  let old: Dovecot;
  let fresh: Dovecot;
  let engine: FakeEngine;
  let host: ProviderHost;
  let provider: string;
  let urn: string;

  before(async () => {
    ensureDovecot();
    pki = makeTestPki();
    [old, fresh] = await Promise.all([
      Dovecot.start({ layout: "old", users: [], name: "prov-admin-old", keepDir: false, tls: pki.server, masterUsers: [master] }),
      Dovecot.start({ layout: "new", users: [], name: "prov-admin-new", keepDir: false }),
    ]);
    engine = new FakeEngine();
    await engine.start();
    ({ provider, urn } = await registered("alice-migration"));
    host = await ProviderHost.start(engine.address, { MAILSHIFT_PROVIDER_RETRY: "2,50,200" });
  });
  after(async () => {
    await host?.stop();
    engine?.stop();
    await Promise.all([old?.stop(), fresh?.stop()]);
    pki?.remove();
  });

  /** The inputs components/migrations.ts gives the resource for a stack with oldHost.admin, tls, ca and folders. */
  const inputs = (user: string, adminPassword: string, extra: Props = {}): Props => ({
    source: {
      host: "127.0.0.1",
      port: old.imapsPort!,
      tls: "implicit",
      ca: pki.caPem,
      user,
      admin: master.user,
      password: adminPassword,
    },
    destination: { host: fresh.host, port: fresh.port, tls: "starttls", user, password: `new-${user}` },
    folders: { rename: { Projects: "Work" }, exclude: ["Junk"] },
    maxMessageBytes: 1_000_000,
    connections: 2,
    syncGeneration: 1,
    __provider: provider,
    statusUrn: urn,
    ...extra,
  });

  it("copies the user's mailbox as the master user over TLS with the private CA, renamed, excluded, size-limited", async () => {
    await old.addUser({ user: "alice", password: "alices-own-password" });
    await fresh.addUser({ user: "alice", password: "new-alice" });
    const ham = readCorpus("easy_ham", 30);
    // written into the Maildir: the old host takes no plaintext login, and the harness's loader trusts no test CA
    await old.storeAsIs("alice", "INBOX", [...ham.slice(0, 15), withAttachment(2_000_000, 7)]);
    await old.storeAsIs("alice", "Projects", ham.slice(15, 25));
    await old.storeAsIs("alice", "Junk", ham.slice(25, 30));

    const checked = await host.check(urn, {}, inputs("alice", master.password));
    assert.deepEqual(checked.failures, []);
    const created = await host.create(urn, checked.inputs);
    const totals = created.outs.totals as Record<string, number>;
    assert.deepEqual([totals.copied, totals.skipped], [25, 1], "15 + 10 copied; the 2 MB message over maxMessageBytes skipped");
    assert.equal(created.outs.mailbox, `alice@127.0.0.1:${old.imapsPort}`, "the user's mailbox, not the admin's");
    const skipped = created.outs.skipped as Props[];
    assert.equal(skipped.length, 1);
    assert.match(String(skipped[0]!.reason), /1000000|larger|size/i);
    assert.deepEqual(
      (created.outs.excluded as Props[]).map((e) => e.folder),
      ["Junk"],
    );

    assert.equal(created.outs.verified, false, "the skipped message is reported as not on the destination");
    const folders = Object.fromEntries((created.outs.perFolder as Props[]).map((f) => [f.folder, [f.destination, f.copied]]));
    assert.deepEqual(folders.Projects, ["Work", 10]);
    const dst = await snapshot(fresh.url("alice"), "new-alice");
    assert.equal(dst.get("Work")?.length, 10, "Projects arrived as Work");
    assert.equal(dst.get("Projects"), undefined);
    assert.equal(dst.get("Junk Email")?.length ?? 0, 0, "the excluded Junk was not copied");
    assert.equal(dst.get("INBOX")!.length, 15);
    // the admin's password is echoed only where it was a secret input
    assert.ok(!JSON.stringify({ ...created.outs, source: undefined }).includes(master.password));
  });

  it("without the CA the TLS check fails, saying to give the CA", async () => {
    await old.addUser({ user: "bob", password: "bobs-password" });
    await fresh.addUser({ user: "bob", password: "new-bob" });
    const src = { ...(inputs("bob", master.password).source as Props) };
    delete src.ca;
    await assert.rejects(host.create(urn, inputs("bob", master.password, { source: src })), (e: ProviderCallError) => {
      assert.match(e.message, /TLS with 127\.0\.0\.1:\d+ failed for bob@127\.0\.0\.1:\d+/);
      assert.match(e.message, /private CA/);
      return true;
    });
  });

  it("a wrong admin password stops with an error naming the mailbox and the stack's keys, never the password", async () => {
    await old.addUser({ user: "carol", password: "carols-password" });
    await fresh.addUser({ user: "carol", password: "new-carol" });
    const wrong = "not-the-master-password";
    await assert.rejects(host.create(urn, inputs("carol", wrong)), (e: ProviderCallError) => {
      assert.match(e.message, new RegExp(`carol@127\\.0\\.0\\.1:${old.imapsPort}`), e.message);
      assert.match(e.message, /administrator mspadmin could not log in as carol/);
      assert.match(e.message, /mailshift:oldHost\.admin, password mailshift:oldHostAdminPassword/);
      assert.ok(!e.message.includes(wrong), "the password is not in the message");
      assert.ok(!engine.messages.some((m) => m.message.includes(wrong)), "nor in anything the provider logged");
      return true;
    });
  });

  it("a Cyrus admin (SASL PLAIN authzid) copies a Cyrus user's mailbox through the provider", async function () {
    this.timeout(180_000);
    ensureCyrus();
    const cyrus = await Cyrus.start({ hierarchy: "dot", users: [], name: "prov-cyrus", keepDir: false });
    try {
      await cyrus.addUser({ user: "fay", password: "fays-own-password" });
      await fresh.addUser({ user: "fay", password: "new-fay" });
      // Cyrus refuses bare LF: the corpus's lines in CRLF, as a mail client sends them
      const mail = readCorpus("easy_ham", 9).map((m) => ({
        ...m,
        raw: Buffer.from(m.raw.toString("latin1").replace(/(?<!\r)\n/g, "\r\n"), "latin1"),
      }));
      await appendAll(cyrus.url("fay"), "fays-own-password", "INBOX", mail);
      const source = {
        host: cyrus.host,
        port: cyrus.port,
        tls: "starttls",
        user: "fay",
        admin: cyrus.admin.user,
        password: cyrus.admin.password,
      };
      const created = await host.create(urn, inputs("fay", "unused", { source, folders: {} }));
      const totals = created.outs.totals as Record<string, number>;
      assert.deepEqual([totals.copied, created.outs.verified], [9, true]);
      assert.equal(created.outs.mailbox, `fay@127.0.0.1:${cyrus.port}`);
      assert.equal((await snapshot(fresh.url("fay"), "new-fay")).get("INBOX")?.length, 9);
    } finally {
      await cyrus.stop();
    }
  });

  it("an account that may not act for others (an ordinary user as admin) stops the same way, naming the mailbox", async () => {
    await old.addUser({ user: "dave", password: "daves-password" });
    await old.addUser({ user: "erin", password: "erins-password" });
    await fresh.addUser({ user: "dave", password: "new-dave" });
    const src = { ...(inputs("dave", "erins-password").source as Props), admin: "erin" };
    await assert.rejects(host.create(urn, inputs("dave", "erins-password", { source: src })), (e: ProviderCallError) => {
      assert.match(e.message, new RegExp(`dave@127\\.0\\.0\\.1:${old.imapsPort}`), e.message);
      assert.match(e.message, /administrator erin could not log in as dave: check the admin's password, that erin may act for other users/);
      assert.ok(!e.message.includes("erins-password"));
      return true;
    });
  });
});
