// What the browser-test files share (run.mjs, many-runs.mjs, graphs.mjs): headless Debian
// Chromium through playwright-core, the screenshot folder, and checks that print one line each
// and end with "N passed, N failed" and the exit status.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

/** Chromium with the flags this closed network needs (no background connections). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** The screenshot folder (VIZJOBS_SCREENSHOTS), made if missing. */
export function screenshotDir() {
  const dir = path.resolve(process.env.VIZJOBS_SCREENSHOTS ?? "../target/e2e-screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const expect = (cond, message) => {
  if (!cond) throw new Error(message);
};

/**
 * Named checks on a page: a failing one is reported with a screenshot and the run goes on.
 * `prefix` starts every screenshot's file name.
 */
export function checks(page, dir, prefix = "") {
  let passed = 0;
  let failed = 0;
  return {
    async check(name, body) {
      try {
        await body();
        passed++;
        console.log(`ok - ${name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL - ${name}: ${e instanceof Error ? e.message : e}`);
        await page.screenshot({ path: path.join(dir, `${prefix}failed-${name.replace(/\W+/g, "_")}.png`) }).catch(() => {});
      }
    },
    shot: (name) => page.screenshot({ path: path.join(dir, `${prefix}${name}.png`) }),
    /** Prints the totals and exits: non-zero when a check failed. */
    finish() {
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed === 0 ? 0 : 1);
    },
  };
}
