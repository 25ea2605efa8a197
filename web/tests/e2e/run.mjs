// Browser tests of the console and the dashboard against a REAL `vizjobs serve` (no fake server).
// Drives Debian's chromium with playwright-core. Configuration (environment):
//   VIZJOBS_URL         base URL of a running `vizjobs serve`, e.g. http://127.0.0.1:8080
//   VIZJOBS_ACCOUNT, VIZJOBS_USERNAME, VIZJOBS_PASSWORD   console login
//   VIZJOBS_TRAIN_URL   train_url of a copy of shared/fixtures/events/tbx_basic the server may read
//   VIZJOBS_MS_RUN      name of the run in that logdir that is a copy of
//                       shared/fixtures/mindspore/run_a (default ms_run_a)
//   (the logdir also holds the runs `hostile` and `hostile_blobs` that write_hostile_text.py
//   and write_hostile_blobs.py write)
//   VIZJOBS_SCREENSHOTS folder for screenshots (default ../target/e2e-screenshots)
//   CHROMIUM            browser binary (default /usr/bin/chromium)
// Prints one line per check and closes with "N passed, N failed"; exits non-zero on failure.
import { cpSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { checks, expect, launchChromium, screenshotDir } from "./harness.mjs";

const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (see the header of ${import.meta.url})`);
    process.exit(2);
  }
  return v;
};
const base = need("VIZJOBS_URL").replace(/\/$/, "");
const account = need("VIZJOBS_ACCOUNT");
const username = need("VIZJOBS_USERNAME");
const password = need("VIZJOBS_PASSWORD");
const trainUrl = need("VIZJOBS_TRAIN_URL");
const msRun = process.env.VIZJOBS_MS_RUN ?? "ms_run_a";
const shots = screenshotDir();

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
const external = [];
page.on("request", (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) external.push(r.url());
});
page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
// The content type of every series the dashboard fetched: it must use the binary form.
const scalarAnswers = [];
page.on("response", (r) => {
  const path = new URL(r.url()).pathname;
  if (path.endsWith("/data/scalars") || path.endsWith("/data/scalars_multirun")) {
    scalarAnswers.push({ url: r.url(), type: r.headers()["content-type"] ?? "" });
  }
});

const { check, shot, finish } = checks(page, shots);

const jobName = `e2e-${Date.now() % 1e8}`;
let dashboardUrl = "";

await check("log in", async () => {
  await page.goto(`${base}/`);
  await page.getByLabel("Account").fill(account);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await shot("01-login");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("table", { name: "Visualization jobs" }).waitFor();
});

await check("create form explains what is wrong in words, with the API's limits", async () => {
  await page.getByRole("button", { name: "New job" }).click();
  const name = page.getByLabel("Name", { exact: true });
  // The field takes at most the 20 characters its hint and the API allow.
  await name.fill("a".repeat(30));
  const typed = await name.inputValue();
  expect(typed.length === 20, `the name field holds ${typed.length} characters`);
  await name.fill("bad name!");
  await page.getByLabel("Auto-stop after (hours)").fill("1.5");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByText("The name may only use letters, digits, '_' and '-' (not spaces).").waitFor();
  await page.getByText("Auto-stop must be a whole number of hours from 0 to 24: 1.5 is not a whole number of hours; enter 1 or 2.").waitFor();
  await shot("01b-create-form-messages");
  await page.getByLabel("Auto-stop after (hours)").fill("");
});

// A MindInsight job (not the form's default) so that seeing its type shown proves it came from
// the job.
await check("create a job and see it run", async () => {
  await page.getByLabel("Name", { exact: true }).fill(jobName);
  await page.getByLabel("Log folder (train_url)").fill(trainUrl);
  await page.getByLabel("Type", { exact: true }).selectOption("mindinsight");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  const row = page.locator(`tr[data-job-name="${jobName}"]`);
  await row.getByText("Running", { exact: true }).waitFor({ timeout: 60_000 });
  dashboardUrl = (await row.getByRole("link", { name: "Open dashboard" }).getAttribute("href")) ?? "";
  expect(dashboardUrl.includes("/vj/"), `service_url ${dashboardUrl}`);
  const type = (await row.locator("td.job-type").innerText()).trim();
  expect(type === "MindInsight", `job type column shows "${type}"`);
  const folder = (await row.locator("td.train-url").innerText()).trim();
  expect(folder === trainUrl, `log folder column shows "${folder}"`);
  await shot("02-console-running");
});

await check("console: search, status filter, page size and sort survive a reload", async () => {
  await page.getByLabel("Search jobs").fill(jobName.slice(0, 8));
  await page.getByLabel("Status").selectOption({ label: "Running" });
  await page.getByLabel("Per page").selectOption("20");
  await page.getByRole("button", { name: "Name" }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get("sort") === "job_name");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("q") !== null);
  const before = new URL(page.url()).search;
  await page.reload();
  await page.getByRole("table", { name: "Visualization jobs" }).waitFor();
  await page.locator(`tr[data-job-name="${jobName}"]`).waitFor();
  expect(new URL(page.url()).search === before, `address after reload: ${page.url()} (before ${before})`);
  expect((await page.getByLabel("Search jobs").inputValue()) === jobName.slice(0, 8), "search box lost its text");
  expect((await page.getByLabel("Per page").inputValue()) === "20", "page size lost");
  const status = await page.getByLabel("Status").evaluate((s) => s.options[s.selectedIndex].text);
  expect(status === "Running", `status filter shows ${status}`);
  const sorted = await page.getByRole("button", { name: /^Name/ }).locator("xpath=..").getAttribute("aria-sort");
  expect(sorted === "ascending", `name column aria-sort=${sorted}`);
  await shot("02b-console-state-after-reload");
  await page.goto(`${base}/`);
  await page.getByRole("table", { name: "Visualization jobs" }).waitFor();
});

await check("a logged-out visitor of a dashboard logs in and comes back to it", async () => {
  const fresh = await browser.newContext();
  try {
    // A client that is not a browser still gets the API's JSON error.
    const api = await fresh.request.get(new URL(dashboardUrl, base).href, { headers: { Accept: "application/json" } });
    const apiBody = await api.json().catch(() => null);
    expect(api.status() === 401 && apiBody?.error_code, `logged-out JSON client got ${api.status()} ${JSON.stringify(apiBody)}`);
    const tab = await fresh.newPage();
    await tab.goto(dashboardUrl);
    await tab.getByLabel("Account").waitFor();
    expect(new URL(tab.url()).searchParams.get("next") === new URL(dashboardUrl, base).pathname, `login page at ${tab.url()}`);
    await tab.screenshot({ path: path.join(shots, "02c-logged-out-to-login.png") });
    await tab.getByLabel("Account").fill(account);
    await tab.getByLabel("User name").fill(username);
    await tab.getByLabel("Password").fill(password);
    await tab.getByRole("button", { name: "Log in" }).click();
    await tab.waitForURL((u) => u.pathname === new URL(dashboardUrl, base).pathname, { timeout: 15_000 });
    await tab.locator(".chart-card canvas").first().waitFor();
  } finally {
    await fresh.close();
  }
});

await check("a dashboard of a job that does not exist is a page with a console link", async () => {
  const parts = new URL(dashboardUrl, base).pathname.split("/");
  const missing = `${base}/vj/${parts[2]}/987654321/`;
  const answer = await page.goto(missing);
  expect(answer?.status() === 404, `status ${answer?.status()}`);
  expect((answer?.headers()["content-type"] ?? "").startsWith("text/html"), `content type ${answer?.headers()["content-type"]}`);
  await page.getByRole("heading", { name: "This visualization job does not exist" }).waitFor();
  const link = await page.locator("#console-link").getAttribute("href");
  expect(link === "/", `console link ${link}`);
  await shot("02d-no-such-job-page");
  const json = await page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { Accept: "application/json" } });
    return { status: r.status, body: await r.json() };
  }, missing);
  expect(json.status === 404 && json.body.error_code === "ModelArts.0103", `fetch got ${JSON.stringify(json)}`);
  await page.goto(`${base}/`);
  await page.getByRole("table", { name: "Visualization jobs" }).waitFor();
});

await check("dashboard: loss chart has 200 train and 20 eval points", async () => {
  const opened = Date.now();
  await page.goto(dashboardUrl);
  await page.locator(".chart-card canvas").first().waitFor();
  console.log(`  first chart drawn after ${Date.now() - opened} ms`);
  // Charts are made when scrolled near: bring the loss chart's place into view first.
  await page.locator('[data-tag="loss"]:is(.chart-slot, .chart-card)').first().scrollIntoViewIfNeeded();
  const loss = page.locator('.chart-card[data-tag="loss"]');
  await loss.waitFor();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.points?.includes("train=200"));
  const points = await loss.getAttribute("data-points");
  expect(points?.split(";").includes("train=200") && points.split(";").includes("eval=20"), `points: ${points}`);
  expect(scalarAnswers.length > 0, "no data/scalars request seen");
  // One binary form per endpoint: a run's columns, or the multi-run framing of them.
  const binaryType = (url) =>
    new URL(url).pathname.endsWith("_multirun") ? "application/vnd.vizjobs.scalar-columns-multirun" : "application/vnd.vizjobs.scalar-columns";
  const notBinary = scalarAnswers.filter((a) => new URL(a.url).searchParams.get("format") !== "binary" || a.type !== binaryType(a.url));
  expect(notBinary.length === 0, `series fetched without the binary form: ${JSON.stringify(notBinary.slice(0, 3))}`);
  await shot("03-dashboard-scalars");
});

await check("header shows the job type; runs show their log format", async () => {
  const jobType = page.locator("#job-type");
  await jobType.waitFor();
  expect((await jobType.innerText()).trim() === "MindInsight job", `header job type: ${await jobType.innerText()}`);
  const runs = await page.evaluate(async () => (await fetch("data/runs")).json());
  const ms = runs.find((r) => r.name === msRun);
  expect(ms?.format === "mindspore", `data/runs says ${JSON.stringify(ms)}`);
  const msBadge = page.locator(`li.run[data-run="${msRun}"] .format-badge`);
  expect((await msBadge.innerText()).trim() === "MS", `badge of ${msRun}: ${await msBadge.innerText()}`);
  expect((await msBadge.getAttribute("title"))?.includes("MindSpore"), `tooltip: ${await msBadge.getAttribute("title")}`);
  // A TensorBoard run beside it must not be labelled MindSpore.
  const back = page.locator("header a.console-link");
  expect((await back.getAttribute("href")) === "/", `console link ${await back.getAttribute("href")}`);
  const tbBadge = page.locator('li.run[data-run="train"] .format-badge');
  expect((await tbBadge.innerText()).trim() === "TB", `badge of train: ${await tbBadge.innerText()}`);
  await shot("03-run-formats");
});

await check("smoothing slider changes the line", async () => {
  const canvas = page.locator('.chart-card[data-tag="loss"] canvas');
  const before = await canvas.screenshot();
  await page.locator("#smoothing").fill("0.95");
  await page.waitForTimeout(300);
  const after = await canvas.screenshot();
  expect(!before.equals(after), "the chart did not change");
  expect(new URL(page.url()).searchParams.get("smoothing") === "0.95", `URL ${page.url()}`);
  await shot("04-smoothing");
});

await check("images open zoomed", async () => {
  await page.getByRole("tab", { name: "Images" }).click();
  const button = page.getByRole("button", { name: /Zoom image samples\/input/ }).first();
  await button.waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll("img.sample")].some((i) => i.complete && i.naturalWidth > 0));
  await shot("05-images");
  await button.click();
  await page.locator("dialog.zoom-dialog img").waitFor();
  await shot("05-images-zoom");
  await page.keyboard.press("Escape");
});

// Cards are built when scrolled near, and the MindSpore runs' tag groups come before `weights`:
// scroll the tag's heading into view.
const showTag = (tag) => page.locator("h3.tag-heading", { hasText: new RegExp(`^${tag}$`) }).scrollIntoViewIfNeeded();

await check("histogram is drawn", async () => {
  await page.getByRole("tab", { name: "Histograms" }).click();
  const card = page.locator('figure.card[data-tag="weights/dense"][data-run="train"]');
  await showTag("weights/dense");
  await card.locator("canvas.hist-canvas").waitFor();
  await page.waitForFunction(
    () => document.querySelector('figure.card[data-tag="weights/dense"][data-run="train"]')?.dataset.state === "drawn",
  );
  // Something other than the background was painted on the canvas.
  const painted = await card.locator("canvas.hist-canvas").evaluate((c) => {
    const ctx = c.getContext("2d");
    const pixels = ctx.getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) opaque++;
    return opaque;
  });
  expect(painted > 1000, `only ${painted} pixels painted`);
  await card.scrollIntoViewIfNeeded();
  await shot("06-histograms");
});

const readout = async (card) =>
  Object.fromEntries(
    await card.locator(".readout-item").evaluateAll((items) => items.map((i) => [i.dataset.field, i.lastChild?.textContent ?? ""])),
  );
await check("histograms read out the step and bucket under the cursor, offset and overlay", async () => {
  for (const mode of ["Offset", "Overlay"]) {
    await page.getByLabel("Histogram mode").selectOption({ label: mode });
    const card = page.locator('figure.card[data-tag="weights/dense"][data-run="train"]');
    const canvas = card.locator("canvas.hist-canvas");
    await showTag("weights/dense");
    await canvas.waitFor();
    await page.waitForFunction(
      () => document.querySelector('figure.card[data-tag="weights/dense"][data-run="train"]')?.dataset.state === "drawn",
    );
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    // Middle of the value range, low in the chart: the newest step's ridge in offset mode.
    await canvas.hover({ position: { x: box.width * 0.45, y: box.height * 0.8 } });
    await card.locator('.readout-item[data-field="bucket"]').waitFor();
    const values = await readout(card);
    expect(/^\d+$/.test(values.step ?? ""), `${mode}: step ${values.step}`);
    expect(/^\[.+, .+\)$/.test(values.bucket ?? ""), `${mode}: bucket ${values.bucket}`);
    expect(values.count !== undefined, `${mode}: no count`);
    await shot(`06-histogram-readout-${mode.toLowerCase()}`);
    await page.mouse.move(0, 0);
  }
});

// Not in the issue's list, but they are what a user sees: each remaining tab draws something.
await check("distributions, PR curves and hparams render", async () => {
  await page.getByRole("tab", { name: "Distributions" }).click();
  await page.locator('figure.card[data-tag="weights/dense"] .plot-host canvas').first().waitFor();
  await shot("06-distributions");
  await page.getByRole("tab", { name: "PR curves" }).click();
  await page.locator("canvas.pr-canvas").first().waitFor();
  await shot("06-pr-curves");
  // The readout under the cursor: threshold, precision, recall and the four counts.
  const pr = page.locator("canvas.pr-canvas").first();
  const prCard = pr.locator("xpath=ancestor::figure[1]");
  await pr.scrollIntoViewIfNeeded();
  const box = await pr.boundingBox();
  await pr.hover({ position: { x: box.width * 0.5, y: box.height * 0.3 } });
  await prCard.locator('.readout-item[data-field="threshold"]').waitFor();
  const values = await readout(prCard);
  for (const field of ["threshold", "precision", "recall", "TP", "FP", "TN", "FN"]) {
    expect(values[field] !== undefined && values[field] !== "–", `PR readout ${field}: ${values[field]}`);
  }
  const [tp, fp, tn, fn] = ["TP", "FP", "TN", "FN"].map((f) => Number(values[f]));
  expect(Math.abs(tp / (tp + fp) - Number(values.precision)) < 0.01 || tp + fp === 0, `precision ${values.precision} vs TP/(TP+FP) ${tp}/${tp + fp}`);
  expect(Math.abs(tp / (tp + fn) - Number(values.recall)) < 0.01 || tp + fn === 0, `recall ${values.recall} vs TP/(TP+FN)`);
  expect(tn >= 0, `TN ${tn}`);
  await shot("06-pr-curve-readout");
  await page.mouse.move(0, 0);
  await page.getByRole("tab", { name: "HParams" }).click();
  await page.locator("table.hparams tbody tr").first().waitFor();
  await shot("06-hparams");
});

await check("custom scalars: categories, a regex multiline chart and a margin chart with its band", async () => {
  await page.getByRole("tab", { name: "Custom scalars" }).click();
  const margin = page.locator('figure.custom-chart[data-title="accuracy with bounds"]');
  await margin.locator("canvas").first().waitFor();
  await page.waitForFunction(() => document.querySelector('figure.custom-chart[data-title="accuracy with bounds"]')?.dataset.bands === "1");
  const multi = page.locator('figure.custom-chart[data-title="every accuracy tag"]');
  await page.waitForFunction(() => document.querySelector('figure.custom-chart[data-title="every accuracy tag"]')?.dataset.lines === "3");
  expect(await page.locator('details.group[data-category="Training"]').count() === 1, "the tbx_basic layout's category is missing");
  expect(await page.locator('details.group[data-category="Bands"]').count() === 1, "the margins run's category is missing");
  // The band is painted: pixels of the run's colour at low alpha between the bounds.
  const painted = await margin.locator("canvas").first().evaluate((c) => {
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let translucent = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0 && data[i] < 128) translucent++;
    return translucent;
  });
  expect(painted > 2000, `only ${painted} translucent pixels: no band`);
  expect((await multi.locator(".u-legend .u-label").allTextContents()).some((t) => t.includes("acc/high")), "legend lacks acc/high");
  await shot("06g-custom-scalars");
});

// The sweep written by write_hparams_sweep.py: six sessions under sweep/, two with optimizer sgd,
// one with a `dropout` key the others lack, one whose name is markup.
const sweepRun = (name) => `sweep/${name}`;
const keptLines = () => page.locator("svg.hp-parallel polyline.hp-line:not(.hp-faint)").count();
await check("hparams: parallel coordinates keep sessions with differing keys; filters narrow the lines", async () => {
  await page.getByRole("tab", { name: "HParams" }).click();
  await page.getByRole("tab", { name: "Parallel coordinates" }).click();
  await page.locator("svg.hp-parallel").waitFor();
  const all = await keptLines();
  const sweepLines = await page.locator("svg.hp-parallel polyline.hp-line[data-run^='sweep/']").count();
  expect(sweepLines === 6, `${sweepLines} lines of the sweep (expected 6, including the one with dropout)`);
  await page.locator('svg.hp-parallel g.hp-axis[data-axis="h:dropout"]').waitFor();
  await shot("06b-hparams-parallel");
  const optimizer = page.locator('fieldset[data-axis="h:optimizer"]');
  await optimizer.getByLabel("sgd").uncheck();
  await page.waitForFunction((n) => document.querySelectorAll("svg.hp-parallel polyline.hp-line:not(.hp-faint)").length === n, all - 2);
  const kept = await page.locator("svg.hp-parallel polyline.hp-line:not(.hp-faint)").evaluateAll((ls) => ls.map((l) => l.dataset.run));
  expect(!kept.includes(sweepRun("lr0.1-sgd")) && kept.includes(sweepRun("lr0.1-adam")), `kept ${kept.join(", ")}`);
  await shot("06c-hparams-filtered");
  // A metric range typed in the filter narrows further: accuracy ≥ 0.8 keeps lr0.01-adam and lr0.001-adam.
  await page.getByLabel("hp/accuracy min").fill("0.8");
  await page.getByLabel("hp/accuracy min").press("Enter");
  await page.waitForFunction(
    () => [...document.querySelectorAll("svg.hp-parallel polyline.hp-line:not(.hp-faint)")].filter((l) => l.dataset.run.startsWith("sweep/")).length === 2,
  );
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.waitForFunction((n) => document.querySelectorAll("svg.hp-parallel polyline.hp-line:not(.hp-faint)").length === n, all);
});

await check("hparams: an axis switches to a log scale", async () => {
  const axis = page.locator('svg.hp-parallel g.hp-axis[data-axis="h:lr"]');
  const before = await axis.locator("text.hp-tick-label").allTextContents();
  await axis.locator("text.hp-scale-toggle").click();
  await page.waitForFunction(() => document.querySelector('g.hp-axis[data-axis="h:lr"] text.hp-scale-toggle')?.textContent === "log");
  const after = await page.locator('svg.hp-parallel g.hp-axis[data-axis="h:lr"] text.hp-tick-label').allTextContents();
  expect(JSON.stringify(before) !== JSON.stringify(after), `ticks unchanged: ${after.join(" ")}`);
  expect(after.some((t) => /^1e-4$|0\.0001|100µ/.test(t)), `log ticks ${after.join(" ")}`);
  await shot("06d-hparams-log-axis");
});

await check("hparams: the scatter matrix has a point per session; clicking one selects its run and shows its charts", async () => {
  await page.getByRole("tab", { name: "Scatter plot matrix" }).click();
  const cell = page.locator('svg.hp-scatter g.hp-cell[data-metric="m:hp/accuracy"][data-hparam="h:lr"]');
  await cell.waitFor();
  const dots = await cell.locator("circle.hp-dot[data-run^='sweep/']").count();
  expect(dots === 6, `${dots} points of the sweep in accuracy × lr`);
  await shot("06e-hparams-scatter");
  await cell.locator(`circle.hp-dot[data-run="${sweepRun("lr0.01-adam")}"]`).click();
  const detail = page.locator(`.hp-detail[data-run="${sweepRun("lr0.01-adam")}"]`);
  await detail.locator(".chart-card canvas").first().waitFor();
  const checked = await page.locator("li.run input[type=checkbox]:checked").evaluateAll((inputs) => inputs.map((i) => i.closest("li.run")?.dataset.run));
  expect(checked.length === 1 && checked[0] === sweepRun("lr0.01-adam"), `selected runs: ${checked.join(", ")}`);
  const pwned = await page.evaluate(() => window.__pwned);
  expect(pwned === undefined, "a run name's markup ran");
  await shot("06f-hparams-session-charts");
  // Back to every run for the checks that follow.
  await page.getByRole("tab", { name: "Table" }).click();
  await page.evaluate(() => {
    const u = new URL(location.href);
    u.searchParams.delete("run");
    history.replaceState(null, "", u);
  });
  await page.reload();
  await page.locator("li.run").first().waitFor();
});

// ms_sweep/: three MindSpore runs written by SummaryCollector, whose hyper-parameters, custom
// lineage data and evaluation metrics are in their `*_lineage` files only.
await check("hparams: MindSpore runs show their lineage settings and evaluation metrics", async () => {
  await page.getByRole("tab", { name: "HParams" }).click();
  const row = page.locator('table.hparams tbody tr[data-run="ms_sweep/lr_0.01_bs_16"]');
  await row.waitFor();
  const headers = (await page.locator("table.hparams thead th").allTextContents()).map((t) => t.replace(/[▲▼]/g, "").trim());
  for (const name of ["optimizer", "learning_rate", "batch_size", "[U]version", "metric/Accuracy"]) {
    expect(headers.includes(name), `no ${name} column: ${headers.join(", ")}`);
  }
  const cellOf = async (name) => (await row.locator("td").nth(headers.indexOf(name)).innerText()).trim();
  expect((await cellOf("optimizer")) === "Adam", `optimizer ${await cellOf("optimizer")}`);
  expect((await cellOf("batch_size")) === "16", `batch_size ${await cellOf("batch_size")}`);
  expect((await cellOf("[U]version")) === "v1", `[U]version ${await cellOf("[U]version")}`);
  expect(/^0\.359/.test(await cellOf("metric/Accuracy")), `metric/Accuracy ${await cellOf("metric/Accuracy")}`);
  await row.scrollIntoViewIfNeeded();
  await shot("06h-hparams-mindspore-lineage");
});

// The logdir's run `hostile` holds a text summary with a <script> element and an <img onerror>
// (written by write_hostile_text.py); both set window.__pwned if they ever run.
await check("text with <script> and <img onerror> is inert", async () => {
  await page.evaluate(() => {
    window.__pwned = false;
  });
  await page.getByRole("tab", { name: "Text" }).click();
  const hostile = page.locator('figure.card[data-run="hostile"] .markdown');
  await hostile.first().waitFor();
  const shown = await hostile.first().innerText();
  expect(shown.includes("<script>window.__pwned = true</script>"), `the script is not shown as text: ${shown}`);
  expect(shown.includes('onerror="window.__pwned = true"'), `the img is not shown as text: ${shown}`);
  expect((await page.locator(".markdown script").count()) === 0, "a script element was rendered");
  expect((await page.locator(".markdown img").count()) === 0, "an img element was rendered");
  expect((await page.locator(".markdown [onerror]").count()) === 0, "an onerror attribute was rendered");
  await page.waitForTimeout(300);
  expect((await page.evaluate(() => window.__pwned)) === false, "a payload ran");
  await shot("07-text");
});

await check("display settings: dark scheme, image filters, Markdown off and card width survive a reload", async () => {
  const menu = page.locator("details.display-menu");
  await menu.locator("summary").click();
  await page.getByLabel("Colour scheme").selectOption("dark");
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg === "rgb(21, 24, 30)", `dark background is ${bg}`);
  await page.getByLabel("Render text as Markdown").uncheck();
  await page.getByLabel("Image brightness").evaluate((input) => {
    input.value = "150";
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await page.getByLabel("Card width").selectOption("wide");
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  // Markdown off: the raw text, asterisks included, in a <pre>.
  await page.getByRole("tab", { name: "Text" }).click();
  const raw = page.locator('figure.card[data-run="hostile"] pre.raw-text').first();
  await raw.waitFor();
  expect((await raw.innerText()).includes("**bold** before the payloads"), `raw text: ${await raw.innerText()}`);
  await shot("07b-dark-raw-text");
  await page.getByRole("tab", { name: "Images" }).click();
  const img = page.locator("img.sample").first();
  await img.waitFor();
  const filter = await img.evaluate((i) => getComputedStyle(i).filter);
  expect(filter.includes("brightness(1.5)"), `image filter ${filter}`);
  const cardMin = await page.evaluate(() => document.documentElement.style.getPropertyValue("--card-min"));
  expect(cardMin === "40rem", `card width ${cardMin}`);
  await shot("07c-dark-images-bright");
  // Scalars in the dark: the chart is drawn again with the dark palette's axis colour.
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
  await page.locator(".chart-card canvas").first().waitFor();
  await shot("07d-dark-scalars");
  await page.locator("details.display-menu summary").click();
  await page.locator(".display-panel").getByRole("button", { name: "Reset" }).click();
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
});

await check("the scalar tooltip reads step, value, wall time and relative time", async () => {
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
  await page.getByLabel("Filter tags").fill("^loss$");
  const card = page.locator('.chart-card[data-tag="loss"]');
  await card.locator("canvas").first().waitFor();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.points?.includes("train=200"));
  await page.getByLabel("X axis").selectOption("relative");
  const over = card.locator(".u-over");
  await over.waitFor();
  const box = await over.boundingBox();
  await over.hover({ position: { x: box.width * 0.6, y: box.height * 0.5 } });
  const tooltip = card.locator(".chart-tooltip");
  await tooltip.waitFor();
  const heads = await tooltip.locator("th").allTextContents();
  for (const h of ["step", "time", "relative"]) expect(heads.includes(h), `tooltip columns ${heads.join(", ")}`);
  const cells = await tooltip.locator("tbody tr").first().locator("td").allTextContents();
  const relative = cells[cells.length - 1] ?? "";
  expect(/^\d+(d|h|m|s)( \d+(h|m|s))?$/.test(relative.trim()), `relative time cell "${relative}"`);
  await shot("07h-scalar-tooltip-relative");
  await page.getByLabel("X axis").selectOption("step");
  await page.mouse.move(0, 0);
});

await check("card tools: pin (kept in the URL), full width, and the step selector's table", async () => {
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
  await page.getByLabel("Filter tags").fill("^loss$");
  const card = page.locator('.chart-card[data-tag="loss"]:not([data-pinned])');
  await card.locator("canvas").first().waitFor();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.points?.includes("train=200"));
  // Step selector: a click fixes a step; the table's value is the data API's at that step.
  const over = card.locator(".u-over");
  const box = await over.boundingBox();
  await over.click({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
  const row = card.locator('table.step-values tr[data-run="train"]');
  await row.waitFor();
  const cells = await row.locator("td").allTextContents();
  const step = Number(cells[1]);
  const series = await page.evaluate(async () => (await (await fetch("data/scalars?run=train&tag=loss")).json()));
  const point = series.find((p) => p[0] === step);
  expect(point !== undefined, `step ${step} is not a step of train/loss`);
  expect(Math.abs(Number(cells[2]) - point[2]) < 1e-3 * Math.max(1, Math.abs(point[2])), `value ${cells[2]} vs ${point[2]} at step ${step}`);
  // Ctrl+click a second step: the change between them.
  await over.click({ position: { x: box.width * 0.8, y: box.height * 0.5 }, modifiers: ["Control"] });
  await card.getByText("change (smoothed B − A)").waitFor();
  const two = await row.locator("td").allTextContents();
  expect(Number(two[6]) > step, `second step ${two[6]} not after ${step}`);
  const change = Number(two[two.length - 1]);
  expect(Math.abs(change - (Number(two[8]) - Number(two[3]))) < 1e-3, `change ${change} vs ${two[8]} − ${two[3]}`);
  await shot("07j-step-selector");
  // Full width, then pin: the Pinned section at the top, kept across a reload.
  await card.getByRole("button", { name: "Wide" }).click();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.classList.contains("wide"));
  await card.getByRole("button", { name: "Pin", exact: true }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.getAll("pin").includes("loss"));
  await page.reload();
  const pinned = page.locator('section.pinned .chart-card[data-tag="loss"]');
  await pinned.locator("canvas").first().waitFor();
  expect(await pinned.evaluate((c) => c.classList.contains("wide")), "the pinned card lost its full width");
  await shot("07k-pinned-wide");
  await pinned.getByRole("button", { name: "Unpin" }).click();
  await page.locator("section.pinned").waitFor({ state: "detached" });
  await page.locator('.chart-card[data-tag="loss"]').first().getByRole("button", { name: "Narrow" }).click();
  await page.getByLabel("Filter tags").fill("");
});

await check("steps near 2^53 are served exactly and drawn with short axis labels", async () => {
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
  await page.getByLabel("Filter tags").fill("^huge/");
  const card = page.locator('.chart-card[data-tag="huge/loss"]');
  await card.waitFor();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="huge/loss"]')?.dataset.points?.includes("huge_steps=21"));
  // The binary form carries i64 steps: the last one is exactly 2^53.
  const last = await page.evaluate(async () => {
    const r = await fetch("data/scalars?run=huge_steps&tag=huge%2Floss");
    const rows = await r.json();
    return rows[rows.length - 1][0];
  });
  expect(last === 2 ** 53, `last step ${last}`);
  await shot("07e-huge-steps-scalars");
  await page.getByRole("tab", { name: "Histograms" }).click();
  await page.locator('figure.card[data-run="huge_steps"] canvas.hist-canvas').waitFor();
  await shot("07f-huge-steps-histogram");
  await page.getByLabel("Filter tags").fill("");
});

await check("URL state: histogram mode and collapsed groups survive a reload; Back/Forward step through tabs and filters", async () => {
  await page.getByRole("tab", { name: "Histograms" }).click();
  await page.getByLabel("Histogram mode").selectOption("overlay");
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
  const group = page.locator("details.group").filter({ has: page.locator("summary", { hasText: /^loss/ }) }).first();
  await group.locator("summary").click();
  await page.waitForFunction(() => new URL(location.href).searchParams.getAll("fold").includes("scalars:loss"));
  await page.reload();
  await page.locator("li.run").first().waitFor();
  const reopened = page.locator("details.group").filter({ has: page.locator("summary", { hasText: /^loss/ }) }).first();
  await reopened.waitFor({ state: "attached" });
  expect((await reopened.getAttribute("open")) === null, "the collapsed group opened again after a reload");
  await reopened.locator("summary").click();
  await page.getByRole("tab", { name: "Histograms" }).click();
  expect((await page.getByLabel("Histogram mode").inputValue()) === "overlay", "histogram mode lost on reload");
  await page.getByLabel("Histogram mode").selectOption("offset");
  // Tabs and a filter, then Back and Forward through them.
  await page.getByRole("tab", { name: "Images" }).click();
  await page.getByLabel("Filter tags").fill("samples");
  await page.waitForTimeout(1600);
  await page.getByRole("tab", { name: "Text" }).click();
  const tab = () => page.evaluate(() => document.querySelector('[role="tab"][aria-selected="true"]')?.textContent);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[role="tab"][aria-selected="true"]')?.textContent === "Images");
  expect((await page.getByLabel("Filter tags").inputValue()) === "samples", "the filter is not the one of that step");
  await page.goBack();
  await page.waitForFunction(() => (document.querySelector("#tag-filter")?.value ?? "x") === "");
  expect((await tab()) === "Images", `after the second Back: ${await tab()}`);
  await page.goForward();
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('[role="tab"][aria-selected="true"]')?.textContent === "Text");
  await shot("07g-url-state-back-forward");
  await page.getByLabel("Filter tags").fill("");
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
});

await check("colours: 20 runs get 20 colours; a run's picked colour is drawn and kept across a reload", async () => {
  await page.getByRole("tab", { name: "Scalars", exact: true }).click();
  const pickers = page.locator("li.run input.swatch-picker");
  await pickers.first().waitFor();
  const colours = await pickers.evaluateAll((inputs) => inputs.map((i) => i.value));
  const first20 = colours.slice(0, 20);
  expect(new Set(first20).size === first20.length, `repeated colours among the first runs: ${first20.join(" ")}`);
  const train = page.locator('li.run[data-run="train"] input.swatch-picker');
  await train.fill("#ff00aa");
  await page.reload();
  await page.locator('li.run[data-run="train"] input.swatch-picker').waitFor();
  const kept = await page.locator('li.run[data-run="train"] input.swatch-picker').inputValue();
  expect(kept === "#ff00aa", `train's colour after a reload: ${kept}`);
  // The chart draws train in it: its canvas holds pixels of that colour.
  await page.getByLabel("Filter tags").fill("^loss$");
  const canvas = page.locator('.chart-card[data-tag="loss"] canvas').first();
  await canvas.waitFor();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.points?.includes("train=200"));
  const pink = await canvas.evaluate((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 60 && d[i + 2] > 120 && d[i + 2] < 210 && d[i + 3] > 200) n++;
    return n;
  });
  expect(pink > 50, `only ${pink} pixels of the picked colour`);
  await shot("07i-picked-run-colour");
  await page.evaluate(() => localStorage.removeItem("vizjobs.runColors"));
  await page.getByLabel("Filter tags").fill("");
});

