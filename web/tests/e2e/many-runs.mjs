// Browser tests of the dashboard on a sweep of thousands of runs (issue 20), against a REAL
// `vizjobs board` on a logdir written by tensorboardX (write_many_runs.py: runs named
// `lr=<lr>_seed=<seed>` over 5 learning rates, tags `loss` and `acc`, hparams `lr` and `seed`;
// `lr=0.1_seed=0007` has the lowest minimum of `loss`). Drives Debian's chromium with playwright-core.
//
// Environment:
//   VIZJOBS_DASHBOARD_URL  the board's page, e.g. http://127.0.0.1:6006/
//   VIZJOBS_MANY_RUNS      how many runs the logdir holds (default 2000)
//   VIZJOBS_SCREENSHOTS    folder for screenshots (default ../target/e2e-screenshots)
//   CHROMIUM               browser binary (default /usr/bin/chromium)
// Prints one line per check and closes with "N passed, N failed"; exits non-zero on failure.
import { checks, expect, launchChromium, screenshotDir } from "./harness.mjs";

const url = process.env.VIZJOBS_DASHBOARD_URL;
if (!url) {
  console.error("VIZJOBS_DASHBOARD_URL is not set");
  process.exit(2);
}
const total = Number(process.env.VIZJOBS_MANY_RUNS ?? "2000");
const perLr = total / 5;
const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
const requests = [];
page.on("request", (r) => {
  const p = new URL(r.url()).pathname;
  if (p.includes("/data/scalars")) requests.push({ path: p, method: r.method() });
});

const { check, shot, finish } = checks(page, screenshotDir(), "many-");
/** The number of runs each chart drew, by tag. */
const drawn = () =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll(".chart-card")].map((c) => [c.dataset.tag, Number(c.dataset.runsDrawn)])));
const waitDrawn = (tag, n, timeout = 30_000) =>
  page.waitForFunction(
    ([t, want]) => document.querySelector(`.chart-card[data-tag="${t}"]`)?.dataset.runsDrawn === String(want),
    [tag, n],
    { timeout },
  );
/** Opaque pixels of a chart's canvas that are close to a colour. */
const pixelsNear = (tag, rgb) =>
  page.locator(`.chart-card[data-tag="${tag}"] canvas`).first().evaluate((c, [r, g, b]) => {
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40) n++;
    }
    return n;
  }, rgb);

await check(`the first screen draws every run (${total}) in one request per chart`, async () => {
  const opened = Date.now();
  await page.goto(url);
  await waitDrawn("loss", total, 90_000);
  await waitDrawn("acc", total, 90_000);
  console.log(`  both charts drawn after ${Date.now() - opened} ms`);
  const posts = requests.filter((r) => r.path.endsWith("/data/scalars_multirun"));
  const singles = requests.filter((r) => r.path.endsWith("/data/scalars"));
  expect(posts.length === 2 && posts.every((r) => r.method === "POST"), `multi-run requests: ${JSON.stringify(posts)}`);
  expect(singles.length === 0, `${singles.length} single-run requests`);
  await shot("01-first-screen");
});

await check("the run list is virtualised: few rows in the DOM, every run reachable", async () => {
  const count = (await page.locator(".runs h2 .run-count").innerText()).trim();
  expect(count === `(${total})`, `count ${count}`);
  const rows = await page.locator("li.run").count();
  expect(rows > 5 && rows < 120, `${rows} rows in the DOM`);
  await page.locator(".run-scroller").evaluate((s) => (s.scrollTop = s.scrollHeight));
  const last = `lr=0.1_seed=${String(perLr - 1).padStart(4, "0")}`;
  await page.locator(`li.run[data-run="${last}"]`).waitFor({ timeout: 5_000 });
  expect((await page.locator("li.run").count()) < 120, "scrolling added rows instead of replacing them");
  await page.locator(".run-scroller").evaluate((s) => (s.scrollTop = 0));
});

