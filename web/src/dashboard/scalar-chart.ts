/**
 * One scalar chart: one tag, every visible run overlaid, for 1 run or 10,000.
 *
 * Data flow: the chart's runs are fetched in one request (`data/scalars_multirun`, binary form),
 * downsampled to `initialPoints(runs)` points each; a zoom fetches the zoomed step range of the
 * drawn runs again at full resolution (one request) and merges it in; a live refresh fetches the
 * steps after the ones held (`since_step`, one request). Series stay typed columns
 * (`multirun.ts`).
 *
 * Drawing: uPlot draws the axes, grid, cursor and zoom selection; the runs are painted by this
 * chart in uPlot's `draw` hook, straight onto its canvas, batched into one path per colour and
 * thinned to one point per pixel column, so a frame costs about (drawn runs × plot width) and
 * nothing per run in the DOM. Few runs (≤ {@link FEW_RUNS}) are drawn as before: raw values
 * faint, smoothed solid. More are drawn thin and translucent; with grouping on, each group's mean
 * or median is drawn bold over its band. Hovering finds the few runs nearest the cursor
 * (a binary search per run), lists them in the tooltip and draws the nearest bold on an overlay
 * canvas, repainted only when another run becomes the nearest, so a mouse move never repaints
 * the thousands of lines.
 *
 * Interaction: drag to zoom on x, wheel (with Ctrl or Alt) to zoom around the cursor, shift+drag
 * or arrow keys to pan, double click / "Reset" / `0` to see everything again.
 */
import uPlot from "uplot";
import { el } from "../common/dom";
import { formatDuration, formatSteps, formatValue, relativeSplits, timeUnitFor, type TimeUnit } from "../common/format";
import { fetchScalars, fetchScalarsMultirun, type RunSelection } from "./api";
import { axisColor, cssVar } from "./canvas";
import { runColor, withAlpha } from "./colors";
import { download, safeFileName, toCsv, toJson } from "./export";
import {
  aggregate,
  appendColumns,
  mergeColumns,
  nearestAt,
  rasterize,
  rgbOf,
  smoothColumn,
  xColumn,
  type Band,
  type RunColumns,
  type Stat,
} from "./multirun";
import { robustRange, type ScalarPoint } from "./series";
import type { ViewState } from "./urlstate";

