// MailboxMigration through the real dynamic-provider host (@pulumi/pulumi/cmd/dynamic-provider), driven over
// gRPC as the engine drives it, against two real Dovecot servers. The `__provider` input is the one the
// resource registers under pulumi.runtime.setMocks (providers/hostModule.ts).
import { strict as assert } from "node:assert";
import { appendAll, readCorpus } from "../../harness/corpus";
import { withAttachment } from "../../harness/generate";
import { Dovecot, stopAllDovecots } from "../../harness/dovecot";
import { TokenEndpoint } from "../../harness/oauth";
import { mailboxPair, startPair, type Pair } from "../engine/fixtures";
import { connect, fingerprint, snapshot, total, type Snapshot } from "../engine/snapshot";
import { FakeEngine, ProviderCallError, ProviderHost, registered, type Props } from "./providerHost";

type MailboxPair = Awaited<ReturnType<typeof mailboxPair>>;

function inputsFor(m: MailboxPair, extra: Props = {}): Props {
  return {
    source: { host: m.from.host, port: m.from.port, tls: "starttls", user: m.from.user, password: m.fromPassword },
    destination: { host: m.to.host, port: m.to.port, tls: "starttls", user: m.to.user, password: m.toPassword },
    syncGeneration: 1,
    ...extra,
  };
}

/** Every property path under which one of the strings appears, e.g. "destination.password". */
function pathsHolding(v: unknown, needles: readonly string[], at = ""): string[] {
  if (typeof v === "string") return needles.some((n) => v.includes(n)) ? [at] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => pathsHolding(x, needles, `${at}[${i}]`));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => pathsHolding(x, needles, at ? `${at}.${k}` : k));
  return [];
}

function folderCounts(s: Snapshot): Record<string, number> {
  return Object.fromEntries([...s.entries()].filter(([, l]) => l.length > 0).map(([f, l]) => [f, l.length]));
}

function sameMail(a: Snapshot, b: Snapshot): void {
  assert.deepEqual(folderCounts(a), folderCounts(b));
  for (const [f, l] of a) assert.deepEqual(fingerprint(b.get(f)), fingerprint(l), `folder ${f} unchanged`);
}