await check("the filter narrows the list and the charts", async () => {
  await page.locator("#run-filter").fill("lr=0.01_");
  await waitDrawn("loss", perLr);
  await waitDrawn("acc", perLr);
  const count = (await page.locator(".runs h2 .run-count").innerText()).trim();
  expect(count === `(${perLr} of ${total})`, `count ${count}`);
  const names = await page.locator("li.run").evaluateAll((rows) => rows.map((r) => r.dataset.run));
  expect(names.length > 0 && names.every((n) => n.startsWith("lr=0.01_")), `rows ${names.slice(0, 5)}`);
  await shot("02-filtered");
  await page.locator("#run-filter").fill("");
  await waitDrawn("loss", total);
});

await check("grouping by a regex capture draws each group's band, and a chip hides its group", async () => {
  const before = await page.locator('.chart-card[data-tag="loss"] canvas').first().screenshot();
  await page.locator("#group-by").selectOption("re");
  await page.locator("#group-regex").fill("lr=([0-9.]+)");
  const chips = page.locator(".group-chip");
  await page.waitForFunction(() => document.querySelectorAll(".group-chip").length === 5);
  const labels = await chips.evaluateAll((c) => c.map((x) => x.dataset.group));
  expect(JSON.stringify(labels) === JSON.stringify(["0.0001", "0.001", "0.01", "0.03", "0.1"]), `groups ${labels}`);
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.groupsDrawn === "5");
  const after = await page.locator('.chart-card[data-tag="loss"] canvas').first().screenshot();
  expect(!before.equals(after), "grouping did not change the chart");
  // The first group's colour (palette slot 0, #1f77b4) is painted: its line and band.
  const blue = await pixelsNear("loss", [0x1f, 0x77, 0xb4]);
  expect(blue > 150, `only ${blue} pixels of the first group's colour`);
  expect(new URL(page.url()).searchParams.get("group") === "re:lr=([0-9.]+)", `URL ${page.url()}`);
  await shot("03-groups");
  await chips.first().click();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.groupsDrawn === "4");
  await waitDrawn("loss", total - perLr);
  expect((await chips.first().getAttribute("aria-pressed")) === "false", "the chip does not show it is off");
  const blueHidden = await pixelsNear("loss", [0x1f, 0x77, 0xb4]);
  expect(blueHidden < blue / 4, `the hidden group still paints ${blueHidden} pixels (was ${blue})`);
  await chips.first().click();
  await waitDrawn("loss", total);
  await page.locator("#group-by").selectOption("");
  await page.waitForFunction(() => document.querySelectorAll(".group-chip").length === 0);
});

await check("runs group by an hparam's value and are selected by it", async () => {
  await page.waitForFunction(() => !!document.querySelector('#group-by option[value="hp:lr"]'));
  await page.locator("#group-by").selectOption("hp:lr");
  await page.waitForFunction(() => document.querySelectorAll(".group-chip").length === 5);
  const labels = await page.locator(".group-chip").evaluateAll((c) => c.map((x) => x.dataset.group));
  expect(JSON.stringify(labels) === JSON.stringify(["0.0001", "0.001", "0.01", "0.03", "0.1"]), `groups ${labels}`);
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.groupsDrawn === "5");
  await page.locator("#group-by").selectOption("");
  await page.waitForFunction(() => document.querySelectorAll(".group-chip").length === 0);
  await page.locator("#hparam-name").selectOption("lr");
  await page.locator("#hparam-value").selectOption("0.03");
  await page.locator(".hparam-select button").click();
  await waitDrawn("loss", perLr);
  const count = (await page.locator(".runs h2 .run-count").innerText()).trim();
  expect(count === `(${total})`, `count ${count}`);
  const names = await page.locator("li.run").evaluateAll((rows) => rows.filter((r) => r.querySelector("input[type=checkbox]").checked).map((r) => r.dataset.run));
  expect(names.every((n) => n.startsWith("lr=0.03_")), `checked rows ${names.slice(0, 5)}`);
  await shot("04-hparam-selection");
  await page.locator("#toggle-all-runs").check();
  await waitDrawn("loss", total);
});