const CHART_HEIGHT = 240;
/** Up to this many runs, each is drawn like a chart of a few runs: raw faint, smoothed solid, dots on short series. */
export const FEW_RUNS = 50;
/** Beyond this many runs, lines are rasterised in memory rather than stroked as canvas paths. */
const RASTER_RUNS = 300;
/** Runs listed when hovering. */
const NEAREST_RUNS = 5;
/** Tick spacings of the step axis: 1, 2, 5, 10, 20, 50, … up to 5·10^15. */
/** Rows of the step selector's table at most (the first drawn runs). */
const STEP_TABLE_RUNS = 50;
const STEP_INCREMENTS = Array.from({ length: 16 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/** How the panel wants runs coloured and grouped; the same object for every chart of the panel. */
export interface ChartStyle {
  colorOf(run: string): string;
  /** The group of each run while grouping is on; null when off. */
  groupOf: ((run: string) => string | null) | null;
  groupColor(group: string): string;
  hiddenGroups: ReadonlySet<string>;
  stat: Stat;
  band: Band;
}

/**
 * Points asked for per run on first load: up to 2,000 for a few runs, fewer as runs share a chart
 * (about 500,000 points per chart, at least 64 per run: 16 buckets of first, min, max and last).
 * Zooming fetches every point of the zoomed range.
 */
export function initialPoints(runCount: number): number {
  return Math.max(64, Math.min(2000, Math.floor(500_000 / Math.max(1, runCount))));
}

/** Each run in its own colour, no grouping. */
export const RUN_COLORS: ChartStyle = {
  colorOf: runColor,
  groupOf: null,
  groupColor: runColor,
  hiddenGroups: new Set(),
  stat: "mean",
  band: "minmax",
};

/** A run as drawn: x and y columns for the current x axis and smoothing. */
interface Prepared {
  xs: Float64Array;
  raw: Float32Array;
  ys: Float64Array;
  steps: Float64Array;
  /** Wall times in seconds since the epoch. */
  walls: Float64Array;
}

export class ScalarChart {
  readonly root: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly actions: HTMLElement;
  /** The table of every drawn run's values at the selected steps (the step selector). */
  private readonly stepTable = el("div", { class: "step-table" });
  /** Selected x positions (clicked), at most two: the second gives the change between them. */
  private selectedXs: number[] = [];
  private readonly status: HTMLElement;
  private plot: uPlot | null = null;
  private overlay: HTMLCanvasElement | null = null;
  private data = new Map<string, RunColumns>();
  private prepared = new Map<string, Prepared>();
  private preparedKey = "";
  private drawnRuns: string[] = [];
  /** The run drawn bold: the nearest to the cursor (none or one). */
  private hovered: string[] = [];
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
    private style: ChartStyle = RUN_COLORS,
    /** Whether `runs` is every run of the logdir that has the tag (then one regex asks for them). */
    private allRuns = false,
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
      this.stepTable,
      this.tooltip,
    );
    this.actions = this.root.querySelector(".chart-actions") as HTMLElement;
    this.resizeObserver = new ResizeObserver(() => this.fitWidth());
    this.resizeObserver.observe(this.plotHost);
  }

  /** Adds a tool button to the card's title bar (the panel's Pin and Wide). */
  addAction(name: string, label: string, title: string, onclick: () => void): void {
    this.actions.prepend(el("button", { type: "button", class: "small", title, dataset: { action: name }, onclick }, label));
  }

  setAction(name: string, label: string, title: string): void {
    const button = this.actions.querySelector<HTMLButtonElement>(`button[data-action="${name}"]`);
    if (button) {
      button.textContent = label;
      button.title = title;
    }
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    window.clearTimeout(this.sliceTimer);
    this.plot?.destroy();
    this.plot = null;
  }

  /** The selection for a request covering `runs`. */
  private selection(runs: string[]): RunSelection {
    return this.allRuns && runs === this.runs ? { runRegex: "" } : { runs };
  }

  /** Loads every run not yet held (one request), then draws. */
  async load(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      const missing = this.runs.filter((r) => !this.data.has(r));
      if (missing.length > 0) {
        try {
          const selection = missing.length === this.runs.length ? this.selection(this.runs) : { runs: missing };
          const got = await fetchScalarsMultirun(this.tag, selection, { points: initialPoints(this.runs.length) });
          for (const [run, columns] of got) this.data.set(run, columns);
          // Runs that came back without data are held empty, so they are not asked for again.
          for (const run of missing) if (!this.data.has(run)) this.data.set(run, emptyColumns());
          this.status.textContent = "";
        } catch (error) {
          this.status.textContent = `Failed to load: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      this.draw();
    })();
    try {
      await this.loading;
    } finally {
      this.loading = null;
    }
  }

  /** New runs selection, view settings or style: redraw (loading runs not held yet). */
  async setRunsAndView(runs: string[], view: ViewState, style: ChartStyle = RUN_COLORS, allRuns = false): Promise<void> {
    const unchanged =
      this.plot !== null &&
      style === this.style &&
      view.xAxis === this.view.xAxis &&
      view.smoothing === this.view.smoothing &&
      view.logY === this.view.logY &&
      view.ignoreOutliers === this.view.ignoreOutliers &&
      sameList(runs, this.runs);
    this.allRuns = allRuns;
    if (unchanged) return;
    if (view.xAxis !== this.view.xAxis) this.zoomed = null;
    this.runs = runs;
    this.view = view;
    this.style = style;
    this.allRuns = allRuns;
    if (runs.some((r) => !this.data.has(r))) await this.load();
    else this.draw();
  }

  /** Live refresh: one request for the steps after the last one held by any run. */
  async refresh(): Promise<void> {
    // Runs that had no point of the tag yet are asked for in full again.
    for (const run of this.runs) if (this.data.get(run)?.steps.length === 0) this.data.delete(run);
    if (this.runs.some((r) => !this.data.has(r))) return this.load();
    let since = Infinity;
    for (const run of this.runs) {
      const held = this.data.get(run) as RunColumns;
      since = Math.min(since, held.steps[held.steps.length - 1] as number);
    }
    if (!Number.isFinite(since)) return;
    const newer = await fetchScalarsMultirun(this.tag, this.selection(this.runs), { sinceStep: since });
    let changed = false;
    for (const [run, columns] of newer) {
      if (columns.steps.length === 0) continue;
      const held = this.data.get(run);
      const merged = held && held.steps.length > 0 ? appendColumns(held, columns) : columns;
      if (!held || merged.steps.length !== held.steps.length) {
        this.data.set(run, merged);
        this.prepared.delete(run);
        changed = true;
      }
    }
    if (changed) this.draw();
  }

  /** Columns of every run for the current x axis and smoothing, computed once per run and setting. */
  private prepare(): void {
    const key = `${this.view.xAxis}|${this.view.smoothing}`;
    if (key !== this.preparedKey) {
      this.prepared.clear();
      this.preparedKey = key;
    }
    for (const run of this.runs) {
      if (this.prepared.has(run)) continue;
      const c = this.data.get(run);
      if (!c) continue;
      const xs = xColumn(c, this.view.xAxis);
      this.prepared.set(run, { xs, raw: c.values, ys: smoothColumn(c.values, this.view.smoothing), steps: c.steps, walls: c.walls });
    }
  }

  /** Runs drawn: those with data, minus hidden groups. */
  private visibleRuns(): string[] {
    const groupOf = this.style.groupOf;
    const hidden = this.style.hiddenGroups;
    return this.runs.filter((r) => {
      if ((this.prepared.get(r)?.xs.length ?? 0) === 0) return false;
      if (!groupOf || hidden.size === 0) return true;
      const g = groupOf(r);
      return g === null || !hidden.has(g);
    });
  }

  private draw(): void {
    this.prepare();
    this.drawnRuns = this.visibleRuns();
    if (this.drawnRuns.length === 0) {
      this.plot?.destroy();
      this.plot = null;
      this.overlay = null;
      const held = this.runs.some((r) => (this.prepared.get(r)?.xs.length ?? 0) > 0);
      if (this.runs.length === 0) this.status.textContent = "No selected run has this tag.";
      else if (held) this.status.textContent = "Every group of this chart is hidden.";
      else if (!this.status.textContent.startsWith("Failed")) this.status.textContent = "No data yet.";
      this.root.dataset.runsDrawn = "0";
      return;
    }
    const structureKey = `${this.view.logY}|${this.view.xAxis}|${this.view.ignoreOutliers}`;
    const extents = this.extents();
    if (this.plot && this.plot.root.dataset.structure === structureKey) {
      this.settingData = true;
      this.plot.setData(extents, this.zoomed === null);
      if (this.zoomed) this.plot.setScale("x", { min: this.zoomed[0], max: this.zoomed[1] });
      this.settingData = false;
    } else {
      this.plot?.destroy();
      this.plot = this.create(extents, structureKey);
    }
    this.status.textContent = "";
    this.root.dataset.runsDrawn = String(this.drawnRuns.length);
    this.root.dataset.points =
      this.drawnRuns.length <= FEW_RUNS
        ? this.drawnRuns.map((r) => `${r}=${this.prepared.get(r)?.xs.length ?? 0}`).join(";")
        : `${this.drawnRuns.length} runs`;
    if (this.selectedXs.length > 0) this.renderStepTable();
    this.markDrawn();
  }

  /**
   * The step selector's table: each drawn run's point nearest each selected x, with its value,
   * smoothed value, step, wall time and relative time; with two selected, the change of the
   * smoothed value between them.
   */
  private renderStepTable(): void {
    if (this.selectedXs.length === 0) {
      this.stepTable.replaceChildren();
      delete this.root.dataset.selectedSteps;
      return;
    }
    const two = this.selectedXs.length === 2;
    const runs = this.drawnRuns.slice(0, STEP_TABLE_RUNS);
    const num = (v: number) => el("td", { class: "num" }, formatValue(v));
    const rows = runs.map((run) => {
      const p = this.prepared.get(run) as Prepared;
      const [a, b] = this.selectedXs.map((x) => nearestAt(p.xs, x));
      const cells: (HTMLElement | false)[] = [el("td", {}, el("span", { class: "swatch", style: `background:${this.colorFor(run)}` }), run)];
      for (const i of two ? [a, b] : [a]) {
        if (i === undefined || i < 0) {
          cells.push(el("td", { colSpan: 5, class: "muted" }, "no point"));
          continue;
        }
        cells.push(
          el("td", { class: "num", dataset: { step: String(p.steps[i]) } }, String(p.steps[i])),
          num(p.raw[i] as number),
          num(p.ys[i] as number),
          el("td", { class: "num nowrap" }, formatWallTime(p.walls[i] as number)),
          el("td", { class: "num" }, formatRelativeSeconds((p.walls[i] as number) - (p.walls[0] as number))),
        );
      }
      if (two) {
        const ok = a !== undefined && b !== undefined && a >= 0 && b >= 0;
        cells.push(ok ? num((p.ys[b] as number) - (p.ys[a] as number)) : el("td", {}, "–"));
      }
      return el("tr", { dataset: { run } }, ...cells);
    });
    const per = ["step", "value", "smoothed", "time", "relative"];
    const head = el(
      "tr",
      {},
      el("th", {}, "run"),
      ...(two ? ["A", "B"] : [""]).flatMap((which) => per.map((h) => el("th", {}, which ? `${h} ${which}` : h))),
      two && el("th", {}, "change (smoothed B − A)"),
    );
    this.stepTable.replaceChildren(
      el(
        "div",
        { class: "step-table-head" },
        el("span", { class: "muted" }, two ? "Two steps selected." : "Click a step; Ctrl+click another to compare."),
        el("button", { type: "button", class: "small", onclick: () => this.clearSteps() }, "Clear"),
      ),
      el("table", { class: "data-table step-values" }, el("thead", {}, head), el("tbody", {}, ...rows)),
      this.drawnRuns.length > runs.length ? el("p", { class: "muted" }, `first ${runs.length} of ${this.drawnRuns.length} runs`) : "",
    );
    this.root.dataset.selectedSteps = String(this.selectedXs.length);
  }

  private clearSteps(): void {
    this.selectedXs = [];
    this.renderStepTable();
    this.paintOverlay();
  }

  /** uPlot's data: the x and y extents of the drawn runs as one invisible two-point series. */
  private extents(): uPlot.AlignedData {
    const x = this.fullXRange() ?? [0, 1];
    let lo = Infinity;
    let hi = -Infinity;
    for (const run of this.drawnRuns) {
      const ys = (this.prepared.get(run) as Prepared).ys;
      for (let i = 0; i < ys.length; i++) {
        const v = ys[i] as number;
        if (!Number.isFinite(v) || (this.view.logY && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (!(lo <= hi)) [lo, hi] = this.view.logY ? [1, 10] : [0, 1];
    return [
      [x[0], x[1]],
      [lo, hi],
    ];
  }

  private xLabel(): string {
    return this.view.xAxis === "step" ? "step" : this.view.xAxis === "relative" ? `relative (${this.relativeUnit().name})` : "time";
  }

  /** The unit the relative axis reads in: the one that fits the longest run's span. */
  private relativeUnit(): TimeUnit {
    let hours = 0;
    for (const p of this.prepared.values()) if (p.xs.length > 0) hours = Math.max(hours, p.xs[p.xs.length - 1] as number);
    return timeUnitFor(hours * 3600);
  }

  /** The x axis' ticks and labels: abbreviated huge steps, or relative time in its unit. */
  private xTicks(): Partial<uPlot.Axis> {
    if (this.view.xAxis === "step") {
      // Steps are whole numbers: no tick at step 0.25. Huge steps (2^53 and near it) are
      // abbreviated, so that labels never run into each other.
      return { incrs: STEP_INCREMENTS, values: (_u, splits) => formatSteps(splits) };
    }
    if (this.view.xAxis === "relative") {
      // The relative x is in hours; ticks fall on round amounts of time (uPlot's own `incrs`
      // accept only decimal-friendly increments, which 1/3600 h is not), labelled in the unit shown.
      const unit = this.relativeUnit();
      return {
        splits: (u, _axis, min, max) => relativeSplits(min, max, u.bbox.width / (window.devicePixelRatio || 1)),
        values: (_u, splits) => splits.map((h) => `${Number(((h * 3600) / unit.seconds).toPrecision(4))} ${unit.name}`),
      };
    }
    return {};
  }

  /** The y range of the drawn runs within the x window (what uPlot would auto-range to). */
  private yRange(xMin: number, xMax: number): [number, number] | null {
    const logY = this.view.logY;
    if (this.view.ignoreOutliers && !logY) {
      const values: number[] = [];
      const stride = Math.max(1, Math.floor(this.drawnRuns.length / 500));
      for (let k = 0; k < this.drawnRuns.length; k += stride) {
        const p = this.prepared.get(this.drawnRuns[k] as string) as Prepared;
        for (let i = 0; i < p.xs.length; i++) if ((p.xs[i] as number) >= xMin && (p.xs[i] as number) <= xMax) values.push(p.ys[i] as number);
      }
      const r = robustRange(values);
      if (r) return r;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const run of this.drawnRuns) {
      const p = this.prepared.get(run) as Prepared;
      const from = Math.max(0, lowerBound(p.xs, xMin) - 1);
      const to = Math.min(p.xs.length, lowerBound(p.xs, xMax) + 1);
      for (let i = from; i < to; i++) {
        const v = p.ys[i] as number;
        if (!Number.isFinite(v) || (logY && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (this.drawnRuns.length <= FEW_RUNS && this.view.smoothing > 0) {
          const r = p.raw[i] as number;
          if (Number.isFinite(r) && (!logY || r > 0)) {
            if (r < lo) lo = r;
            if (r > hi) hi = r;
          }
        }
      }
    }
    if (!(lo <= hi)) return null;
    if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
    if (logY) return [lo, hi];
    const pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  }

  private create(data: uPlot.AlignedData, structureKey: string): uPlot {
    const opts: uPlot.Options = {
      width: Math.max(200, this.plotHost.clientWidth || 400),
      height: CHART_HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
      scales: {
        x: {
          time: this.view.xAxis === "wall",
          // One x (an hparams metric, a first eval) sits centred.
          range: (_u, min, max): uPlot.Range.MinMax => {
            const full = this.fullXRange();
            return full !== null && full[0] === full[1] ? [full[0] - 1, full[1] + 1] : [min, max];
          },
        },
        y: {
          distr: this.view.logY ? 3 : 1,
          range: (u, min, max): uPlot.Range.MinMax => {
            const xMin = u.scales.x?.min ?? -Infinity;
            const xMax = u.scales.x?.max ?? Infinity;
            return this.yRange(xMin, xMax) ?? [min, max];
          },
        },
      },
      axes: [
        {
          stroke: axisColor(),
          grid: { stroke: "rgba(128,128,128,0.15)" },
          ticks: { show: false },
          ...this.xTicks(),
        },
        {
          stroke: axisColor(),
          grid: { stroke: "rgba(128,128,128,0.15)" },
          ticks: { show: false },
          size: 60,
          values: (_u, splits) => splits.map((v) => formatValue(v)),
        },
      ],
      series: [{ label: this.xLabel() }, { label: "extent", stroke: "transparent", width: 0, points: { show: false } }],
      hooks: {
        draw: [(u) => this.paint(u)],
        setCursor: [(u) => this.hover(u)],
        setSize: [(u) => this.sizeOverlay(u)],
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

  /** Pixel transforms of the plot area, in canvas pixels. */
  private transform(u: uPlot): { px: (x: number) => number; py: (y: number) => number } | null {
    const xMin = u.scales.x?.min;
    const xMax = u.scales.x?.max;
    const yMin = u.scales.y?.min;
    const yMax = u.scales.y?.max;
    if (xMin == null || xMax == null || yMin == null || yMax == null) return null;
    const { left, top, width, height } = u.bbox;
    const sx = width / (xMax - xMin || 1);
    const px = (x: number) => left + (x - xMin) * sx;
    if (this.view.logY) {
      const l0 = Math.log10(yMin);
      const sy = height / (Math.log10(yMax) - l0 || 1);
      return { px, py: (y: number) => top + height - (Math.log10(y) - l0) * sy };
    }
    const sy = height / (yMax - yMin || 1);
    return { px, py: (y: number) => top + height - (y - yMin) * sy };
  }

  /** Paints the runs (and groups) onto uPlot's canvas; see the module docs. */
  private paint(u: uPlot): void {
    const t = this.transform(u);
    if (!t) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const ratio = window.devicePixelRatio || 1;
    const few = this.drawnRuns.length <= FEW_RUNS;
    const smoothing = this.view.smoothing > 0;
    const grouping = this.style.groupOf !== null;
    const colorOf = (run: string): string => {
      if (!grouping) return this.style.colorOf(run);
      const g = (this.style.groupOf as (run: string) => string | null)(run);
      return g === null ? "#888888" : this.style.groupColor(g);
    };
    // Runs by colour, so each colour is one path.
    const byColor = new Map<string, string[]>();
    for (const run of this.drawnRuns) {
      const color = colorOf(run);
      const list = byColor.get(color);
      if (list) list.push(run);
      else byColor.set(color, [run]);
    }
    ctx.lineJoin = "round";
    if (few) {
      for (const [color, runs] of byColor) {
        if (smoothing) {
          this.strokeRuns(ctx, runs, t, "raw", withAlpha(color, grouping ? 0.15 : 0.25), 1 * ratio);
          this.strokeRuns(ctx, runs, t, "ys", grouping ? withAlpha(color, 0.6) : color, (grouping ? 1 : 1.75) * ratio);
        } else {
          this.strokeRuns(ctx, runs, t, "ys", grouping ? withAlpha(color, 0.6) : color, (grouping ? 1 : 1.5) * ratio);
        }
        this.dots(ctx, runs, t, color, ratio);
      }
    } else if (this.drawnRuns.length <= RASTER_RUNS) {
      // Many overlapping lines: translucent, so density shows.
      const alpha = Math.max(0.04, Math.min(0.6, 6 / Math.sqrt(this.drawnRuns.length))) * (grouping ? 0.35 : 1);
      for (const [color, runs] of byColor) this.strokeRuns(ctx, runs, t, "ys", withAlpha(color, alpha), ratio);
    } else {
      // Thousands: rasterised in memory (cost bounded by runs × width), drawn as one image.
      const alpha = Math.max(0.03, Math.min(0.5, 5 / Math.sqrt(this.drawnRuns.length))) * (grouping ? 0.5 : 1);
      this.rasterRuns(ctx, u, t, colorOf, alpha);
    }
    if (grouping) this.paintGroups(ctx, u, t, ratio);
    ctx.restore();
    this.paintOverlay();
  }

  /** Paints the drawn runs as a density image of the plot area (see `rasterize`). */
  private rasterRuns(
    ctx: CanvasRenderingContext2D,
    u: uPlot,
    t: { px: (x: number) => number; py: (y: number) => number },
    colorOf: (run: string) => string,
    alpha: number,
  ): void {
    const { left, top } = u.bbox;
    const width = Math.max(1, Math.round(u.bbox.width));
    const height = Math.max(1, Math.round(u.bbox.height));
    const logY = this.view.logY;
    const rgbs = new Map<string, [number, number, number]>();
    const lines = this.drawnRuns.map((run) => {
      const p = this.prepared.get(run) as Prepared;
      const coords = new Float32Array(2 * p.xs.length);
      for (let i = 0; i < p.xs.length; i++) {
        const v = p.ys[i] as number;
        const ok = Number.isFinite(v) && (!logY || v > 0);
        coords[2 * i] = ok ? t.px(p.xs[i] as number) - left : NaN;
        coords[2 * i + 1] = ok ? t.py(v) - top : NaN;
      }
      const color = colorOf(run);
      let rgb = rgbs.get(color);
      if (!rgb) {
        rgb = rgbOf(color);
        rgbs.set(color, rgb);
      }
      return { coords, rgb };
    });
    const pixels = rasterize(width, height, lines, alpha);
    const layer = document.createElement("canvas");
    layer.width = width;
    layer.height = height;
    layer.getContext("2d")?.putImageData(new ImageData(pixels, width, height), 0, 0);
    ctx.drawImage(layer, left, top);
  }

  /** Strokes `runs` as one path, at most about one vertex per pixel column each. */
  private strokeRuns(
    ctx: CanvasRenderingContext2D,
    runs: string[],
    t: { px: (x: number) => number; py: (y: number) => number },
    column: "raw" | "ys",
    stroke: string,
    lineWidth: number,
  ): void {
    const logY = this.view.logY;
    ctx.beginPath();
    for (const run of runs) {
      const p = this.prepared.get(run) as Prepared;
      const ys = p[column];
      let pen = false;
      let lastX = -Infinity;
      let colMin = 0;
      let colMax = 0;
      let lastY = 0;
      for (let i = 0; i < p.xs.length; i++) {
        const v = ys[i] as number;
        if (!Number.isFinite(v) || (logY && v <= 0)) continue;
        const x = t.px(p.xs[i] as number);
        const y = t.py(v);
        if (!pen) {
          ctx.moveTo(x, y);
          pen = true;
          lastX = x;
          colMin = colMax = lastY = y;
          continue;
        }
        if (x - lastX < 1) {
          // Same pixel column: widen its vertical span instead of adding a vertex.
          if (y < colMin) {
            colMin = y;
            ctx.lineTo(x, y);
          } else if (y > colMax) {
            colMax = y;
            ctx.lineTo(x, y);
          }
          lastY = y;
          continue;
        }
        ctx.lineTo(x, y);
        lastX = x;
        colMin = colMax = lastY = y;
      }
      void lastY;
    }
    ctx.strokeStyle = stroke;
    ctx.lineWidth = lineWidth;
    ctx.stroke();
  }

  /** Short series (an eval every few hundred steps, one hparams metric) show their points. */
  private dots(
    ctx: CanvasRenderingContext2D,
    runs: string[],
    t: { px: (x: number) => number; py: (y: number) => number },
    color: string,
    ratio: number,
  ): void {
    ctx.fillStyle = color;
    for (const run of runs) {
      const p = this.prepared.get(run) as Prepared;
      if (p.xs.length > 30) continue;
      for (let i = 0; i < p.xs.length; i++) {
        const v = p.ys[i] as number;
        if (!Number.isFinite(v)) continue;
        ctx.beginPath();
        ctx.arc(t.px(p.xs[i] as number), t.py(v), 2.5 * ratio, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }

  /** Each visible group's mean or median, bold, over its band. */
  private paintGroups(
    ctx: CanvasRenderingContext2D,
    u: uPlot,
    t: { px: (x: number) => number; py: (y: number) => number },
    ratio: number,
  ): void {
    const groupOf = this.style.groupOf as (run: string) => string | null;
    const members = new Map<string, { xs: Float64Array; ys: Float64Array }[]>();
    for (const run of this.drawnRuns) {
      const g = groupOf(run);
      if (g === null) continue;
      const p = this.prepared.get(run) as Prepared;
      const list = members.get(g);
      if (list) list.push(p);
      else members.set(g, [p]);
    }
    const x0 = u.scales.x?.min ?? 0;
    const x1 = u.scales.x?.max ?? 1;
    // No more bins than a run has points in view: empty bins would only be skipped.
    let longest = 0;
    for (const runs of members.values()) {
      for (const p of runs) longest = Math.max(longest, lowerBound(p.xs, x1 + 1e-9) - lowerBound(p.xs, x0));
    }
    const bins = Math.max(2, Math.min(200, Math.floor(u.bbox.width / ratio / 4), longest));
    const groupsDrawn: string[] = [];
    for (const [group, runs] of members) {
      const agg = aggregate(runs, x0, x1, bins, this.style.stat, this.style.band);
      const color = this.style.groupColor(group);
      const ok = (v: number) => Number.isFinite(v) && (!this.view.logY || v > 0);
      // Bins where no run of the group has a point are skipped: the band and line span them.
      if (this.style.band !== "none") {
        ctx.beginPath();
        const upper: [number, number][] = [];
        for (let b = 0; b < bins; b++) {
          const lo = agg.lo[b] as number;
          const hi = agg.hi[b] as number;
          if (!ok(lo) || !ok(hi)) continue;
          const x = t.px(agg.xs[b] as number);
          if (upper.length === 0) ctx.moveTo(x, t.py(lo));
          else ctx.lineTo(x, t.py(lo));
          upper.push([x, t.py(hi)]);
        }
        for (let k = upper.length - 1; k >= 0; k--) ctx.lineTo((upper[k] as [number, number])[0], (upper[k] as [number, number])[1]);
        ctx.closePath();
        ctx.fillStyle = withAlpha(color, 0.22);
        ctx.fill();
      }
      ctx.beginPath();
      let pen = false;
      for (let b = 0; b < bins; b++) {
        const v = agg.mid[b] as number;
        if (!ok(v)) continue;
        const x = t.px(agg.xs[b] as number);
        if (pen) ctx.lineTo(x, t.py(v));
        else ctx.moveTo(x, t.py(v));
        pen = true;
      }
      ctx.strokeStyle = color;
      ctx.lineWidth = 2.5 * ratio;
      ctx.stroke();
      groupsDrawn.push(group);
    }
    this.root.dataset.groupsDrawn = String(groupsDrawn.length);
  }

  private sizeOverlay(u: uPlot): void {
    if (!this.overlay) return;
    const ratio = window.devicePixelRatio || 1;
    this.overlay.width = Math.round(u.over.clientWidth * ratio);
    this.overlay.height = Math.round(u.over.clientHeight * ratio);
    this.overlay.style.width = `${u.over.clientWidth}px`;
    this.overlay.style.height = `${u.over.clientHeight}px`;
  }

  /** The hovered runs, drawn bold on the overlay canvas (never a repaint of every run). */
  private paintOverlay(): void {
    const u = this.plot;
    const canvas = this.overlay;
    if (!u || !canvas) return;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.hovered.length === 0 && this.selectedXs.length === 0) return;
    const t = this.transform(u);
    if (!t) return;
    const ratio = window.devicePixelRatio || 1;
    // The overlay covers the plot area only: shift by the plot's offset in the canvas.
    ctx.save();
    ctx.translate(-u.bbox.left, -u.bbox.top);
    // The selected steps, as vertical markers (the colour read only when there are some: it
    // costs a style computation).
    if (this.selectedXs.length > 0) ctx.strokeStyle = cssVar("--fg", "#333");
    ctx.lineWidth = 1.5 * ratio;
    ctx.setLineDash([4 * ratio, 3 * ratio]);
    for (const x of this.selectedXs) {
      ctx.beginPath();
      ctx.moveTo(t.px(x), u.bbox.top);
      ctx.lineTo(t.px(x), u.bbox.top + u.bbox.height);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const run of this.hovered) {
      const color = this.colorFor(run);
      this.strokeRuns(ctx, [run], t, "ys", color, 2.25 * ratio);
    }
    ctx.restore();
  }

  private colorFor(run: string): string {
    const g = this.style.groupOf?.(run) ?? null;
    return g === null ? this.style.colorOf(run) : this.style.groupColor(g);
  }

  /** Tooltip of the few runs nearest the cursor, and their lines highlighted. */
  private hover(u: uPlot): void {
    const left = u.cursor.left;
    const top = u.cursor.top;
    if (left === undefined || left < 0 || top === undefined || top < 0) {
      this.tooltip.hidden = true;
      if (this.hovered.length > 0) {
        this.hovered = [];
        this.paintOverlay();
      }
      return;
    }
    const t = this.transform(u);
    if (!t) return;
    const ratio = window.devicePixelRatio || 1;
    const x = u.posToVal(left, "x");
    const cursorY = top * ratio + u.bbox.top;
    const logY = this.view.logY;
    // The k nearest by vertical pixel distance at the cursor's x: a binary search per run.
    const best: { run: string; i: number; d: number }[] = [];
    for (const run of this.drawnRuns) {
      const p = this.prepared.get(run) as Prepared;
      const i = nearestAt(p.xs, x);
      if (i < 0) continue;
      const v = p.ys[i] as number;
      if (!Number.isFinite(v) || (logY && v <= 0)) continue;
      const d = Math.abs(t.py(v) - cursorY);
      if (best.length < NEAREST_RUNS || d < (best[best.length - 1] as { d: number }).d) {
        best.push({ run, i, d });
        best.sort((a, b) => a.d - b.d);
        if (best.length > NEAREST_RUNS) best.pop();
      }
    }
    // Only the nearest run is drawn bold (the tooltip lists the others), and only repainted when
    // another run becomes the nearest: the bold line does not depend on where the cursor is, and
    // rastering five bold lines at every move took longer than a frame (`measure.mjs` hover).
    const nearest = best.slice(0, 1).map((b) => b.run);
    const changed = nearest[0] !== this.hovered[0];
    this.hovered = nearest;
    if (changed) {
      if (nearest.length > 0) this.hoverLayer(u);
      this.paintOverlay();
    }
    const smoothing = this.view.smoothing > 0;
    const grouping = this.style.groupOf !== null;
    const rows = best.map(({ run, i }) => {
      const p = this.prepared.get(run) as Prepared;
      return el(
        "tr",
        {},
        el("td", {}, el("span", { class: "swatch", style: `background:${this.colorFor(run)}` }), run),
        grouping && el("td", {}, this.style.groupOf?.(run) ?? "–"),
        el("td", { class: "num" }, formatValue(p.ys[i] as number)),
        smoothing && el("td", { class: "num" }, formatValue(p.raw[i] as number)),
        el("td", { class: "num" }, String(p.steps[i])),
        el("td", { class: "num nowrap" }, formatWallTime(p.walls[i] as number)),
        el("td", { class: "num" }, formatRelativeSeconds((p.walls[i] as number) - (p.walls[0] as number))),
      );
    });
    const more = this.drawnRuns.length - best.length;
    this.tooltip.replaceChildren(
      el(
        "table",
        {},
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", {}, "run"),
            grouping && el("th", {}, "group"),
            el("th", {}, smoothing ? "smoothed" : "value"),
            smoothing && el("th", {}, "value"),
            el("th", {}, "step"),
            el("th", {}, "time"),
            el("th", {}, "relative"),
          ),
        ),
        el("tbody", {}, ...rows),
      ),
      more > 0 ? el("p", { class: "muted" }, `nearest ${best.length} of ${this.drawnRuns.length} runs`) : "",
    );
    this.tooltip.hidden = best.length === 0;
    const hostWidth = this.root.clientWidth;
    const overLeft = u.over.offsetLeft + left;
    const placeLeft = overLeft > hostWidth / 2;
    this.tooltip.style.left = placeLeft ? "" : `${overLeft + 16}px`;
    this.tooltip.style.right = placeLeft ? `${hostWidth - overLeft + 16}px` : "";
  }

  private fullXRange(): [number, number] | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const run of this.drawnRuns) {
      const xs = this.prepared.get(run)?.xs;
      if (!xs || xs.length === 0) continue;
      lo = Math.min(lo, xs[0] as number);
      hi = Math.max(hi, xs[xs.length - 1] as number);
    }
    return lo <= hi ? [lo, hi] : null;
  }

  /** The hover layer, made on the first hover (a chart nobody hovers keeps one canvas). */
  private hoverLayer(u: uPlot): void {
    if (this.overlay) return;
    this.overlay = el("canvas", { class: "hover-layer", "aria-hidden": "true" });
    this.overlay.style.position = "absolute";
    this.overlay.style.left = "0";
    this.overlay.style.top = "0";
    this.overlay.style.pointerEvents = "none";
    u.over.append(this.overlay);
    this.sizeOverlay(u);
  }

  private attachPanAndWheel(u: uPlot): void {
    // The step selector: a click (not a drag, which zooms) selects the step under it;
    // Ctrl or Cmd with a click selects a second one to compare with the first.
    let downAt: [number, number] | null = null;
    u.over.addEventListener("mousedown", (e: MouseEvent) => {
      downAt = [e.clientX, e.clientY];
    });
    u.over.addEventListener("click", (e: MouseEvent) => {
      if (!downAt || e.shiftKey || Math.hypot(e.clientX - downAt[0], e.clientY - downAt[1]) > 3) return;
      const x = u.posToVal(e.offsetX, "x");
      const first = this.selectedXs[0];
      this.selectedXs = (e.ctrlKey || e.metaKey) && first !== undefined ? [first, x] : [x];
      this.hoverLayer(u);
      this.paintOverlay();
      this.renderStepTable();
    });
    u.over.addEventListener("mouseleave", () => {
      this.tooltip.hidden = true;
      this.hovered = [];
      this.paintOverlay();
    });
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
    e.preventDefault();
  }

  resetZoom(): void {
    const full = this.fullXRange();
    this.zoomed = null;
    if (this.plot && full) this.plot.setScale("x", { min: full[0], max: full[1] });
  }

  /** After a zoom settles, fetch the zoomed steps of the drawn runs at full resolution. */
  private scheduleSliceFetch(xMin: number, xMax: number): void {
    window.clearTimeout(this.sliceTimer);
    this.sliceTimer = window.setTimeout(() => void this.fetchSlices(xMin, xMax), 250);
  }

  private async fetchSlices(xMin: number, xMax: number): Promise<void> {
    // The step range the x window covers in any drawn run, widened by a point each side.
    let startStep = Infinity;
    let endStep = -Infinity;
    for (const run of this.drawnRuns) {
      const p = this.prepared.get(run) as Prepared;
      const from = Math.max(0, lowerBound(p.xs, xMin) - 1);
      const to = Math.min(p.xs.length - 1, lowerBound(p.xs, xMax));
      if (from > to) continue;
      startStep = Math.min(startStep, p.steps[from] as number);
      endStep = Math.max(endStep, p.steps[to] as number);
    }
    if (!(startStep <= endStep)) return;
    const runs = this.drawnRuns;
    const slices = await fetchScalarsMultirun(this.tag, this.selection(runs), { startStep, endStep });
    let changed = false;
    for (const [run, slice] of slices) {
      const held = this.data.get(run);
      if (!held) continue;
      const merged = mergeColumns(held, slice, startStep, endStep);
      if (merged.steps.length !== held.steps.length) {
        this.data.set(run, merged);
        this.prepared.delete(run);
        changed = true;
      }
    }
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
    const runs = this.drawnRuns;
    let series: { run: string; tag: string; points: ScalarPoint[] }[];
    if (runs.length <= FEW_RUNS) {
      series = await Promise.all(runs.map(async (run) => ({ run, tag: this.tag, points: await fetchScalars(run, this.tag) })));
    } else {
      const all = await fetchScalarsMultirun(this.tag, this.selection(runs));
      series = [...all].map(([run, c]) => ({
        run,
        tag: this.tag,
        points: Array.from(c.steps, (s, i) => [s, c.walls[i] as number, c.values[i] as number] as ScalarPoint),
      }));
    }
    const name = safeFileName(this.tag);
    if (kind === "csv") download(`${name}.csv`, toCsv(series), "text/csv");
    else download(`${name}.json`, toJson(series), "application/json");
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function emptyColumns(): RunColumns {
  return { steps: new Float64Array(0), walls: new Float64Array(0), values: new Float32Array(0) };
}

/** First index of sorted `xs` with a value ≥ `x`. */
function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A wall time (seconds since the epoch) as the viewer's local date and time. */
function formatWallTime(seconds: number): string {
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toLocaleString() : "–";
}

/** Seconds since a run's first point, as `4m 10s` or `2h 05m`. */
function formatRelativeSeconds(seconds: number): string {
  return Number.isFinite(seconds) ? formatDuration(Math.max(0, seconds) * 1000) : "–";
}

