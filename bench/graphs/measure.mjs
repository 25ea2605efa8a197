// Times the Graphs tab of vizjobs and of TensorBoard on the same GraphDef, in headless Chromium
// (playwright-core), one fresh page per repetition. Run by bench/graphs/run.sh.
//   node measure.mjs <vizjobs URL> <tensorboard URL> <run name> <label> <reps> [tb timeout s]
// Prints one JSON line per repetition and tool, then the medians.
//
// vizjobs: from navigation to the first drawn view (top level), then each of a chain of scope
// expansions (the largest top-level scope, then its largest child group, ... four levels),
// then a search (its answer, and until the hit is expanded to and drawn); the longest main-
// thread task over the whole session (PerformanceObserver "longtask").
// TensorBoard: from navigation to its graph's first node in the SVG (`tf-graph-scene g.node`),
// and its longest main-thread task until then.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

// playwright-core is installed in web/node_modules.
const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web/");
const { chromium } = createRequire(`${web}/package.json`)("playwright-core");

const [vizUrl, tbUrl, run, label, repsText, tbTimeoutText] = process.argv.slice(2);
const reps = Number(repsText ?? 3);
const tbTimeout = Number(tbTimeoutText ?? 180) * 1000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});

const LONGTASKS = () => {
  window.__longtasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longtasks.push(e.duration);
  }).observe({ type: "longtask", buffered: true });
};

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(LONGTASKS);
  return [context, await context.newPage()];
}

const drawnCount = (page) => page.evaluate(() => performance.getEntriesByName("vizjobs-graph-drawn").length);

async function waitDrawn(page, before) {
  await page.waitForFunction((n) => performance.getEntriesByName("vizjobs-graph-drawn").length > n, before, { timeout: 60000 });
  return page.evaluate(() => performance.getEntriesByName("vizjobs-graph-drawn").at(-1).startTime);
}

async function vizjobs() {
  const [context, page] = await newPage();
  await page.goto(`${vizUrl}/?tab=graphs`);
  const top = await waitDrawn(page, 0);
  const expands = [];
  // Expand down the largest group of each level.
  for (let level = 0; level < 4; level++) {
    const target = await page.evaluate(() => {
      let best = null;
      for (const g of document.querySelectorAll('#graph-svg .graph-item:not(.graph-op):not(.graph-expanded)')) {
        const n = Number((g.querySelector("text:nth-of-type(2)")?.textContent ?? "0").split(" ")[0]);
        if (!best || n > best.n) best = { id: g.getAttribute("data-id"), n };
      }
      return best?.id ?? null;
    });
    if (!target) break;
    const before = await drawnCount(page);
    // A click dispatched in the page (the group may be panned out of view), timed from there.
    const t0 = await page.evaluate((id) => {
      const node = document.querySelector(`#graph-svg [data-id="${CSS.escape(id)}"] rect`);
      const t = performance.now();
      for (const type of ["pointerdown", "pointerup"]) node.dispatchEvent(new PointerEvent(type, { bubbles: true }));
      return t;
    }, target);
    const t1 = await waitDrawn(page, before);
    expands.push(t1 - t0);
  }
  // Search a name deep in the graph; Enter reveals the best hit.
  const before = await drawnCount(page);
  await page.fill("#graph-search", "unit_2/conv");
  const t0 = await page.evaluate(() => performance.now());
  await page.press("#graph-search", "Enter");
  const t1 = await waitDrawn(page, before);
  await page.waitForFunction(() => document.querySelector(".graphs-panel")?.dataset.searchMs !== undefined);
  const searchAnswer = Number(await page.evaluate(() => document.querySelector(".graphs-panel").dataset.searchMs));
  const longest = await page.evaluate(() => Math.max(0, ...window.__longtasks));
  const items = await page.locator("#graph-svg .graph-item").count();
  await context.close();
  return { tool: "vizjobs", top_ms: top, expand_ms: expands, search_answer_ms: searchAnswer, search_revealed_ms: t1 - t0, longest_task_ms: longest, items_drawn: items };
}

async function tensorboard() {
  const [context, page] = await newPage();
  const t0 = Date.now();
  await page.goto(`${tbUrl}/#graphs&run=${encodeURIComponent(run)}`);
  let top = null;
  try {
    await page.waitForSelector("tf-graph-scene g.node", { timeout: tbTimeout, state: "attached" });
    top = await page.evaluate(() => performance.now());
  } catch {
    top = null;
  }
  const longest = await page.evaluate(() => Math.max(0, ...window.__longtasks)).catch(() => null);
  const nodes = await page.locator("tf-graph-scene g.node").count().catch(() => 0);
  await context.close();
  return { tool: "tensorboard", top_ms: top, waited_ms: Date.now() - t0, longest_task_ms: longest, nodes_drawn: nodes };
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

const viz = [];
const tb = [];
for (let i = 0; i < reps; i++) {
  const v = await vizjobs();
  console.log(JSON.stringify({ label, rep: i, ...v }));
  viz.push(v);
  if (tbUrl !== "-") {
    const t = await tensorboard();
    console.log(JSON.stringify({ label, rep: i, ...t }));
    tb.push(t);
  }
}
const summary = {
  label,
  reps,
  vizjobs_top_ms: median(viz.map((r) => r.top_ms)),
  vizjobs_expand_ms: median(viz.flatMap((r) => r.expand_ms)),
  vizjobs_expand_max_ms: Math.max(...viz.flatMap((r) => r.expand_ms)),
  vizjobs_search_answer_ms: median(viz.map((r) => r.search_answer_ms)),
  vizjobs_search_revealed_ms: median(viz.map((r) => r.search_revealed_ms)),
  vizjobs_longest_task_ms: Math.max(...viz.map((r) => r.longest_task_ms)),
  tensorboard_top_ms: tb.length ? median(tb.map((r) => r.top_ms)) : null,
  tensorboard_finished: tb.filter((r) => r.top_ms !== null).length,
  tensorboard_longest_task_ms: tb.length ? Math.max(...tb.map((r) => r.longest_task_ms ?? 0)) : null,
};
if (summary.tensorboard_top_ms && summary.vizjobs_top_ms) summary.ratio_top = summary.vizjobs_top_ms / summary.tensorboard_top_ms;
console.log(JSON.stringify({ summary }));
await browser.close();