await check("an invalid regex in the tag filter says so", async () => {
  await page.getByLabel("Filter tags").fill("loss(");
  await page.getByText("Not a valid regex: matching as plain text.").first().waitFor();
  await page.getByLabel("Filter tags").fill("");
  await page.waitForFunction(() => ![...document.querySelectorAll(".filter-error")].some((e) => e.textContent));
});

// Shape and values are compared with what the data API itself answers, at the newest step and,
// after moving the slider, at the first.
await check("tensors show shape, dtype and values of the MindSpore run", async () => {
  const rows = await page.evaluate(
    async (run) => (await fetch(`data/tensors?run=${encodeURIComponent(run)}&tag=small_tensor`)).json(),
    msRun,
  );
  expect(Array.isArray(rows) && rows.length >= 2, `data/tensors answered ${JSON.stringify(rows).slice(0, 200)}`);
  await page.getByRole("tab", { name: "Tensors" }).click();
  expect(new URL(page.url()).searchParams.get("tab") === "tensors", `URL ${page.url()}`);
  const sel = `figure.card[data-run="${msRun}"][data-tag="small_tensor"]`;
  const card = page.locator(sel);
  const expectShown = async ([step, , t]) => {
    await page.waitForFunction(
      ([s, want]) => document.querySelector(s)?.dataset.step === String(want),
      [sel, step],
    );
    const shape = (await card.locator(".tensor-shape").innerText()).trim();
    expect(shape === `shape ${t.shape.join("×")}`, `shape shown: "${shape}", API: ${JSON.stringify(t.shape)}`);
    const dtype = (await card.locator(".tensor-dtype").innerText()).trim();
    expect(dtype === t.dtype, `dtype shown: "${dtype}", API: ${t.dtype}`);
    const cells = await card.locator("table.tensor-values tbody td").allInnerTexts();
    expect(cells.length === t.values.length, `${cells.length} cells for ${t.values.length} values`);
    t.values.forEach((v, i) => {
      const shown = Number(cells[i]);
      // The page shows 4 significant digits.
      const close = Math.abs(shown - v) <= Math.max(1e-9, Math.abs(v) * 1e-3);
      expect(close, `value ${i} at step ${step}: shown "${cells[i]}", API ${v}`);
    });
    expect(t.values.some((v) => v !== 0), "the fixture's tensor holds only zeros; the check would prove little");
  };
  await card.locator("table.tensor-values").waitFor();
  await expectShown(rows[rows.length - 1]);
  await shot("07-tensors");
  const slider = card.getByRole("slider", { name: "Tensor step" });
  await slider.focus();
  await page.keyboard.press("Home");
  await expectShown(rows[0]);
});

