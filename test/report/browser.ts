// Headless Chromium for the report test: Debian's chromium (installed here when missing, as the Dovecot harness
// does for dovecot), driven by playwright-core through executablePath, with a fresh profile each time.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export class ChromiumError extends Error {
  override name = "ChromiumError";
}

/** Installs Debian's chromium when it is missing (as root), else says what to install. */
export function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  const what = "Chromium is not installed: install Debian's chromium (`sudo apt-get install -y chromium`)";
  if (process.getuid?.() !== 0) throw new ChromiumError(`${what}; the report test installs it itself only when run as root.`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  } catch (err) {
    throw new ChromiumError(`${what}; apt-get failed: ${(err as Error).message}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new ChromiumError(`${what}; apt-get install chromium finished but ${CHROMIUM} is still missing.`);
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with its own throw-away profile (Playwright passes it as --user-data-dir), removed on close. */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mailshift-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 20_000,
    });
    return {
      context,
      close: async () => {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
