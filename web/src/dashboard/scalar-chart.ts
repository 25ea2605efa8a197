/**
 * One scalar chart (one tag, every visible run overlaid) drawn with uPlot.
 *
 * Data flow: each run's series is first fetched downsampled (`points=initialPoints(runs)`); a zoom
 * fetches the zoomed step range again at full resolution and merges it in; a live refresh
 * fetches only steps after the last one held (`since_step`). Per run two lines are drawn: the
 * raw values faint, the smoothed values (debiased EMA) solid.
 *
 * Interaction: drag to zoom on x, wheel to zoom around the cursor, shift+drag or arrow keys to
 * pan, double click / "Reset" / `0` to see everything again.
 */
import uPlot from "uplot";
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchScalars } from "./api";
import { axisColor } from "./canvas";
import { runColor, withAlpha } from "./colors";
import { download, safeFileName, toCsv, toJson } from "./export";
import {
  appendNewer,
  initialPoints,
  mergeSlice,
  nearestIndex,
  robustRange,
  stepRangeForX,
  xValues,
  type ScalarPoint,
} from "./series";
import { smoothDebiasedEma } from "./smoothing";
import type { ViewState } from "./urlstate";

const CHART_HEIGHT = 240;
/** Tick spacings of the step axis: 1, 2, 5, 10, 20, 50, … up to 5·10^15. */
const STEP_INCREMENTS = Array.from({ length: 16 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

interface RunSeries {
  points: ScalarPoint[];
  xs: number[];
  smoothed: number[];
}

export class ScalarChart {
  readonly root: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly status: HTMLElement;
  private plot: uPlot | null = null;
  private data = new Map<string, ScalarPoint[]>();
  private drawn = new Map<string, RunSeries>();
  private drawnRuns: string[] = [];
  private zoomed: [number, number] | null = null;
  private settingData = false;
  private sliceTimer: number | undefined;
  private loading: Promise<void> | null = null;
  private resizeObserver: ResizeObserver;
  /** Resolves once the chart has been drawn with data for the first time. */
  readonly firstDraw: Promise<void>;
  private markDrawn!: () => void;

  constructor(
    readonly tag: string,
    private runs: string[],
    private view: ViewState,
  ) {
    this.firstDraw = new Promise((resolve) => (this.markDrawn = resolve));
    this.plotHost = el("div", { class: "plot-host" });
    this.tooltip = el("div", { class: "chart-tooltip", role: "status", hidden: true });
    this.status = el("div", { class: "chart-status" }, "Loading…");
    const button = (label: string, title: string, onclick: () => void) =>
      el("button", { type: "button", class: "small", title, onclick }, label);
    this.root = el(
      "figure",
      {
        class: "chart-card",
        tabIndex: 0,
        "aria-label": `Scalar chart ${tag}. Arrow keys pan, + and - zoom, 0 resets.`,
        dataset: { tag },
        onkeydown: (e: KeyboardEvent) => this.onKey(e),
      },
      el(
        "figcaption",
        { class: "chart-title" },
        el("span", { class: "tag-name", title: tag }, tag),
        el(
          "span",
          { class: "chart-actions" },
          button("Reset", "Reset zoom (double click, or key 0)", () => this.resetZoom()),
          button("CSV", "Download the data as CSV", () => void this.download("csv")),
          button("JSON", "Download the data as JSON", () => void this.download("json")),
        ),
      ),
      this.plotHost,
      this.status,
      this.tooltip,
    );
    this.resizeObserver = new ResizeObserver(() => this.fitWidth());
    this.resizeObserver.observe(this.plotHost);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    window.clearTimeout(this.sliceTimer);
    this.plot?.destroy();
    this.plot = null;
  }

  /** Loads every run not yet held, then draws. */
  async load(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      const missing = this.runs.filter((r) => !this.data.has(r));
      const results = await Promise.allSettled(
        missing.map(async (run) => [run, await fetchScalars(run, this.tag, { points: initialPoints(this.runs.length) })] as const),
      );
      const failures: string[] = [];
      for (const r of results) {
        if (r.status === "fulfilled") this.data.set(r.value[0], r.value[1]);
        else failures.push(String(r.reason instanceof Error ? r.reason.message : r.reason));
      }
      this.status.textContent = failures.length > 0 ? `Some runs failed to load: ${failures[0]}` : "";
      this.draw();
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }

  /** New runs selection or view settings: redraw (loading runs not held yet). */
  async setRunsAndView(runs: string[], view: ViewState): Promise<void> {
    const xChanged = view.xAxis !== this.view.xAxis;
    this.runs = runs;
    this.view = view;
    if (xChanged) this.zoomed = null;
    if (runs.some((r) => !this.data.has(r))) await this.load();
    else this.draw();
  }

  /** Live refresh: fetch the steps after the last one held, for each run. */
  async refresh(): Promise<void> {
    let changed = false;
    await Promise.allSettled(
      this.runs.map(async (run) => {
        const held = this.data.get(run);
        if (!held || held.length === 0) {
          const fresh = await fetchScalars(run, this.tag, { points: initialPoints(this.runs.length) });
          if (fresh.length > 0) {
            this.data.set(run, fresh);
            changed = true;
          }
          return;
        }
        const last = (held[held.length - 1] as ScalarPoint)[0];
        const newer = await fetchScalars(run, this.tag, { sinceStep: last });
        if (newer.length > 0) {
          this.data.set(run, appendNewer(held, newer));
          changed = true;
        }
      }),
    );
    if (changed) this.draw();
  }

  private prepare(): void {
    this.drawn.clear();
    for (const run of this.runs) {
      const points = dedupeByX(this.data.get(run) ?? [], this.view.xAxis);
      const xs = xValues(points, this.view.xAxis);
      const values = points.map((p) => p[2]);
      this.drawn.set(run, { points, xs, smoothed: smoothDebiasedEma(values, this.view.smoothing) });
    }
    this.drawnRuns = this.runs.filter((r) => (this.drawn.get(r)?.points.length ?? 0) > 0);
  }

  private draw(): void {
    this.prepare();
    if (this.drawnRuns.length === 0) {
      this.plot?.destroy();
      this.plot = null;
      this.status.textContent = this.runs.length === 0 ? "No selected run has this tag." : "No data yet.";
      return;
    }
    const smoothing = this.view.smoothing > 0;
    const logY = this.view.logY;
    const clean = (v: number) => (Number.isFinite(v) && (!logY || v > 0) ? v : null);
    const tables: uPlot.AlignedData[] = this.drawnRuns.map((run) => {
      const s = this.drawn.get(run) as RunSeries;
      const raw = s.points.map((p) => clean(p[2]));
      return (smoothing ? [s.xs, raw, s.smoothed.map(clean)] : [s.xs, raw]) as uPlot.AlignedData;
    });
    const data = uPlot.join(tables);
    const series: uPlot.Series[] = [{ label: this.xLabel() }];
    for (const run of this.drawnRuns) {
      const color = runColor(run);
      // Short series (an eval every few hundred steps, a single hparams metric) show their dots.
      const dots = { show: (this.drawn.get(run)?.points.length ?? 0) <= 30, size: 5 };
      series.push({
        label: run,
        stroke: smoothing ? withAlpha(color, 0.25) : color,
        width: smoothing ? 1 : 1.5,
        spanGaps: true,
        points: smoothing ? { show: false } : dots,
      });
      if (smoothing) series.push({ label: `${run} (smoothed)`, stroke: color, width: 1.75, spanGaps: true, points: dots });
    }

    const structureKey = `${series.map((s) => s.label).join("\u0000")}|${logY}|${this.view.xAxis}|${this.view.ignoreOutliers}`;
    if (this.plot && this.plot.root.dataset.structure === structureKey) {
      this.settingData = true;
      this.plot.setData(data, this.zoomed === null);
      if (this.zoomed) this.plot.setScale("x", { min: this.zoomed[0], max: this.zoomed[1] });
      this.settingData = false;
    } else {
      this.plot?.destroy();
      this.plot = this.create(data, series, structureKey);
    }
    this.status.textContent = "";
    this.root.dataset.points = this.drawnRuns
      .map((r) => `${r}=${this.drawn.get(r)?.points.length ?? 0}`)
      .join(";");
    this.markDrawn();
  }

  private xLabel(): string {
    return this.view.xAxis === "step" ? "step" : this.view.xAxis === "relative" ? "hours" : "time";
  }

  private create(data: uPlot.AlignedData, series: uPlot.Series[], structureKey: string): uPlot {
    const ignoreOutliers = this.view.ignoreOutliers;
    const drawn = this.drawn;
    const runs = this.drawnRuns;
    const opts: uPlot.Options = {
      width: Math.max(200, this.plotHost.clientWidth || 400),
      height: CHART_HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
      scales: {
        x: {
          time: this.view.xAxis === "wall",
          // One x (an hparams metric, a first eval) sits centred, not on the left edge of the
          // 0–100 span uPlot widens a single value to before calling this.
          range: (_u, min, max): uPlot.Range.MinMax => {
            const full = this.fullXRange();
            return full !== null && full[0] === full[1] ? [full[0] - 1, full[1] + 1] : [min, max];
          },
        },
        y: {
          distr: this.view.logY ? 3 : 1,
          range: (_u, min, max): uPlot.Range.MinMax => {
            if (ignoreOutliers && !this.view.logY) {
              const values: number[] = [];
              for (const run of runs) for (const p of drawn.get(run)?.points ?? []) values.push(p[2]);
              const r = robustRange(values);
              if (r) return r;
            }
            if (min === max) return [min - (Math.abs(min) || 1) * 0.1, max + (Math.abs(max) || 1) * 0.1];
            if (this.view.logY) return [min, max];
            const pad = (max - min) * 0.05;
            return [min - pad, max + pad];
          },
        },
      },
      axes: [
        {
          stroke: axisColor(),
          grid: { stroke: "rgba(128,128,128,0.15)" },
          ticks: { show: false },
          // Steps are whole numbers: no tick at step 0.25.
          incrs: this.view.xAxis === "step" ? STEP_INCREMENTS : undefined,
        },
        {
          stroke: axisColor(),
          grid: { stroke: "rgba(128,128,128,0.15)" },
          ticks: { show: false },
          size: 60,
          values: (_u, splits) => splits.map((v) => formatValue(v)),
        },
      ],
      series,
      hooks: {
        setCursor: [(u) => this.showTooltip(u)],
        setScale: [
          (u, key) => {
            if (key !== "x" || this.settingData) return;
            const min = u.scales.x?.min;
            const max = u.scales.x?.max;
            if (min === undefined || max === undefined || min === null || max === null) return;
            const full = this.fullXRange();
            const isFull = full !== null && min <= full[0] && max >= full[1];
            this.zoomed = isFull ? null : [min, max];
            if (this.zoomed) this.scheduleSliceFetch(min, max);
          },
        ],
        ready: [(u) => this.attachPanAndWheel(u)],
      },
    };
    const plot = new uPlot(opts, data, this.plotHost);
    plot.root.dataset.structure = structureKey;
    if (this.zoomed) plot.setScale("x", { min: this.zoomed[0], max: this.zoomed[1] });
    return plot;
  }

  private fullXRange(): [number, number] | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const run of this.drawnRuns) {
      const xs = this.drawn.get(run)?.xs ?? [];
      if (xs.length === 0) continue;
      lo = Math.min(lo, xs[0] as number);
      hi = Math.max(hi, xs[xs.length - 1] as number);
    }
    return lo <= hi ? [lo, hi] : null;
  }

  private showTooltip(u: uPlot): void {
    const left = u.cursor.left;
    if (left === undefined || left < 0) {
      this.tooltip.hidden = true;
      return;
    }
    const x = u.posToVal(left, "x");
    const rows: { run: string; step: number; raw: number; smooth: number }[] = [];
    for (const run of this.drawnRuns) {
      const s = this.drawn.get(run);
      if (!s) continue;
      const i = nearestIndex(s.xs, x);
      const p = s.points[i];
      if (!p) continue;
      rows.push({ run, step: p[0], raw: p[2], smooth: s.smoothed[i] as number });
    }
    rows.sort((a, b) => (Number.isFinite(b.smooth) ? b.smooth : -Infinity) - (Number.isFinite(a.smooth) ? a.smooth : -Infinity));
    const smoothing = this.view.smoothing > 0;
    const table = el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "run"), el("th", {}, smoothing ? "smoothed" : "value"), smoothing && el("th", {}, "value"), el("th", {}, "step"))),
      el(
        "tbody",
        {},
        ...rows.map((r) =>
          el(
            "tr",
            {},
            el("td", {}, el("span", { class: "swatch", style: `background:${runColor(r.run)}` }), r.run),
            el("td", { class: "num" }, formatValue(smoothing ? r.smooth : r.raw)),
            smoothing && el("td", { class: "num" }, formatValue(r.raw)),
            el("td", { class: "num" }, String(r.step)),
          ),
        ),
      ),
    );
    this.tooltip.replaceChildren(table);
    this.tooltip.hidden = rows.length === 0;
    const hostWidth = this.root.clientWidth;
    const overLeft = u.over.offsetLeft + left;
    const placeLeft = overLeft > hostWidth / 2;
    this.tooltip.style.left = placeLeft ? "" : `${overLeft + 16}px`;
    this.tooltip.style.right = placeLeft ? `${hostWidth - overLeft + 16}px` : "";
  }

  private attachPanAndWheel(u: uPlot): void {
    u.over.addEventListener("mouseleave", () => (this.tooltip.hidden = true));
    u.over.addEventListener(
      "wheel",
      (e: WheelEvent) => {
        if (!e.ctrlKey && !e.altKey) return;
        e.preventDefault();
        const x = u.posToVal(e.offsetX, "x");
        this.zoomAround(x, e.deltaY < 0 ? 0.8 : 1.25);
      },
      { passive: false },
    );
    u.over.addEventListener(
      "mousedown",
      (e: MouseEvent) => {
        if (!e.shiftKey) return;
        e.stopPropagation();
        e.preventDefault();
        const startX = e.clientX;
        const min0 = u.scales.x?.min ?? 0;
        const max0 = u.scales.x?.max ?? 0;
        const perPixel = (max0 - min0) / u.over.clientWidth;
        const move = (m: MouseEvent) => {
          const shift = (startX - m.clientX) * perPixel;
          u.setScale("x", { min: min0 + shift, max: max0 + shift });
        };
        const up = () => {
          window.removeEventListener("mousemove", move);
          window.removeEventListener("mouseup", up);
        };
        window.addEventListener("mousemove", move);
        window.addEventListener("mouseup", up);
      },
      true,
    );
  }

  private zoomAround(center: number, factor: number): void {
    const u = this.plot;
    if (!u) return;
    const min = u.scales.x?.min ?? 0;
    const max = u.scales.x?.max ?? 0;
    u.setScale("x", { min: center - (center - min) * factor, max: center + (max - center) * factor });
  }

  private onKey(e: KeyboardEvent): void {
    const u = this.plot;
    if (!u || e.target !== this.root) return;
    const min = u.scales.x?.min ?? 0;
    const max = u.scales.x?.max ?? 0;
    const span = max - min;
    const handled = true;
    switch (e.key) {
      case "ArrowLeft":
        u.setScale("x", { min: min - span * 0.2, max: max - span * 0.2 });
        break;
      case "ArrowRight":
        u.setScale("x", { min: min + span * 0.2, max: max + span * 0.2 });
        break;
      case "+":
      case "=":
        this.zoomAround((min + max) / 2, 0.7);
        break;
      case "-":
        this.zoomAround((min + max) / 2, 1 / 0.7);
        break;
      case "0":
        this.resetZoom();
        break;
      default:
        return;
    }
    if (handled) e.preventDefault();
  }

  resetZoom(): void {
    const full = this.fullXRange();
    this.zoomed = null;
    if (this.plot && full) this.plot.setScale("x", { min: full[0], max: full[1] });
  }

  /** After a zoom settles, fetch the zoomed steps of each run at full resolution. */
  private scheduleSliceFetch(xMin: number, xMax: number): void {
    window.clearTimeout(this.sliceTimer);
    this.sliceTimer = window.setTimeout(() => void this.fetchSlices(xMin, xMax), 250);
  }

  private async fetchSlices(xMin: number, xMax: number): Promise<void> {
    let changed = false;
    await Promise.allSettled(
      this.drawnRuns.map(async (run) => {
        const s = this.drawn.get(run);
        const held = this.data.get(run);
        if (!s || !held) return;
        const range = stepRangeForX(s.points, s.xs, xMin, xMax);
        if (!range) return;
        const slice = await fetchScalars(run, this.tag, { startStep: range[0], endStep: range[1] });
        const merged = mergeSlice(held, slice, range[0], range[1]);
        if (merged.length !== held.length) {
          this.data.set(run, merged);
          changed = true;
        }
      }),
    );
    if (changed) this.draw();
  }

  private fitWidth(): void {
    const width = this.plotHost.clientWidth;
    if (this.plot && width > 0 && Math.abs(this.plot.width - width) > 2) {
      this.plot.setSize({ width, height: CHART_HEIGHT });
    }
  }

  /** Downloads every point (not the downsampled view) of every shown run. */
  private async download(kind: "csv" | "json"): Promise<void> {
    const series = await Promise.all(
      this.drawnRuns.map(async (run) => ({ run, tag: this.tag, points: await fetchScalars(run, this.tag) })),
    );
    const name = safeFileName(this.tag);
    if (kind === "csv") download(`${name}.csv`, toCsv(series), "text/csv");
    else download(`${name}.json`, toJson(series), "application/json");
  }
}

/** uPlot.join needs strictly increasing x per run: keep the last point of each x. */
function dedupeByX(points: readonly ScalarPoint[], mode: ViewState["xAxis"]): ScalarPoint[] {
  const xs = xValues(points, mode);
  const out: ScalarPoint[] = [];
  let lastX = -Infinity;
  for (let i = 0; i < points.length; i++) {
    const x = xs[i] as number;
    if (!Number.isFinite(x)) continue;
    if (x > lastX) {
      out.push(points[i] as ScalarPoint);
      lastX = x;
    } else if (x === lastX) {
      out[out.length - 1] = points[i] as ScalarPoint;
    }
  }
  return out;
}