// The run `hostile_blobs` (write_hostile_blobs.py) holds an HTML page and an SVG image, each with a
// script, as audio samples whose content type in the event file is `text/html` and
// `image/svg+xml`, and the HTML page as the bytes of an image sample. `data/blob` must never let a
// browser run them as a page of the server's origin (where they could read `/console/session`):
// a type outside the image/audio allowlist is answered as a download, and every blob is
// sandboxed. The scripts set the title to "pwned" and a localStorage marker, and write the CSRF
// token they read into the page (`#stolen`) and localStorage.
const blobUrl = async (run, tag) => {
  const rows = await page.evaluate(
    async ([r, t]) => (await fetch(`data/images?run=${encodeURIComponent(r)}&tag=${encodeURIComponent(t)}`)).json(),
    [run, tag],
  );
  expect(Array.isArray(rows) && rows.length > 0, `data/images for ${run}/${tag} answered ${JSON.stringify(rows).slice(0, 200)}`);
  return new URL(rows[0].url, page.url()).href;
};
// What is wrong with the headers of a blob's answer ([] when nothing).
const blobHeaderProblems = async (url, { download }) => {
  const r = await page.request.get(url);
  const h = r.headers();
  const shown = ["content-type", "content-disposition", "x-content-type-options", "content-security-policy"]
    .map((k) => `${k}: ${h[k] ?? "(none)"}`)
    .join("; ");
  const type = (h["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  const attachment = /^attachment\b/i.test(h["content-disposition"] ?? "");
  const problems = [];
  if (r.status() !== 200) problems.push(`status ${r.status()}`);
  if (download && type !== "application/octet-stream") problems.push(`served as "${type}", not application/octet-stream`);
  if (!download && !/^image\/(png|jpeg|gif|webp|bmp)$/.test(type)) problems.push(`served as "${type}", not as the image it is`);
  if (download !== attachment) problems.push(download ? "not an attachment" : "an attachment");
  if ((h["x-content-type-options"] ?? "").toLowerCase() !== "nosniff") problems.push("no nosniff");
  if (!/\bsandbox\b/.test(h["content-security-policy"] ?? "")) problems.push("no Content-Security-Policy sandbox");
  return problems.length ? [`${problems.join(", ")} (${shown})`] : [];
};

for (const tag of ["blob/html", "blob/svg", "blob/image_html"]) {
  await check(`data/blob ${tag}: a sandboxed download whose script never runs`, async () => {
    await page.goto(dashboardUrl);
    const url = await blobUrl("hostile_blobs", tag);
    await page.evaluate(() => {
      localStorage.removeItem("vizjobs-e2e-pwned");
      localStorage.removeItem("vizjobs-e2e-stolen");
    });
    // Opened as a victim following a link would, in the logged-in context. A download makes
    // `goto` throw ("Download is starting"); a page that does show up must not have run.
    const tab = await context.newPage();
    let opened = "rendered";
    await tab.goto(url).catch((e) => {
      opened = `not rendered: ${e.message.split("\n")[0]}`;
    });
    await tab.waitForTimeout(1000);
    const title = await tab.title().catch(() => "");
    const stolen = await tab.locator("#stolen").count().catch(() => 0);
    await tab.screenshot({ path: path.join(shots, `11-blob-${tag.replace(/\W+/g, "_")}.png`) }).catch(() => {});
    await tab.close();
    const [pwned, token] = await page.evaluate(() => [
      localStorage.getItem("vizjobs-e2e-pwned"),
      localStorage.getItem("vizjobs-e2e-stolen"),
    ]);
    const problems = [];
    if (title === "pwned") problems.push(`its script ran as a page of ${base} (title "${title}", ${opened})`);
    if (stolen > 0 || token !== null) problems.push("its script read the CSRF token from /console/session");
    if (pwned !== null) problems.push(`its script wrote localStorage of ${base}`);
    problems.push(...(await blobHeaderProblems(url, { download: true })));
    expect(problems.length === 0, problems.join("; "));
  });
}

await check("data/blob: an allowlisted image is served as itself, sandboxed", async () => {
  await page.goto(dashboardUrl);
  const problems = await blobHeaderProblems(await blobUrl("train", "samples/input"), { download: false });
  expect(problems.length === 0, problems.join("; "));
});

// A job whose log folder does not exist yet (training has not started): the dashboard says so,
// and the banner goes once the folder appears with event files.
await check("a log folder that cannot be read is shown, then clears", async () => {
  const laterName = `later-${Date.now() % 1e8}`;
  const laterDir = trainUrl.replace(/\/?$/, "").replace(/[^/]+$/, laterName);
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "New job" }).click();
  await page.getByLabel("Name", { exact: true }).fill(laterName);
  await page.getByLabel("Log folder (train_url)").fill(laterDir);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  const row = page.locator(`tr[data-job-name="${laterName}"]`);
  await row.getByText("Running", { exact: true }).waitFor({ timeout: 60_000 });
  const url = (await row.getByRole("link", { name: "Open dashboard" }).getAttribute("href")) ?? "";
  await page.goto(url);
  const banner = page.locator(".banner.logdir-error");
  await banner.waitFor({ timeout: 30_000 });
  const text = await banner.innerText();
  expect(text.includes("cannot be read"), `banner: ${text}`);
  await shot("08-logdir-missing");
  cpSync(`${trainUrl.replace(/\/?$/, "")}/train`, `${laterDir}/train`, { recursive: true });
  await banner.waitFor({ state: "detached", timeout: 30_000 });
  await page.locator('.chart-card[data-tag="loss"]').waitFor({ timeout: 30_000 });
});