await check("hovering lists the nearest few runs, not thousands", async () => {
  const over = page.locator('.chart-card[data-tag="loss"] .u-over');
  const box = await over.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.8);
  const tooltip = page.locator('.chart-card[data-tag="loss"] .chart-tooltip');
  await tooltip.waitFor({ state: "visible", timeout: 5_000 });
  const rows = await tooltip.locator("tbody tr").count();
  expect(rows >= 1 && rows <= 5, `${rows} rows`);
  const note = await tooltip.innerText();
  expect(note.includes(`of ${total} runs`), note);
  await shot("04-hover");
  await page.mouse.move(0, 0);
});

await check("top-k ranks the runs by a metric and selects them", async () => {
  await page.locator("details.topk summary").click();
  await page.locator("#topk-tag").selectOption("loss");
  await page.locator("#topk-by").selectOption("min");
  await page.locator("#topk-k").fill("5");
  await page.locator("#topk-rank").click();
  const rows = page.locator(".topk-table tbody tr");
  await page.waitForFunction(() => document.querySelectorAll(".topk-table tbody tr").length === 5);
  const first = await rows.first().getAttribute("data-run");
  expect(first === "lr=0.1_seed=0007", `best by min is ${first}`);
  const ranked = await rows.evaluateAll((r) => r.map((x) => x.dataset.run));
  await page.locator("#topk-select").click();
  await waitDrawn("loss", 5);
  const url = new URL(page.url());
  expect(JSON.stringify(url.searchParams.getAll("run").sort()) === JSON.stringify([...ranked].sort()), `URL ${url.search}`);
  // The list is virtualised: look at the best run's row and a run not ranked through the filter.
  await page.locator("#run-filter").fill("^lr=0\\.1_seed=000[0-9]$");
  const best = await page.locator('li.run[data-run="lr=0.1_seed=0007"] input[type=checkbox]').isChecked();
  expect(best, "the best run is not checked in the run list");
  const count = (await page.locator(".runs h2 .run-count").innerText()).trim();
  expect(count === `(10 of ${total})`, `count ${count}`);
  const checked = await page.locator("li.run input[type=checkbox]:checked").count();
  expect(checked === ranked.filter((r) => /^lr=0\.1_seed=000[0-9]$/.test(r)).length, `${checked} of the 10 rows checked`);
  await shot("05-topk");
});

await check("a large selection is in the URL compactly and survives a reload", async () => {
  // Everything but the lr=0.001 runs: 4/5 of the runs.
  await page.locator("#run-filter").fill("");
  await page.locator("#toggle-all-runs").check();
  await waitDrawn("loss", total);
  await page.locator("#run-filter").fill("lr=0.001_");
  await page.locator("#toggle-all-runs").uncheck();
  await page.locator("#run-filter").fill("");
  await waitDrawn("loss", total - perLr);
  const link = page.url();
  const search = new URL(link).search;
  expect(search.includes("runsel=") && !search.includes("run="), `URL ${search.slice(0, 200)}`);
  expect(search.length < 600, `URL query of ${search.length} characters`);
  await page.goto(link);
  await waitDrawn("loss", total - perLr, 90_000);
  await page.locator("#run-filter").fill("lr=0.001_");
  await page.waitForFunction(() => document.querySelector(".runs h2 .run-count")?.textContent?.includes(" of "));
  const shown = await page.locator("li.run").count();
  const unchecked = await page.locator("li.run input[type=checkbox]:not(:checked)").count();
  expect(shown > 5 && unchecked === shown, `${unchecked} of ${shown} lr=0.001 rows unchecked after the reload`);
  await page.locator("#run-filter").fill("");
  await shot("06-reloaded-selection");
});

await browser.close();
finish();
