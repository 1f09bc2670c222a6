// Notices sent by `pulumi up` and the stakeholder page it writes, under the real Pulumi CLI on the sandbox
// stack (sandbox/session.ts: two loopback Dovecots, real mail) with a loopback Exim as the backup relay. What is
// asserted is read from the servers (each person's INBOX, Exim's maildir) and from the page in Chromium.
import { strict as assert } from "node:assert";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { simpleParser, type ParsedMail } from "mailparser";
import { Exim } from "../../harness/exim";
import { NOTICE_HEADER } from "../../notices/mime";
import { noticeMessageId } from "../../notices/messageId";
import { enableNotices, noticesFound } from "../../sandbox/notices";
import { countMaildir, DOMAIN, ensureEngine, FINALIZE_AFTER_SECONDS, Sandbox, stageMoveCommands } from "../../sandbox/session";
import { connect } from "../engine/snapshot";
import { launchChromium } from "../report/browser";

const NOTICE = "pulumi-nodejs:dynamic/mailshift:NoticeDelivery";
const REPORT = "pulumi-nodejs:dynamic/mailshift:StakeholderReport";
const BACKUP = "alice.private@example.org";

interface PreviewJson {
  changeSummary: Record<string, number>;
  steps: { op: string; urn: string; newState?: { inputs?: Record<string, unknown> } }[];
}

async function inbox(url: string, password: string): Promise<ParsedMail[]> {
  const c = await connect(url, password);
  try {
    await c.mailboxOpen("INBOX", { readOnly: true });
    const raws: Buffer[] = [];
    if ((c.mailbox as { exists: number }).exists > 0) for await (const m of c.fetch("1:*", { source: true })) raws.push(m.source!);
    return await Promise.all(raws.map((r) => simpleParser(r)));
  } finally {
    await c.logout();
  }
}

/** The notices in a parsed INBOX, as "stage messageId". */
const noticesIn = (mail: ParsedMail[]) =>
  mail.filter((m) => m.headers.has(NOTICE_HEADER.toLowerCase())).map((m) => `${m.headers.get(NOTICE_HEADER.toLowerCase())} ${m.messageId}`);