await check("no external requests", async () => {
  expect(external.length === 0, external.join(", "));
});

await check("stop asks first, then the stopped job's dashboard is a page, JSON for clients", async () => {
  // A dashboard left open while the job stops.
  const watcher = await context.newPage();
  await watcher.goto(dashboardUrl);
  await watcher.locator("li.run").first().waitFor();
  await page.goto(`${base}/`);
  const row = page.locator(`tr[data-job-name="${jobName}"]`);
  await row.getByRole("button", { name: `Stop ${jobName}` }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("heading", { name: `Stop job ${jobName}?` }).waitFor();
  await shot("09a-stop-confirm");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await page.waitForTimeout(1500);
  expect(await row.getByText("Running", { exact: true }).isVisible(), "the job stopped without confirmation");
  await row.getByRole("button", { name: `Stop ${jobName}` }).click();
  await dialog.getByRole("button", { name: "Stop", exact: true }).click();
  await row.getByText("Stopped", { exact: true }).waitFor({ timeout: 60_000 });
  await shot("09-stopped");
  const notice = watcher.locator(".banner.job-notice");
  await notice.waitFor({ timeout: 30_000 });
  const said = await notice.innerText();
  expect(said.startsWith("This job was stopped."), `the open dashboard says: ${said}`);
  expect((await notice.locator("a").getAttribute("href")) === "/", "no console link in the notice");
  await watcher.screenshot({ path: path.join(shots, "09c-open-dashboard-job-stopped.png") });
  await watcher.close();
  const answer = await page.goto(dashboardUrl);
  expect(answer?.status() === 503, `status ${answer?.status()}`);
  expect((answer?.headers()["content-type"] ?? "").startsWith("text/html"), `content type ${answer?.headers()["content-type"]}`);
  await page.getByRole("heading", { name: "This job was stopped" }).waitFor();
  await page.getByText("Job status: KILLED").waitFor();
  await shot("09b-stopped-dashboard-page");
  const json = await page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { Accept: "application/json" } });
    return { status: r.status, type: r.headers.get("content-type"), body: await r.json() };
  }, dashboardUrl);
  expect(json.status === 503 && json.body.error_code === "ModelArts.0105", `fetch got ${JSON.stringify(json)}`);
  await page.locator("#console-link").click();
  await page.getByRole("table", { name: "Visualization jobs" }).waitFor();
});

