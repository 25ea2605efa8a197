// Browser tests of the Graphs tab against a real `vizjobs board` (run by .ci/e2e-graphs.sh).
//   VIZJOBS_URL          the board, e.g. http://127.0.0.1:6006
//   VIZJOBS_SCREENSHOTS  folder for screenshots; CHROMIUM  browser binary
// The logdir holds tf_small, tf_truncated (crates/vizjobs-engine/tests/graphs) and ms_graph
// (shared/fixtures/mindspore/graph_run). Prints one line per check; exits non-zero on failure.
import { readFileSync } from "node:fs";
import { checks, expect as assert, launchChromium, screenshotDir } from "./harness.mjs";

const base = (process.env.VIZJOBS_URL ?? "").replace(/\/$/, "");
if (!base) {
  console.error("VIZJOBS_URL is not set");
  process.exit(2);
}
const shots = screenshotDir();
const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));

const { check, shot, finish } = checks(page, shots, "graphs-");
const item = (id) => page.locator(`#graph-svg [data-id="${id.replace(/"/g, '\\"')}"]`);
async function waitDrawn() {
  await page.waitForFunction(() => document.querySelector(".graphs-panel")?.dataset.state !== "loading", null, { timeout: 15000 });
}
async function pickRun(run) {
  await page.selectOption("#graph-run", run);
  await waitDrawn();
}

await check("the Graphs tab opens and draws the top level", async () => {
  await page.goto(`${base}/?tab=graphs`);
  await page.waitForSelector("#graph-run option", { state: "attached", timeout: 15000 });
  await pickRun("tf_small");
  await item("g:layer1").waitFor({ timeout: 10000 });
  for (const id of ["g:dense", "g:loss", "g:模型", "g:odd"]) assert((await item(id).count()) === 1, `${id} drawn`);
  assert((await page.locator("#graph-svg .graph-edge").count()) > 0, "edges drawn");
  assert((await page.locator("#graph-svg .graph-edge-control").count()) > 0, "a control edge drawn dashed");
  assert((await item("g:broken").locator(".graph-dangling").count()) === 1, "dangling-input marker on broken/");
  await shot("1-top-level");
});

await check("the wheel zooms, dragging pans, Fit brings the whole view back", async () => {
  const transform = () => page.locator("#graph-svg g.graph-scene").getAttribute("transform");
  const scale = async () => Number((await transform())?.match(/scale\(([^)]+)\)/)?.[1]);
  const box = await page.locator("#graph-svg").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const before = await scale();
  await page.mouse.wheel(0, -400);
  const zoomed = await scale();
  assert(zoomed > before, `zoomed in: ${before} → ${zoomed}`);
  const moved = await transform();
  await page.mouse.move(box.x + 30, box.y + 30);
  await page.mouse.down();
  await page.mouse.move(box.x + 130, box.y + 90, { steps: 5 });
  await page.mouse.up();
  assert((await transform()) !== moved, "panned");
  await page.click("#graph-fit");
  const fitted = await page.evaluate(() => {
    const scene = document.querySelector("#graph-svg g.graph-scene").getBoundingClientRect();
    const view = document.querySelector("#graph-svg").getBoundingClientRect();
    return scene.left >= view.left - 1 && scene.right <= view.right + 1 && scene.top >= view.top - 1 && scene.bottom <= view.bottom + 1;
  });
  assert(fitted, "after Fit the whole view is inside the viewport");
});

await check("a scope expands into its ops and a series", async () => {
  await item("g:dense").click();
  await page.locator('#graph-svg [data-id^="s:"]').first().waitFor({ timeout: 10000 });
  const series = await page.locator('#graph-svg .graph-series').first().textContent();
  assert(series?.includes("matmul_[1-6]"), `series label: ${series}`);
  assert((await item("o:dense/flat").count()) === 1, "dense/flat drawn inside dense");
  await shot("2-scope-expanded");
});

