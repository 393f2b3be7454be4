/**
 * Real Chromium for the observer's browser tests, driven by playwright-core.
 * Locally a missing /usr/bin/chromium skips the test with a clear message;
 * in CI (`AGNER_REQUIRE_BROWSER=1`, .ci/run installs Debian's `chromium`) it
 * is a failure.
 */
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { tempDir } from "./temp_dir.js";
import { type ObserverHandle, type ObserverOptions, startObserver } from "../../src/index.js";

export const CHROMIUM = process.env.AGNER_CHROMIUM ?? "/usr/bin/chromium";

/** Options for `describe()`: `{ skip: reason }` when Chromium is missing and allowed to be. */
export function needsBrowser(): { skip?: string } {
  if (existsSync(CHROMIUM)) return {};
  if (process.env.AGNER_REQUIRE_BROWSER === "1") throw new Error(`AGNER_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install chromium)`);
  return { skip: `${CHROMIUM} not installed: browser test skipped (apt-get install chromium to run it)` };
}

/** Headless Chromium without any network use of its own (no updates, sync or QUIC). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Where the observer's browser tests save screenshots: docs/observer/
 * (docs/observer.md shows them) with AGNER_OBSERVER_SHOTS=docs, else a
 * temporary directory removed when the test process exits, so a test run
 * leaves the tree and /tmp as they were.
 */
export function observerShots(): string {
  if (process.env.AGNER_OBSERVER_SHOTS === "docs") {
    const dir = resolve(fileURLToPath(import.meta.url), "../../../../docs/observer");
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  return tempDir("agner-observer-shots-");
}

/** An observer of this node and one Chromium page for it; `close()` ends both. */
export async function observerInBrowser(options: ObserverOptions, viewport = { width: 1280, height: 900 }): Promise<{ obs: ObserverHandle; browser: Browser; page: Page; close(): Promise<void> }> {
  const obs = await startObserver(options);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport });
  return {
    obs,
    browser,
    page,
    close: async () => {
      await browser.close();
      await obs.close();
    },
  };
}