await check("delete the job", async () => {
  const row = page.locator(`tr[data-job-name="${jobName}"]`);
  await row.getByRole("button", { name: `Delete ${jobName}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
  await row.waitFor({ state: "detached", timeout: 30_000 });
  await shot("10-deleted");
});

// Login CSRF: a page on another origin must not log the visitor's browser into an account of the
// page's choosing (then everything the victim does, e.g. uploads or job settings, lands in the
// attacker's account). The attacker page POSTs valid credentials to /console/login as a
// `text/plain` body (no CORS preflight), with fetch(no-cors) or with an auto-submitted
// `<form enctype="text/plain">`, from an origin that is same-site (127.0.0.1, another port) or
// cross-site (localhost). A fresh browser context that visited only that page must not end up
// with a session on the server.
const victim = base;
const credentialsJson = JSON.stringify({ account, username, password });
const escapeHtml = (t) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const jsString = (t) => JSON.stringify(t).replace(/</g, "\\u003c");
const attackerPages = {
  "/fetch": `<!doctype html><title>loading</title><script>
    fetch(${jsString(`${victim}/console/login`)}, {
      method: "POST", mode: "no-cors", credentials: "include",
      headers: { "Content-Type": "text/plain" }, body: ${jsString(credentialsJson)},
    }).then(() => { document.title = "sent"; }, (e) => { document.title = "error " + e; });
  </script>`,
  // text/plain form encoding is `name=value\r\n`: the name is the JSON up to the opening quote of
  // a spare field's value, the value closes it, giving {..., "x": "="}.
  "/form": `<!doctype html><title>loading</title>
    <form method="POST" enctype="text/plain" action="${escapeHtml(`${victim}/console/login`)}">
      <input type="hidden" name="${escapeHtml(`${credentialsJson.slice(0, -1)},"x":"`)}" value="${escapeHtml('"}')}">
    </form>
    <script>document.forms[0].submit();</script>`,
};
const attacker = http.createServer((req, res) => {
  const body = attackerPages[new URL(req.url ?? "/", "http://x").pathname];
  res.writeHead(body ? 200 : 404, { "Content-Type": "text/html; charset=utf-8" });
  res.end(body ?? "not found");
});
await new Promise((resolve) => attacker.listen(0, "127.0.0.1", resolve));
const attackerPort = attacker.address().port;

// (A fetch from the cross-site origin is left out: Chromium itself drops a SameSite=Lax cookie set
// by the answer to a cross-site subresource request, whatever the server does.)
for (const [via, host] of [
  ["fetch", "127.0.0.1"],
  ["form", "127.0.0.1"],
  ["form", "localhost"],
]) {
  const from = `http://${host}:${attackerPort}`;
  await check(`login CSRF: a ${via} from ${from} does not log the browser in`, async () => {
    const fresh = await browser.newContext();
    try {
      const tab = await fresh.newPage();
      await tab.goto(`${from}/${via}`);
      if (via === "fetch") {
        await tab.waitForFunction(() => document.title !== "loading", null, { timeout: 10_000 });
        const title = await tab.title();
        expect(title === "sent", `the attacker's fetch failed: ${title}`);
      } else {
        // The form navigates the tab to the server's answer.
        await tab.waitForURL((u) => u.href.startsWith(victim), { timeout: 10_000 }).catch(() => {});
        await tab.waitForLoadState().catch(() => {});
      }
      const cookies = (await fresh.cookies(victim)).map((c) => c.name);
      const session = await fresh.request.get(`${victim}/console/session`);
      // What the session answers is not printed: it holds a CSRF token.
      const who = session.ok() ? `logged in as ${(await session.json()).username}` : `${session.status()}`;
      expect(!cookies.includes("vizjobs_session"), `the browser got a vizjobs_session cookie for ${victim} (/console/session: ${who})`);
      expect(session.status() === 401, `GET /console/session answers ${who}`);
    } finally {
      await fresh.close();
    }
  });
}
attacker.close();

await browser.close();
finish();
