// Measures, in a real browser, how long a dashboard takes from opening the page to the first
// scalar chart drawn and to every chart in the first screen drawn; then, once drawn, how long
// typing in the run filter takes to update the list and the charts (per keystroke, from the
// input event to the next animation frame) and how long a hover takes (per mouse move over the
// first chart, from the event to the next animation frame). Not a test: it asserts nothing and
// prints the figures (one line per visit, then the medians).
//
// Environment:
//   VIZJOBS_DASHBOARD_URL  a dashboard page, e.g. `vizjobs board`'s http://127.0.0.1:6006/
//   VIZJOBS_VISITS         how many visits, each in a fresh browser context (default 5)
//   VIZJOBS_FILTER         what to type into the run filter, one keystroke at a time
//                          (default "run_00"; empty: no typing measured)
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
const typed = process.env.VIZJOBS_FILTER ?? "run_00";

// Runs in the page once the first screen is drawn: per keystroke and per mouse move, the time
// from the event to the next animation frame (what the page does synchronously, plus the wait).
async function interact(text) {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const out = { typing: [], hover: [] };
  const over = document.querySelector(".chart-card .u-over");
  if (over) {
    const r = over.getBoundingClientRect();
    for (let i = 0; i < 20; i++) {
      await frame();
      const t0 = performance.now();
      const x = r.left + r.width * (0.05 + 0.045 * i);
      over.dispatchEvent(new MouseEvent("mousemove", { clientX: x, clientY: r.top + r.height * 0.5, bubbles: true }));
      await frame();
      out.hover.push(performance.now() - t0);
    }
    over.dispatchEvent(new MouseEvent("mouseleave", { bubbles: true }));
  }
  const input = document.getElementById("run-filter");
  if (input && text) {
    input.value = "";
    for (const ch of text) {
      await frame();
      const t0 = performance.now();
      input.value += ch;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      await frame();
      out.typing.push(performance.now() - t0);
    }
  }
  return out;
}

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

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const firsts = [];
const alls = [];
const typingAll = [];
const hoverAll = [];
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
  const it = await page.evaluate(interact, typed);
  if (it.typing.length > 0) {
    console.log(`  filter typing per keystroke: ${it.typing.map((x) => x.toFixed(0)).join(", ")} ms`);
    typingAll.push(...it.typing);
  }
  if (it.hover.length > 0) {
    console.log(`  hover per move: median ${median(it.hover).toFixed(1)} ms, max ${Math.max(...it.hover).toFixed(1)} ms`);
    hoverAll.push(...it.hover);
  }
  await context.close();
}
await browser.close();
console.log(`median of ${visits}: first chart ${median(firsts).toFixed(0)} ms, all visible charts ${median(alls).toFixed(0)} ms`);
if (typingAll.length > 0) {
  console.log(`filter typing: median ${median(typingAll).toFixed(0)} ms, max ${Math.max(...typingAll).toFixed(0)} ms per keystroke`);
}
if (hoverAll.length > 0) {
  console.log(`hover: median ${median(hoverAll).toFixed(1)} ms, max ${Math.max(...hoverAll).toFixed(1)} ms per mouse move`);
}
