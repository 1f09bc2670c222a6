// The engine against Dovecot with a certificate from a test CA: implicit TLS and STARTTLS when told to trust the
// CA, and an error that names the host and says why when the certificate cannot be trusted or names another host.
import { strict as assert } from "node:assert";
import { MailshiftError, syncMailbox, type Endpoint } from "../../engine";
import * as gen from "../../harness/generate";
import { appendAll } from "../../harness/corpus";
import { Dovecot, ensureDovecot, stopAllDovecots } from "../../harness/dovecot";
import { makeTestPki, type TestPki } from "../../harness/tls";
import { FaultProxy } from "../../harness/faultProxy";
import { FAST_RETRY } from "../engine/fixtures";
import { fingerprint, snapshot } from "../engine/snapshot";

describe("faults: TLS with a test CA (real Dovecot)", function () {
  this.timeout(120_000);
  let pki: TestPki;
  let source: Dovecot;
  let good: Dovecot;
  let wrong: Dovecot;
  const user = `tls-${process.pid}`;
  const password = "tls-user-pw";
  let from: Endpoint;

  before(async () => {
    ensureDovecot();
    pki = makeTestPki();
    [source, good, wrong] = await Promise.all([
      Dovecot.start({ layout: "old", users: [{ user, password }], name: "tls-src", keepDir: false }),
      Dovecot.start({ layout: "new", users: [{ user, password }], name: "tls-good", tls: pki.server, keepDir: false }),
      Dovecot.start({ layout: "new", users: [{ user, password }], name: "tls-wrong", tls: pki.wrongName, keepDir: false }),
    ]);
    from = { host: source.host, port: source.port, tls: "starttls", user, password };
    await appendAll(source.url(user), password, "INBOX", gen.many(25, 81));
  });
  after(async () => {
    await stopAllDovecots();
    pki?.remove();
  });

  async function assertCopied(d: Dovecot) {
    const src = await snapshot(source.url(user), password);
    // The snapshot reader takes STARTTLS when offered and knows no CA: read through a proxy that hides the offer
    // (the server takes plaintext logins on loopback).
    const plain = await FaultProxy.start({ target: { host: d.host, port: d.port } });
    try {
      plain.rewriteServer((line) => line.replace(/ STARTTLS(?= |\])/g, ""));
      const dst = await snapshot(`imap://${encodeURIComponent(user)}@127.0.0.1:${plain.port}`, password);
      assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
    } finally {
      await plain.stop();
    }
  }

  /** The server's log says this user's logins were over TLS. */
  function loginsOverTls(d: Dovecot): string[] {
    return d
      .logs()
      .split("\n")
      .filter((l) => l.includes(`Login: user=<${user}>`) && /, TLS(,|$)/.test(l));
  }

  it("copies over implicit TLS (imaps port) when told to trust the test CA", async () => {
    const to: Endpoint = { host: "127.0.0.1", port: good.imapsPort!, tls: "implicit", user, password, ca: pki.caPem };
    const s = await syncMailbox(from, to, { retry: FAST_RETRY });
    assert.equal(s.verified, true);
    assert.ok(loginsOverTls(good).length >= 1, "logged in over TLS");
    await assertCopied(good);
  });

  it("copies over STARTTLS on the imap port when told to trust the test CA", async () => {
    const before = loginsOverTls(good).length;
    const to: Endpoint = { host: "localhost", port: good.port, tls: "starttls", user, password, ca: pki.caPem };
    const s = await syncMailbox(from, to, { retry: FAST_RETRY });
    assert.equal(s.verified, true);
    assert.ok(loginsOverTls(good).length > before, "every login of this pass went over STARTTLS");
    await assertCopied(good);
  });

  it("refuses a certificate from an unknown CA with an error naming the host and saying why and what to do", async () => {
    const to: Endpoint = { host: "127.0.0.1", port: good.imapsPort!, tls: "implicit", user, password };
    const t0 = Date.now();
    await assert.rejects(syncMailbox(from, to, { retry: FAST_RETRY }), (e: Error) => {
      assert.ok(e instanceof MailshiftError, e.message);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${good.imapsPort}`));
      assert.match(e.message, /certificate/i, "says it is about the certificate");
      assert.match(e.message, /--ca/, "says how to trust a private CA");
      assert.ok(!e.message.includes(password));
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, "fails at once: no retries for a certificate problem");
  });

  it("refuses a certificate for another name (same trusted CA), saying which host and that the name does not match", async () => {
    const to: Endpoint = { host: "127.0.0.1", port: wrong.imapsPort!, tls: "implicit", user, password, ca: pki.caPem };
    await assert.rejects(syncMailbox(from, to, { retry: FAST_RETRY }), (e: Error) => {
      assert.ok(e instanceof MailshiftError, e.message);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${wrong.imapsPort}`));
      assert.match(e.message, /does not match|altnames/i, "says the name does not match");
      return true;
    });
    assert.equal(loginsOverTls(wrong).length, 0, "no password was sent to it");
  });

  it("refuses a wrong-name certificate over STARTTLS too, before any password is sent", async () => {
    const to: Endpoint = { host: "127.0.0.1", port: wrong.port, tls: "starttls", user, password, ca: pki.caPem };
    await assert.rejects(syncMailbox(from, to, { retry: FAST_RETRY }), (e: Error) => {
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${wrong.port}`));
      assert.match(e.message, /does not match|altnames/i);
      return true;
    });
    assert.doesNotMatch(wrong.logs(), new RegExp(`Login: user=<${user}>`));
  });
});