await check("search finds a node, expands to it, highlights and selects it", async () => {
  await page.fill("#graph-search", "matmul_4");
  await page.press("#graph-search", "Enter");
  await item("o:dense/matmul_4").waitFor({ timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#graph-svg [data-id="o:dense/matmul_4"]')?.classList.contains("graph-selected"));
  await page.waitForFunction(() => document.querySelector("#graph-side h3")?.textContent === "dense/matmul_4");
  await shot("3-search-found");
});

await check("the side panel shows the inputs, and an input opens its node", async () => {
  const inputs = await page.locator("#graph-side .graph-inputs li").allTextContents();
  assert(inputs.length === 1 && inputs[0].includes("dense/matmul_3"), `inputs: ${inputs}`);
  const outputs = await page.locator("#graph-side .graph-outputs li").allTextContents();
  assert(outputs.some((o) => o.includes("dense/matmul_5")), `outputs: ${outputs}`);
  const attrs = await page.locator("#graph-side .graph-attrs").textContent();
  assert(attrs?.includes("_output_shapes"), "attributes listed");
  await page.locator("#graph-side .graph-inputs button").first().click();
  await page.waitForFunction(() => document.querySelector("#graph-side h3")?.textContent === "dense/matmul_3");
  await shot("4-side-panel");
});

await check("a node's control input and its missing input are shown", async () => {
  await page.fill("#graph-search", "loss/value");
  await page.press("#graph-search", "Enter");
  await page.waitForFunction(() => document.querySelector("#graph-side h3")?.textContent === "loss/value");
  const inputs = await page.locator("#graph-side .graph-inputs li").allTextContents();
  assert(inputs.some((i) => i.includes("^layer1/relu") && i.includes("control")), `inputs: ${inputs}`);
  await page.fill("#graph-search", "broken/consumer");
  await page.press("#graph-search", "Enter");
  await page.waitForFunction(() => document.querySelector("#graph-side h3")?.textContent === "broken/consumer");
  const missing = await page.locator("#graph-side .graph-missing").textContent();
  assert(missing?.includes("missing/node:1"), `missing input: ${missing}`);
});

await check("the SVG download is a valid SVG of the view", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#graph-download-svg")]);
  const file = await download.path();
  const text = readFileSync(file, "utf8");
  const verdict = await page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, "image/svg+xml");
    return {
      error: doc.getElementsByTagName("parsererror").length,
      root: doc.documentElement.nodeName,
      width: Number(doc.documentElement.getAttribute("width")),
      texts: [...doc.getElementsByTagName("text")].map((n) => n.textContent),
    };
  }, text);
  assert(verdict.error === 0 && verdict.root === "svg", `parsed: ${JSON.stringify(verdict).slice(0, 200)}`);
  assert(verdict.width > 0, "has a size");
  assert(verdict.texts.some((t) => t.includes("matmul_3")), "holds the node labels");
  assert(download.suggestedFilename().endsWith(".svg"), download.suggestedFilename());
});

await check("the PNG download is a PNG", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#graph-download-png")]);
  const bytes = readFileSync(await download.path());
  assert(bytes.subarray(1, 4).toString() === "PNG" && bytes.length > 1000, `png of ${bytes.length} bytes`);
});

await check("colour by compute time uses the run metadata", async () => {
  const before = await item("g:layer1").locator("rect").first().getAttribute("fill");
  await page.selectOption("#graph-color", "compute");
  await waitDrawn();
  await page.waitForFunction(() => !document.querySelector("#graph-stats").hidden);
  const after = await item("g:layer1").locator("rect").first().getAttribute("fill");
  assert(after !== before && after?.startsWith("hsl(24"), `fill ${before} → ${after}`);
  await shot("5-compute-time");
  await page.selectOption("#graph-color", "op");
  await waitDrawn();
});

await check("the Keras model is drawn as layers", async () => {
  await page.selectOption("#graph-kind", "keras");
  await waitDrawn();
  await item("o:add").waitFor({ timeout: 10000 });
  assert((await item("o:conv_skip").count()) === 1, "conv_skip drawn");
  await shot("6-keras");
});

await check("a truncated graph gives a clear message", async () => {
  await pickRun("tf_truncated");
  const message = await page.locator(".graph-error").textContent({ timeout: 10000 });
  assert(message?.includes("cannot be shown") && message.includes("decoded"), `message: ${message}`);
  await shot("7-truncated");
});

await check("a MindSpore graph opens, scopes from its scope field", async () => {
  await pickRun("ms_graph");
  await item("g:Default").waitFor({ timeout: 10000 });
  await item("g:Default").click();
  // The fixture's nodes all sit in scope `Default`; node 1 is a `Muls` reading a parameter.
  await item("o:1").waitFor({ timeout: 10000 });
  const label = await item("o:1").textContent();
  assert(label?.includes("-op1"), `label ${label}`);
  await item("o:1").click();
  await page.waitForFunction(() => document.querySelector("#graph-side h3")?.textContent === "1");
  const side = await page.locator("#graph-side").textContent();
  assert(side?.includes("Scope") && side.includes("Default"), "the scope in the side panel");
  await shot("8-mindspore");
});

await check("no page errors", async () => {
  assert(pageErrors.length === 0, pageErrors.join("; "));
});

await browser.close();
finish();
