// A notice's HTML part as a mail client gets it (built by nodemailer, parsed back by mailparser), opened in
// headless Chromium: names with markup stay text, right-to-left names are isolated from the English around
// them, nothing runs and nothing is fetched.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { simpleParser } from "mailparser";
import { composeNotice } from "../../notices/compose";
import { noticeMime } from "../../notices/mime";
import type { NoticePerson, NoticePlan } from "../../notices/types";
import { launchChromium, type Browser } from "../report/browser";

/** Runs in the page: the element's computed direction (the test compiles without the DOM's types). */
const direction = (el: unknown) =>
  (globalThis as unknown as { getComputedStyle(e: unknown): { direction: string } }).getComputedStyle(el).direction;

const NAMES = ["<img src=x onerror=alert(1)>Zoë", "مريم الحسن", 'דוד "Dudu" כהן & Co'];

function plan(people: NoticePerson[]): NoticePlan {
  return {
    domain: "example.com",
    from: { name: "Example IT", address: "it@example.com" },
    contact: { name: "خدمة المساعدة <IT>", phone: "+1 555 0100", url: "https://status.example.net/mail" },
    windows: { cutover: { start: "2026-12-12T20:00+01:00", end: "2026-12-12T23:00+01:00" } },
    oldAddressForwarded: true,
    newHost: {
      imap: { host: "imap.newhost.net", port: 993, security: "SSL/TLS" },
      smtp: { host: "imap.newhost.net", port: 587, security: "STARTTLS" },
    },
    people,
  };
}

describe("notice HTML in headless Chromium", function () {
  this.timeout(90_000);
  let browser: Browser;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-notice-"));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows every name as text, right-to-left names isolated, with no script, image or request", async () => {
    for (const [i, name] of NAMES.entries()) {
      const p: NoticePerson = {
        source: `p${i}@example.com`,
        sourceUser: `p${i}@example.com`,
        displayName: name,
        route: "imap",
        destination: `p${i}@mail2.example.com`,
        addressChanges: true,
      };
      const n = composeNotice(plan([p]), p, "before-cutover");
      const parsed = await simpleParser(await noticeMime(n, new Date("2026-12-01T10:00:00Z")));
      const file = path.join(dir, `notice-${i}.html`);
      fs.writeFileSync(file, parsed.html as string);

      const page = await browser.context.newPage();
      const requests: string[] = [];
      const dialogs: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: "load" });
      assert.equal(await page.title(), n.subject);
      // the greeting's <bdi> holds the name as text, exactly
      const hello = page.locator("p", { hasText: "Hello" }).locator("bdi");
      assert.equal(await hello.textContent(), name);
      const rtl = /[\u0590-\u08ff]/.test(name);
      assert.equal(await hello.evaluate(direction), rtl ? "rtl" : "ltr", `${name}: direction inside <bdi>`);
      assert.equal(await page.locator("p", { hasText: "Hello" }).evaluate(direction), "ltr", "the sentence stays left-to-right");
      // the contact's Arabic name with <IT> is text too
      assert.equal(await page.locator("p", { hasText: "Contact" }).locator("bdi").textContent(), "خدمة المساعدة <IT>");
      assert.equal(await page.locator("script").count(), 0);
      assert.equal(await page.locator("img").count(), 0);
      assert.deepEqual(dialogs, []);
      assert.deepEqual(requests, [url], "the page fetched something");
      if (i === 1) {
        const shot = path.join(os.tmpdir(), `mailshift-notice-${process.pid}.png`);
        await page.setViewportSize({ width: 800, height: 900 });
        await page.screenshot({ path: shot, fullPage: true });
        process.stdout.write(`      screenshot: ${shot}\n`);
      }
      await page.close();
    }
  });
});
