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
import { cpSync, mkdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

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
const shots = path.resolve(process.env.VIZJOBS_SCREENSHOTS ?? "../target/e2e-screenshots");
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
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
  if (new URL(r.url()).pathname.endsWith("/data/scalars")) {
    scalarAnswers.push({ url: r.url(), type: r.headers()["content-type"] ?? "" });
  }
});

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${name}: ${e instanceof Error ? e.message : e}`);
    await page.screenshot({ path: path.join(shots, `failed-${name.replace(/\W+/g, "_")}.png`) }).catch(() => {});
  }
}
const expect = (cond, message) => {
  if (!cond) throw new Error(message);
};
const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`) });

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

await check("create form shows the API's validation message", async () => {
  await page.getByRole("button", { name: "New job" }).click();
  await page.getByLabel("Name", { exact: true }).fill("bad name!");
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByText("job_name must be 1 to 20 characters of letters, digits, '_' and '-'").waitFor();
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
  await shot("02-console-running");
});

await check("dashboard: loss chart has 200 train and 20 eval points", async () => {
  const opened = Date.now();
  await page.goto(dashboardUrl);
  await page.locator(".chart-card canvas").first().waitFor();
  console.log(`  first chart drawn after ${Date.now() - opened} ms`);
  const loss = page.locator('.chart-card[data-tag="loss"]');
  await loss.waitFor();
  await page.waitForFunction(() => document.querySelector('.chart-card[data-tag="loss"]')?.dataset.points?.includes("train=200"));
  const points = await loss.getAttribute("data-points");
  expect(points?.split(";").includes("train=200") && points.split(";").includes("eval=20"), `points: ${points}`);
  expect(scalarAnswers.length > 0, "no data/scalars request seen");
  const notBinary = scalarAnswers.filter(
    (a) => new URL(a.url).searchParams.get("format") !== "binary" || a.type !== "application/vnd.vizjobs.scalar-columns",
  );
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

await check("histogram is drawn", async () => {
  await page.getByRole("tab", { name: "Histograms" }).click();
  const card = page.locator('figure.card[data-tag="weights/dense"][data-run="train"]');
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
  await shot("06-histograms");
});

// Not in the issue's list, but they are what a user sees: each remaining tab draws something.
await check("distributions, PR curves and hparams render", async () => {
  await page.getByRole("tab", { name: "Distributions" }).click();
  await page.locator('figure.card[data-tag="weights/dense"] .plot-host canvas').first().waitFor();
  await shot("06-distributions");
  await page.getByRole("tab", { name: "PR curves" }).click();
  await page.locator("canvas.pr-canvas").first().waitFor();
  await shot("06-pr-curves");
  await page.getByRole("tab", { name: "HParams" }).click();
  await page.locator("table.hparams tbody tr").first().waitFor();
  await shot("06-hparams");
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

await check("stop, then delete the job", async () => {
  await page.goto(`${base}/`);
  const row = page.locator(`tr[data-job-name="${jobName}"]`);
  await row.getByRole("button", { name: `Stop ${jobName}` }).click();
  await row.getByText("Stopped", { exact: true }).waitFor({ timeout: 60_000 });
  await shot("09-stopped");
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
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
