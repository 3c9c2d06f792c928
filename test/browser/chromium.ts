// Headless Chromium for the browser tests: Debian's package (/usr/bin/chromium; CI installs it),
// driven by playwright-core, in a new empty profile directory, with everything that could reach
// the network on its own turned off (background networking, component updates, sync, QUIC).
// Disposable: closing is bounded, and the profile directory is removed.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const CLOSE_MS = 10_000;

export interface Chromium extends AsyncDisposable {
  readonly context: BrowserContext;
  readonly userDataDir: string;
}

export async function launchChromium(viewport = { width: 1920, height: 1080 }): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium package (apt-get install chromium)`);
  const userDataDir = mkdtempSync(join(tmpdir(), "caracal-chromium-"));
  let context: BrowserContext;
  try {
    // Playwright takes the profile directory as this argument (it refuses --user-data-dir in args).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, viewport, timeout: 30_000,
      reducedMotion: "reduce", acceptDownloads: true, locale: "en-US", timezoneId: "UTC",
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context, userDataDir,
    async [Symbol.asyncDispose]() {
      const timeout = new Promise((r) => setTimeout(r, CLOSE_MS, "timeout"));
      // A hung browser must not hang the test run: past the bound, Playwright's exit hook kills it.
      if ((await Promise.race([context.close().then(() => "closed", () => "closed"), timeout])) === "timeout") console.error(`chromium did not close within ${CLOSE_MS} ms`);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
