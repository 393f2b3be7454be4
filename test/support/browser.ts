/**
 * Real Chromium for the observer's browser tests, driven by playwright-core.
 * Locally a missing /usr/bin/chromium skips the test with a clear message;
 * in CI (`AGNER_REQUIRE_BROWSER=1`, .ci/run installs Debian's `chromium`) it
 * is a failure.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

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
