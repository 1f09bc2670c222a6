import { strict as assert } from "node:assert";
import { parseArgs } from "../../cli/args";
import { UsageError } from "../../engine/errors";
import { parseImapUrl, isLoopbackHost } from "../../engine/endpoint";
import { tlsOptions } from "../../engine/connect";

const env = { MAILSHIFT_FROM_PASSWORD: "s3cret-from", MAILSHIFT_TO_PASSWORD: "s3cret-to" };

describe("command line", () => {
  it("parses sync with passwords from the environment", () => {
    const c = parseArgs(["sync", "--from", "imap://alice@old.example:143", "--to", "imaps://alice@new.example", "--json"], env);
    assert.equal(c.command, "sync");
    assert.deepEqual(
      [c.from.user, c.from.host, c.from.port, c.from.tls, c.from.password],
      ["alice", "old.example", 143, "starttls", "s3cret-from"],
    );
    assert.deepEqual([c.to!.port, c.to!.tls, c.to!.password], [993, "implicit", "s3cret-to"]);
    assert.equal(c.json, true);
    assert.equal(c.serverState, true, "watermarks kept on the destination unless told otherwise");
    const off = parseArgs(
      ["sync", "--from", "imap://alice@old.example:143", "--to", "imaps://alice@new.example", "--no-server-state"],
      env,
    );
    assert.equal(off.serverState, false);
  });

  it("logs in as an administrator for the URL's user with --from-admin / --to-admin, the variable holding the admin's password", () => {
    const c = parseArgs(
      [
        "sync",
        "--from",
        "imap://alice@old.example:143",
        "--from-admin",
        "mspadmin",
        "--to",
        "imaps://alice@new.example",
        "--to-admin",
        "root",
      ],
      env,
    );
    assert.deepEqual([c.from.user, c.from.admin, c.from.password], ["alice", "mspadmin", "s3cret-from"]);
    assert.deepEqual([c.to!.user, c.to!.admin, c.to!.password], ["alice", "root", "s3cret-to"]);
    assert.equal(parseArgs(["sync", "--from", "imap://a@h:1", "--to", "imap://b@h:2"], env).from.admin, undefined);
    assert.throws(() => parseArgs(["audit", "--from", "imap://a@h:1", "--to-admin", "x"], env), /audit reads one mailbox/);
  });

  it("refuses a password in the URL, a missing password variable, and unknown options, naming what to do", () => {
    assert.throws(
      () => parseArgs(["sync", "--from", "imap://a:pw@h:1", "--to", "imap://b@h:2"], env),
      (e: Error) => e instanceof UsageError && /MAILSHIFT_FROM_PASSWORD/.test(e.message) && !/pw@/.test(e.message),
    );
    assert.throws(() => parseArgs(["sync", "--from", "imap://a@h:1", "--to", "imap://b@h:2"], {}), /set MAILSHIFT_FROM_PASSWORD/);
    assert.throws(
      () => parseArgs(["sync", "--from", "imap://a@h:1", "--to", "imap://b@h:2", "--frobnicate"], env),
      /unknown option "--frobnicate"/,
    );
    assert.throws(() => parseArgs(["audit", "--from", "imap://a@h:1", "--to", "imap://b@h:2"], env), /audit reads one mailbox/);
    assert.throws(() => parseArgs(["copy"], env), /unknown command "copy"/);
    assert.throws(() => parseArgs(["sync", "--from", "http://a@h", "--to", "imap://b@h:2"], env), /scheme "http"/);
  });

  it("collects repeatable excludes and renames", () => {
    const c = parseArgs(
      ["sync", "--from", "imap://a@h:1", "--to", "imap://b@h:2", "--exclude", "Trash", "--exclude=Junk*", "--rename", "Old=Archive/Old"],
      env,
    );
    assert.deepEqual(c.folders, { exclude: ["Trash", "Junk*"], rename: { Old: "Archive/Old" } });
  });

  it("requires STARTTLS before sending a password to a remote host, unless --insecure", () => {
    assert.equal(isLoopbackHost("127.0.0.1"), true);
    assert.equal(isLoopbackHost("::1"), true);
    assert.equal(isLoopbackHost("mail.example.com"), false);
    const remote = parseImapUrl("imap://a@mail.example.com:143", { what: "--from", password: "x" });
    assert.equal(tlsOptions(remote).doSTARTTLS, true);
    assert.equal(tlsOptions({ ...remote, insecure: true }).doSTARTTLS, undefined);
    assert.equal(tlsOptions({ ...remote, host: "127.0.0.1" }).doSTARTTLS, undefined);
    assert.equal(tlsOptions({ ...remote, tls: "implicit" }).secure, true);
  });
});