describe("MailboxMigration through the dynamic-provider host (real Dovecot)", function () {
  this.timeout(120_000);
  let pair: Pair;
  let engine: FakeEngine;
  let host: ProviderHost;
  let provider: string;
  let urn: string;
  const secrets: string[] = [];

  before(async () => {
    pair = await startPair();
    engine = new FakeEngine();
    await engine.start();
    ({ provider, urn } = await registered("bob-migration"));
    // fast retries so that a failure test does not wait out the production backoff
    host = await ProviderHost.start(engine.address, { MAILSHIFT_PROVIDER_RETRY: "2,50,200" });
  });
  after(async () => {
    await host?.stop();
    engine?.stop();
    await stopAllDovecots();
  });

  it("tells the engine it takes no secrets and has no preview: the engine never calls Create or Update in a preview", async () => {
    const res = await host.configure();
    assert.equal(res.getAcceptsecrets(), false, "the engine unwraps secrets for it and re-marks echoed ones");
    assert.equal(res.getSupportspreview(), false, "so `pulumi preview` only calls Check and Diff");
  });

  it("Check names the wrong property; Check and Diff (all a preview runs) copy nothing", async () => {
    const m = await mailboxPair(pair);
    secrets.push(m.fromPassword, m.toPassword);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 5));
    const bad = await host.check(
      urn,
      {},
      { ...inputsFor(m, { source: { ...(inputsFor(m).source as Props), port: 0 } }), __provider: provider },
    );
    assert.deepEqual(bad.failures, [{ property: "source.port", reason: "must be a whole number from 1 to 65535, not 0" }]);
    const ok = await host.check(urn, {}, { ...inputsFor(m), __provider: provider });
    assert.deepEqual(ok.failures, []);
    await host.diff(urn, "x", { ...ok.inputs, syncGeneration: 0 }, ok.inputs);
    assert.equal(total(await snapshot(m.toUrl, m.toPassword)), 0, "nothing on the destination after check and diff");
  });

  it("create copies everything, update copies nothing new, new mail then only that, read reports drift, delete leaves all mail", async () => {
    const m = await mailboxPair(pair);
    secrets.push(m.fromPassword, m.toPassword);
    const ham = readCorpus("easy_ham", 60);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 40));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Sent", ham.slice(40, 52));

    const checked = await host.check(urn, {}, { ...inputsFor(m), __provider: provider, statusUrn: urn });
    assert.deepEqual(checked.failures, []);
    const news = checked.inputs;

    // create: the full copy
    const logsBefore = engine.messages.length;
    const created = await host.create(urn, news);
    assert.equal(created.id, `${m.name}@127.0.0.1:${m.from.port} -> ${m.name}@127.0.0.1:${m.to.port}`);
    const totals = created.outs.totals as Record<string, number>;
    assert.deepEqual([totals.onSource, totals.copied, totals.alreadyPresent, totals.skipped], [52, 52, 0, 0]);
    assert.equal(created.outs.verified, true);
    assert.equal(typeof created.outs.lastPassAt, "string");
    assert.deepEqual(
      (created.outs.perFolder as Props[])
        .filter((f) => (f.onSource as number) > 0)
        .map((f) => [f.folder, f.destination, f.onSource, f.copied]),
      [
        ["INBOX", "INBOX", 40, 40],
        ["Sent", "Sent Items", 12, 12],
      ],
    );
    assert.equal(created.outs.__provider, provider, "the host keeps the provider with the outputs");
    // credentials are only echoed where they were secret inputs (the engine re-marks those paths secret);
    // no other output carries or derives from them
    assert.deepEqual(pathsHolding(created.outs, [m.fromPassword, m.toPassword]).sort(), ["destination.password", "source.password"]);
    let src = await snapshot(m.fromUrl, m.fromPassword);
    let dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));
    assert.deepEqual(fingerprint(dst.get("Sent Items")), fingerprint(src.get("INBOX.Sent")));

    // progress reached the engine, on this resource's row, while it copied; and a closing line stayed
    const said = engine.messages.slice(logsBefore);
    assert.ok(
      said.some((x) => x.ephemeral && x.urn === urn && /this pass copied \d+ of \d+ messages/.test(x.message)),
      JSON.stringify(said),
    );
    assert.ok(
      said.some(
        (x) =>
          !x.ephemeral &&
          x.urn === urn &&
          /copied 52 message\(s\)/.test(x.message) &&
          /every source message is on the destination/.test(x.message),
      ),
    );

    // a diff with the same inputs: nothing to do; a bumped syncGeneration: an update, not a replacement
    assert.deepEqual(await host.diff(urn, created.id, created.outs, news), { changes: "none", replaces: [] });
    const bumped: Props = { ...news, syncGeneration: 2 };
    assert.deepEqual(await host.diff(urn, created.id, created.outs, bumped), { changes: "some", replaces: [] });
    const otherUser = { ...news, destination: { ...(news.destination as Props), user: "someone-else" } };
    assert.deepEqual(await host.diff(urn, created.id, created.outs, otherUser), { changes: "some", replaces: ["destination"] });

    // update with nothing new: copies nothing and changes nothing on the destination
    const noop = await host.update(urn, created.id, created.outs, bumped);
    assert.deepEqual([(noop.totals as Props).copied, (noop.totals as Props).alreadyPresent], [0, 52]);
    const afterNoop = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(
      [...afterNoop.get("INBOX")!].map((x) => x.uid),
      [...dst.get("INBOX")!].map((x) => x.uid),
      "same messages, same UIDs",
    );

    // new mail on the source: read (refresh) reports it, read-only on both sides, and the diff then shows an update
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(52, 60));
    src = await snapshot(m.fromUrl, m.fromPassword);
    dst = await snapshot(m.toUrl, m.toPassword);
    const refreshed = await host.read(urn, created.id, noop, bumped);
    const drift = refreshed.props.drift as Props;
    assert.deepEqual([drift.by, drift.missing, drift.pending], ["refresh", 8, 8]);
    assert.deepEqual(drift.folders, [{ folder: "INBOX", missing: 8, pending: 8 }]);
    sameMail(src, await snapshot(m.fromUrl, m.fromPassword));
    sameMail(dst, await snapshot(m.toUrl, m.toPassword));
    assert.deepEqual(await host.diff(urn, created.id, refreshed.props, bumped), { changes: "some", replaces: [] });

    // the update copies only those
    const delta = await host.update(urn, created.id, refreshed.props, bumped);
    assert.deepEqual([(delta.totals as Props).copied, (delta.totals as Props).alreadyPresent], [8, 52]);
    assert.deepEqual((delta.drift as Props).pending, 0);
    dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "every source message once, no duplicate");
    assert.deepEqual(await host.diff(urn, created.id, delta, bumped), { changes: "none", replaces: [] });

    // a rotated destination password alone: an update that stores it and copies nothing
    const rotated = `rotated-${m.toPassword}`;
    secrets.push(rotated);
    await pair.fresh.addUser({ user: m.name, password: rotated });
    const withRotated = { ...bumped, destination: { ...(bumped.destination as Props), password: rotated } };
    assert.deepEqual(await host.diff(urn, created.id, delta, withRotated), { changes: "some", replaces: [] });
    const afterRotation = await host.update(urn, created.id, delta, withRotated);
    assert.equal((afterRotation.totals as Props).copied, 0);

    // delete forgets the migration and leaves every message on both hosts
    src = await snapshot(m.fromUrl, m.fromPassword);
    dst = await snapshot(m.toUrl, rotated);
    await host.delete(urn, created.id, afterRotation);
    sameMail(src, await snapshot(m.fromUrl, m.fromPassword));
    sameMail(dst, await snapshot(m.toUrl, rotated));
    assert.equal(total(await snapshot(m.toUrl, rotated)), 60);
  });

  it("watermarks in the outputs make a no-op update list no folder, yet new mail, flag changes and mail lost on the destination still move", async () => {
    const m = await mailboxPair(pair);
    secrets.push(m.fromPassword, m.toPassword);
    const ham = readCorpus("easy_ham", 40);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham.slice(0, 20));
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Sent", ham.slice(20, 30));
    const news = (await host.check(urn, {}, { ...inputsFor(m), __provider: provider, statusUrn: urn })).inputs;
    const created = await host.create(urn, news);
    const counts = (o: Props) => {
      const t = o.totals as Props;
      return [t.onSource, t.copied, t.alreadyPresent, t.flagsUpdated];
    };
    const marked = (o: Props) => Object.keys(o.watermarks as Props).sort();

    // the create proved each copy by its APPENDUID and marked every folder: the first update lists none
    const first = await host.update(urn, created.id, created.outs, news);
    assert.deepEqual(counts(first), [30, 0, 30, 0]);
    const groups = marked(first);
    assert.ok(groups.includes("INBOX") && groups.includes("Sent Items"), JSON.stringify(first.watermarks));
    assert.equal(first.unchangedFolders, groups.length, "the folders the create copied into are not listed again");
    const inbox = (first.watermarks as Record<string, { sources: Props[]; destination: Props }>).INBOX;
    assert.deepEqual([inbox.sources.map((x) => x.path), inbox.sources[0].messages, inbox.destination.messages], [["INBOX"], 20, 20]);
    assert.equal(typeof inbox.destination.highestModseq, "string", "Dovecot has CONDSTORE: the marks carry HIGHESTMODSEQ");
    assert.deepEqual(pathsHolding(first.watermarks, [m.fromPassword, m.toPassword]), [], "folder paths and counters only");

    // the second no-op update: nothing moved on either side, so no folder is listed, and the counts stay right
    const dstBefore = await snapshot(m.toUrl, m.toPassword);
    const second = await host.update(urn, created.id, first, news);
    assert.equal(second.unchangedFolders, groups.length, "every folder unchanged");
    assert.deepEqual(counts(second), [30, 0, 30, 0]);
    assert.equal(second.verified, true);
    assert.deepEqual(marked(second), groups, "the marks carry on to the next pass");
    sameMail(dstBefore, await snapshot(m.toUrl, m.toPassword));

    // new mail in Sent and a flag change in INBOX on the source: only those two folders are listed, and both move
    await appendAll(m.fromUrl, m.fromPassword, "INBOX.Sent", ham.slice(30, 34));
    const c = await connect(m.fromUrl, m.fromPassword);
    await c.mailboxOpen("INBOX");
    await c.messageFlagsAdd("1:3", ["\\Flagged"]);
    await c.logout();
    const third = await host.update(urn, created.id, second, news);
    assert.deepEqual(counts(third), [34, 4, 30, 3]);
    assert.equal(third.unchangedFolders, groups.length - 2);
    let src = await snapshot(m.fromUrl, m.fromPassword);
    let dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "the flags arrived");
    assert.deepEqual(fingerprint(dst.get("Sent Items")), fingerprint(src.get("INBOX.Sent")), "the new mail arrived, once");

    // a message lost on the destination (the user deleted it there): the destination's marks moved, so it is copied again
    const d = await connect(m.toUrl, m.toPassword);
    await d.mailboxOpen("INBOX");
    await d.messageDelete("5");
    await d.logout();
    const fourth = await host.update(urn, created.id, third, news);
    assert.deepEqual([(fourth.totals as Props).copied, fourth.verified], [1, true]);
    dst = await snapshot(m.toUrl, m.toPassword);
    src = await snapshot(m.fromUrl, m.fromPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")));

    // the passes that wrote into a folder leave it to the next listing; after that every folder is unchanged again
    const fifth = await host.update(urn, created.id, fourth, news);
    assert.equal((fifth.totals as Props).copied, 0);
    const sixth = await host.update(urn, created.id, fifth, news);
    assert.deepEqual([sixth.unchangedFolders, (sixth.totals as Props).copied], [groups.length, 0]);

    // a refresh looks read-only and keeps the marks
    const refresh = await host.read(urn, created.id, sixth, news);
    assert.deepEqual(refresh.props.watermarks, sixth.watermarks, "a refresh keeps the marks");
  });

  it("a pass that stops part-way (destination over quota) names mailbox and folder, keeps a state, and the next update resumes without duplicates", async () => {
    const m = await mailboxPair(pair, { quotaBytes: 150 * 1024 });
    secrets.push(m.fromPassword, m.toPassword);
    const ham = readCorpus("easy_ham", 80);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", ham);
    const news = (await host.check(urn, {}, { ...inputsFor(m), __provider: provider, statusUrn: urn })).inputs;

    const failed = await host.create(urn, news).then(
      () => assert.fail("the copy cannot fit in the quota"),
      (e: unknown) => e as ProviderCallError,
    );
    assert.ok(failed instanceof ProviderCallError);
    assert.match(failed.message, new RegExp(`^MailboxMigration ${m.name}@127\\.0\\.0\\.1:\\d+ -> ${m.name}@127\\.0\\.0\\.1:\\d+: `));
    assert.match(failed.message, /is over its quota while copying folder "INBOX"/);
    assert.ok(failed.initFailed, "the host reports a resource that exists but did not finish (ErrorResourceInitFailed)");
    const partial = failed.initFailed!.properties;
    assert.equal(failed.initFailed!.id, `${m.name}@127.0.0.1:${m.from.port} -> ${m.name}@127.0.0.1:${m.to.port}`);
    assert.match(String((partial.lastError as Props).message), /over its quota/);
    assert.deepEqual(pathsHolding(partial, [m.fromPassword, m.toPassword]).sort(), ["destination.password", "source.password"]);
    const copiedSoFar = total(await snapshot(m.toUrl, m.toPassword));
    assert.ok(copiedSoFar > 0 && copiedSoFar < 80, `part of the mail arrived (${copiedSoFar})`);
    // the failed pass alone asks for an update at the next `pulumi up`
    assert.deepEqual(await host.diff(urn, failed.initFailed!.id, partial, news), { changes: "some", replaces: [] });

    await pair.fresh.setQuota(m.name, undefined);
    const resumed = await host.update(urn, failed.initFailed!.id, partial, news);
    assert.equal((resumed.totals as Props).copied, 80 - copiedSoFar, "only what was missing");
    assert.equal(resumed.lastError, undefined, "a complete pass clears the error");
    const src = await snapshot(m.fromUrl, m.fromPassword);
    const dst = await snapshot(m.toUrl, m.toPassword);
    assert.deepEqual(fingerprint(dst.get("INBOX")), fingerprint(src.get("INBOX")), "each message exactly once");
  });

  it("a message over maxMessageBytes is skipped with its reason, and is not an endless pending update", async () => {
    const m = await mailboxPair(pair);
    secrets.push(m.fromPassword, m.toPassword);
    await appendAll(m.fromUrl, m.fromPassword, "INBOX", [...readCorpus("easy_ham", 3), withAttachment(120_000, 7)]);
    const news = (await host.check(urn, {}, { ...inputsFor(m, { maxMessageBytes: 50_000 }), __provider: provider, statusUrn: urn })).inputs;
    const created = await host.create(urn, news);
    const skipped = created.outs.skipped as Props[];
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0].folder, "INBOX");
    assert.match(String(skipped[0].reason), /^larger than the maximum message size \(\d+ > 50000 bytes\)$/);
    assert.deepEqual([(created.outs.totals as Props).copied, (created.outs.totals as Props).skipped, created.outs.verified], [3, 1, false]);
    assert.deepEqual([(created.outs.drift as Props).missing, (created.outs.drift as Props).pending], [1, 0]);
    assert.deepEqual(await host.diff(urn, created.id, created.outs, news), { changes: "none", replaces: [] });
    const refreshed = await host.read(urn, created.id, created.outs, news);
    assert.deepEqual((refreshed.props.drift as Props).folders, [{ folder: "INBOX", missing: 1, pending: 0 }]);
    assert.deepEqual(
      await host.diff(urn, created.id, refreshed.props, news),
      { changes: "none", replaces: [] },
      "a refresh does not ask to copy what will be refused again",
    );
  });

  it("a refused password fails the pass with the mailbox named and the password nowhere", async () => {
    const m = await mailboxPair(pair);
    const wrong = "wrong-password-Zq81x";
    secrets.push(m.fromPassword, m.toPassword, wrong);
    const news = (await host.check(urn, {}, { ...inputsFor(m), __provider: provider, statusUrn: urn })).inputs;
    const bad = { ...news, destination: { ...(news.destination as Props), password: wrong } };
    const err = await host.create(urn, bad).then(
      () => assert.fail("login must fail"),
      (e: unknown) => e as ProviderCallError,
    );
    assert.match(err.message, new RegExp(`authentication failed for ${m.name}@127\\.0\\.0\\.1:${m.to.port}`));
    assert.match(err.message, /pulumi config set --secret/);
    for (const pw of [wrong, m.fromPassword, m.toPassword]) assert.ok(!err.message.includes(pw), "the error carries no password");
    assert.deepEqual(pathsHolding(err.initFailed!.properties, [wrong, m.fromPassword]).sort(), ["destination.password", "source.password"]);
    // refresh with the wrong password does not fail the refresh: it says why it could not look
    const read = await host.read(urn, err.initFailed!.id, err.initFailed!.properties, bad);
    assert.match(String((read.props.drift as Props).error), /authentication failed/);
  });

  it("an oauth2 destination (XOAUTH2 on Dovecot, local token endpoint): each connection logs in with a token from the provider", async () => {
    const m = await mailboxPair(pair);
    const clientSecret = "oauth-client-secret-Kx93";
    secrets.push(m.fromPassword, m.toPassword, clientSecret);
    // tokens that live two seconds: shorter than the provider's margin, so every connection fetches its own
    const tokens = await TokenEndpoint.start({ apps: [{ clientId: "mailshift-app", clientSecret, mailbox: m.name }], lifetimeMs: 2000 });
    const exchange = await Dovecot.start({
      layout: "new",
      users: [{ user: m.name, password: m.toPassword }],
      name: "oauth-host",
      keepDir: false,
      oauth2: { introspectionUrl: tokens.introspectionUrl },
    });
    try {
      await appendAll(m.fromUrl, m.fromPassword, "INBOX", readCorpus("easy_ham", 10));
      const destination = {
        host: exchange.host,
        port: exchange.port,
        tls: "starttls",
        user: m.name,
        oauth2: { tenantId: "t", clientId: "mailshift-app", clientSecret, tokenUrl: tokens.tokenUrl },
      };
      const news = (await host.check(urn, {}, { ...inputsFor(m), destination, __provider: provider, statusUrn: urn })).inputs;
      const created = await host.create(urn, news);
      assert.deepEqual([(created.outs.totals as Props).copied, created.outs.verified], [10, true]);
      // the pass logs in once on the destination (that connection is taken over for the APPENDs): one token
      assert.ok(
        tokens.issued >= 1 && tokens.accepted >= tokens.issued,
        `tokens issued ${tokens.issued}, logins accepted ${tokens.accepted}`,
      );
      // a refresh two seconds later (the token has expired) logs in again with a fresh token of its own
      await new Promise((r) => setTimeout(r, 2100));
      const before = { issued: tokens.issued, accepted: tokens.accepted };
      const refreshed = await host.read(urn, created.id, created.outs, news);
      assert.equal((refreshed.props.drift as Props).missing, 0, JSON.stringify(refreshed.props.drift));
      assert.ok(
        tokens.issued > before.issued && tokens.accepted > before.accepted,
        `after the refresh: tokens issued ${before.issued} -> ${tokens.issued}, logins accepted ${before.accepted} -> ${tokens.accepted}`,
      );
      assert.deepEqual(
        pathsHolding(created.outs, [clientSecret]),
        ["destination.oauth2.clientSecret"],
        "no token stored, the client secret only where it was a secret input",
      );
      assert.deepEqual(
        fingerprint((await snapshot(exchange.url(m.name), m.toPassword)).get("INBOX")),
        fingerprint((await snapshot(m.fromUrl, m.fromPassword)).get("INBOX")),
      );
    } finally {
      await exchange.stop();
      await tokens.stop();
    }
  });

  it("no password ever appears in what the provider said: engine logs, host output, errors", () => {
    assert.ok(secrets.length >= 6);
    const said = [host.stdout, host.stderr, ...engine.messages.map((x) => x.message)].join("\n");
    assert.ok(engine.messages.length > 0);
    for (const s of secrets) assert.ok(!said.includes(s), `"${s}" leaked`);
  });
});
