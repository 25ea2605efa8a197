// Measures, in a real browser, how long a dashboard takes from opening the page to the first
// scalar chart drawn and to every chart in the first screen drawn. Not a test: it asserts
// nothing and prints the figures (one line per visit, then the median).
//
// Environment:
//   VIZJOBS_DASHBOARD_URL  a dashboard page, e.g. `vizjobs board`'s http://127.0.0.1:6006/
//   VIZJOBS_VISITS         how many visits, each in a fresh browser context (default 5)
//   CHROMIUM               browser binary (default /usr/bin/chromium)
//
// Times are from navigation start (performance.timeOrigin) to the animation frame in which the
// chart's `data-points` hook is first seen set (charts set it when they draw with data).
import { chromium } from "playwright-core";

const url = process.env.VIZJOBS_DASHBOARD_URL;
if (!url) {
  console.error("VIZJOBS_DASHBOARD_URL is not set");
  process.exit(2);
}
const visits = Number(process.env.VIZJOBS_VISITS ?? "5");

// Runs in the page before its own scripts: watches every frame for charts in the viewport.
function watchCharts() {
  const times = { first: null, allVisible: null, visibleCharts: 0 };
  window.__vizjobsTimes = times;
  const inViewport = (e) => {
    const r = e.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
  };
  const frame = () => {
    const now = performance.now();
    // A chart not created yet is a `.chart-slot` placeholder; a created one is a `.chart-card`.
    const visible = [...document.querySelectorAll(".chart-card, .chart-slot")].filter(inViewport);
    const drawn = visible.filter((e) => e.classList.contains("chart-card") && e.dataset.points);
    if (drawn.length > 0 && times.first === null) times.first = now;
    if (visible.length > 0 && drawn.length === visible.length) {
      times.allVisible = now;
      times.visibleCharts = visible.length;
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const firsts = [];
const alls = [];
for (let i = 1; i <= visits; i++) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(watchCharts);
  await page.goto(url);
  await page.waitForFunction(() => window.__vizjobsTimes?.allVisible !== null, null, { timeout: 120_000 });
  const t = await page.evaluate(() => window.__vizjobsTimes);
  console.log(
    `visit ${i}: first chart ${t.first.toFixed(0)} ms, all ${t.visibleCharts} visible charts ${t.allVisible.toFixed(0)} ms`,
  );
  firsts.push(t.first);
  alls.push(t.allVisible);
  await context.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median of ${visits}: first chart ${median(firsts).toFixed(0)} ms, all visible charts ${median(alls).toFixed(0)} ms`);