describe("notices sent by pulumi up, and the page it writes (real Pulumi CLI, Dovecot, Exim, Chromium)", function () {
  this.timeout(600_000);
  let s: Sandbox;
  let exim: Exim;
  let reportFile: string;
  const loaded = (i: number) => Object.values(s.mailboxes[i]!.load).reduce((n, l) => n + l.length, 0);
  const oldInbox = (i: number) => inbox(s.old.url(s.mailboxes[i]!.sourceUser), s.mailboxes[i]!.sourcePassword);
  const newInbox = (i: number) => inbox(s.fresh.url(s.mailboxes[i]!.destination), s.mailboxes[i]!.destinationPassword);
  const id = (i: number, stage: "before-cutover" | "at-cutover" | "after-finalize") =>
    noticeMessageId(DOMAIN, s.mailboxes[i]!.address, stage);
  const preview = () => JSON.parse(s.pulumi(["preview", "--json"]).stdout) as PreviewJson;
  const noticeSteps = (p: PreviewJson) => p.steps.filter((x) => x.urn.includes(`::${NOTICE}::`) && x.op !== "refresh");
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let cutoverAt = 0;
  const toStage = (previous: string, stage: string) =>
    s.pulumi(["config", "set-all", "--plaintext", `mailshift:previousStage=${previous}`, "--plaintext", `mailshift:stage=${stage}`]);

  before(async function () {
    this.timeout(45 * 60_000);
    const bin = ensureEngine();
    if (!bin) {
      if (process.env.CI) throw new Error("no pulumi on PATH and no Go toolchain to build one (scripts/pulumi.sh exit 3)");
      this.skip();
    }
    s = await Sandbox.start(bin, { show: false });
    // prepare deployed before notices are on (it tells nobody anything); the tests start at copy, not yet deployed
    s.pulumi(["up", "--yes", "--skip-preview"]);
    for (const c of stageMoveCommands("prepare", "copy")) s.pulumi(c);
    exim = await Exim.start();
    reportFile = `${s.runDir}/pages/report.html`;
    enableNotices(s, { reportFile, smtp: { url: `smtp://${exim.host}:${exim.port}`, backupAddress: BACKUP } });
  });
  after(async () => {
    await exim?.stop();
    await s?.stop();
  });

  it("pulumi preview lists one notice per person with its recipient, subject and INBOX, no secret in clear, and sends nothing", async () => {
    const run = s.pulumi(["preview", "--json"]);
    const p = JSON.parse(run.stdout) as PreviewJson;
    const notices = noticeSteps(p);
    assert.deepEqual(
      notices.map((n) => n.op),
      s.mailboxes.map(() => "create"),
    );
    const inputs = notices.map((n) => n.newState!.inputs!).sort((a, b) => String(a.recipient).localeCompare(String(b.recipient)));
    assert.deepEqual(
      inputs.map((i) => [
        i.recipient,
        i.stage,
        i.appendTo,
        (i.inbox as { user: string }).user,
        (i.backup as { address?: string } | undefined)?.address,
      ]),
      s.mailboxes.map((m, i) => [m.address, "before-cutover", m.sourceUser, m.sourceUser, i === 0 ? BACKUP : undefined]),
    );
    for (const i of inputs) assert.match(String(i.subject), /^Your email moves on /);
    assert.equal(p.steps.filter((x) => x.urn.includes(`::${REPORT}::`) && x.op === "create").length, 1);
    for (const m of s.mailboxes)
      for (const pw of [m.sourcePassword, m.destinationPassword])
        assert.equal(run.stdout.includes(pw), false, `the preview shows a password of ${m.address}`);
    for (let i = 0; i < s.mailboxes.length; i++) assert.deepEqual(noticesIn(await oldInbox(i)), []);
    assert.equal(exim.delivered().length, 0);
    assert.equal(fs.existsSync(reportFile), false, "no page before pulumi up");
  });

  it("pulumi up delivers each person's before-cutover notice into their own old INBOX once, the backup copy by SMTP, and writes the page", async () => {
    s.pulumi(["up", "--yes", "--skip-preview"]);
    for (let i = 0; i < s.mailboxes.length; i++) {
      const mail = await oldInbox(i);
      assert.deepEqual(noticesIn(mail), [`before-cutover ${id(i, "before-cutover")}`], s.mailboxes[i]!.address);
      const n = mail.find((m) => m.messageId === id(i, "before-cutover"))!;
      assert.equal(n.to && !Array.isArray(n.to) ? n.to.value[0]!.address : undefined, s.mailboxes[i]!.address);
      assert.match(n.text ?? "", /Sandbox IT help desk/, "the plain-text part names the backup channel");
      assert.match(String(n.html), /\+1 555 0100/, "the HTML part gives its phone number");
    }
    const sent = await exim.waitForDeliveries(1);
    const backup = await simpleParser(sent[0]!);
    assert.equal(backup.messageId, id(0, "before-cutover"));
    assert.match(sent[0]!.toString("latin1"), new RegExp(`Envelope-to: ${BACKUP}`));
    assert.ok(fs.existsSync(reportFile), "the page is written by pulumi up");
  });

  it("the page pulumi up wrote shows each mailbox's counts, the backup channel and the next window, in Chromium", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(reportFile).href, { waitUntil: "load" });
      for (let i = 0; i < s.mailboxes.length; i++) {
        const row = page.locator(`tr[data-mailbox="${s.mailboxes[i]!.address}"]`);
        assert.equal(await row.locator('[data-field="onSource"]').textContent(), String(loaded(i)));
        assert.equal(await row.locator('[data-field="onDestination"]').textContent(), String(loaded(i)));
        assert.equal(await row.locator('[data-field="verified"]').textContent(), "verified");
      }
      assert.match((await page.getByTestId("contact").textContent()) ?? "", /Sandbox IT help desk/);
      assert.match((await page.locator("#help").textContent()) ?? "", /\+1 555 0100/);
      assert.match((await page.getByTestId("next-window").textContent()) ?? "", /Next maintenance window \(switching over\): .*20:00/);
      assert.match((await page.locator("#notes").textContent()) ?? "", /served on loopback by NSD standing in for Cloudflare/);
    } finally {
      await browser.close();
    }
  });

  it("a second pulumi up delivers nothing: no change planned, one notice per INBOX, one backup copy", async () => {
    const before = fs.statSync(reportFile).mtimeMs;
    s.pulumi(["up", "--yes", "--expect-no-changes"]);
    for (let i = 0; i < s.mailboxes.length; i++) assert.equal(noticesIn(await oldInbox(i)).length, 1);
    assert.equal(exim.delivered().length, 1);
    assert.equal(fs.statSync(reportFile).mtimeMs, before, "nothing changed, so the page is as it was");
  });

  it("pulumi up --refresh copies the notices to the new mailboxes, sends none again, and the page shows the new counts", async () => {
    s.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
    for (let i = 0; i < s.mailboxes.length; i++) {
      assert.equal(noticesIn(await oldInbox(i)).length, 1);
      assert.equal(countMaildir(s.fresh.maildir(s.mailboxes[i]!.destination)), loaded(i) + 1, "the delta pass copied the notice");
    }
    assert.equal(exim.delivered().length, 1);
    const html = fs.readFileSync(reportFile, "utf8");
    for (let i = 0; i < s.mailboxes.length; i++)
      assert.match(html, new RegExp(`data-mailbox="${s.mailboxes[i]!.address}".*?data-field="onSource">${loaded(i) + 1}<`, "s"));
  });

  it("cutover: preview plans the at-cutover notices (the before-cutover ones are forgotten, their mail stays); with the relay down up delivers the INBOX copies and fails naming the backup, the next up sends only that", async () => {
    // the gate into cutover asks the registry: the registrar switch first (the old TTL ran out during copy)
    await s.dns.delegate("new");
    toStage("copy", "cutover");
    const ops = noticeSteps(preview())
      .map((x) => `${x.op} ${x.urn.split("::").pop()!.split("-")[1]}`)
      .sort();
    assert.deepEqual(ops, ["create at", "create at", "delete before", "delete before"]);
    // the relay is down: the INBOX copies go, the backup copy does not, and pulumi up says so
    await exim.stop();
    const failed = s.pulumi(["up", "--yes", "--skip-preview"], { allowFailure: true });
    assert.notEqual(failed.status, 0);
    assert.match(
      failed.stdout + failed.stderr,
      new RegExp(
        `sending the at-cutover notice for ${s.mailboxes[0]!.address} to ${BACKUP} through 127\\.0\\.0\\.1:\\d+ failed.*The INBOX copy is delivered; the next pulumi up sends the backup copy`,
      ),
    );
    for (let i = 0; i < s.mailboxes.length; i++)
      assert.deepEqual(noticesIn(await oldInbox(i)).sort(), [
        `at-cutover ${id(i, "at-cutover")}`,
        `before-cutover ${id(i, "before-cutover")}`,
      ]);
    // the relay is back (on another port): only the backup copy is pending
    exim = await Exim.start();
    s.pulumi(["config", "set", "--path", "mailshift:notices.smtp", `smtp://${exim.host}:${exim.port}`]);
    const pending = noticeSteps(preview())
      .filter((x) => x.op !== "same")
      .map((x) => `${x.op} ${x.urn.split("::").pop()}`)
      .sort();
    // the failed up stopped before forgetting the before-cutover notices; it does so now
    assert.deepEqual(pending, [
      ...s.mailboxes.map((m) => `delete notice-before-cutover-imap-${m.destination}`),
      `update notice-at-cutover-imap-${s.mailboxes[0]!.destination}`,
    ]);
    s.pulumi(["up", "--yes", "--skip-preview"]);
    cutoverAt = Date.now(); // the first up of cutover that succeeded: the finalize gate counts from it
    s.pulumi(["up", "--yes", "--expect-no-changes"]);
    for (let i = 0; i < s.mailboxes.length; i++)
      assert.deepEqual(noticesIn(await oldInbox(i)).sort(), [
        `at-cutover ${id(i, "at-cutover")}`,
        `before-cutover ${id(i, "before-cutover")}`,
      ]);
    const sent = await exim.waitForDeliveries(1);
    assert.equal(sent.length, 1);
    assert.equal((await simpleParser(sent[0]!)).messageId, id(0, "at-cutover"));
  });

  it("finalize: the after-finalize notice goes into the new mailbox's INBOX (logged in as the new address), once", async () => {
    await sleep(Math.max(0, cutoverAt + (FINALIZE_AFTER_SECONDS + 1) * 1000 - Date.now()));
    toStage("cutover", "finalize");
    s.pulumi(["up", "--yes", "--skip-preview"]);
    s.pulumi(["up", "--yes", "--skip-preview"]);
    for (let i = 0; i < s.mailboxes.length; i++) {
      const fresh = noticesIn(await newInbox(i));
      assert.deepEqual(
        fresh.filter((n) => n.startsWith("after-finalize")),
        [`after-finalize ${id(i, "after-finalize")}`],
      );
      assert.equal(noticesIn(await oldInbox(i)).filter((n) => n.startsWith("after-finalize")).length, 0, "not on the old host");
    }
    assert.deepEqual(await Promise.all(exim.delivered().map(async (m) => (await simpleParser(m)).messageId)), [
      id(0, "at-cutover"),
      id(0, "after-finalize"),
    ]);
    const page = fs.readFileSync(reportFile, "utf8");
    assert.match(page, /Stage 4 of 4/);
    // the cutover window closed by the final passes: from cutover's deployment to the last verified pass
    const closed =
      /data-testid="cutover-window" data-state="closed">The cutover window lasted (\d+) s: from the MX change at (\S+) to every late message verified on its new home at (\S+)\.</.exec(
        page,
      );
    assert.ok(closed, page.match(/cutover-window.{0,300}/s)?.[0] ?? "no cutover window on the page");
    assert.ok(Date.parse(closed[2]!) >= cutoverAt - 60_000 && Date.parse(closed[3]!) > Date.parse(closed[2]!), closed[0]);
    // what the rehearsal shows: the old INBOX got the notices read there; the delta passes brought them over
    const found = await noticesFound(s);
    for (const m of s.mailboxes)
      assert.deepEqual(found[m.address], {
        old: ["before-cutover", "at-cutover"],
        new: ["before-cutover", "at-cutover", "after-finalize"],
      });
  });

  it("no password is in clear in the stack's state, history, backups or config files", () => {
    for (const f of s.stateFiles()) {
      const text = fs.readFileSync(f, "utf8");
      for (const m of s.mailboxes)
        for (const p of [m.sourcePassword, m.destinationPassword])
          assert.equal(text.includes(p), false, `${f} holds a password of ${m.address}`);
    }
  });
});
