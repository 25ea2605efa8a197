/**
 * Histograms (offset: one ridge per step, older steps further back and up; overlay: every
 * step on one baseline, darker for later steps) and distributions (bands between the
 * percentiles of each step's histogram, over steps). Under the cursor, a histogram reads out the
 * step and the bucket (its range and count) of the ridge nearest the pointer, in either mode.
 */
import uPlot from "uplot";
import { el, labelled } from "../common/dom";
import { formatStep, formatSteps, formatValue } from "../common/format";
import { fetchHistograms } from "./api";
import { axisColor, cssVar, drawXAxis, sizedCanvas } from "./canvas";
import { runColor, withAlpha } from "./colors";
import { DISTRIBUTION_QUANTILES, quantile, rebin, valueRange, type HistogramStep } from "./histogram-math";
import type { Store } from "./store";
import type { HistMode } from "./urlstate";
import { cardFrame, TagCardsPanel, type Card } from "./tag-cards";

const BINS = 40;
const MAX_RIDGES = 30;

type HistogramMode = HistMode;

class HistogramCard implements Card {
  readonly root: HTMLElement;
  private readonly canvas = el("canvas", { class: "hist-canvas" });
  private readonly note = el("p", { class: "chart-status" }, "Loading…");
  private steps: HistogramStep[] = [];
  private resize = new ResizeObserver(() => this.draw());
  private readonly readout = el("div", { class: "hist-readout small-text", role: "status", "aria-live": "polite" });
  /** What the last draw placed where, for the readout. */
  private layout: { shown: HistogramStep[]; binned: number[][]; range: [number, number]; left: number; right: number; surfaceY: (k: number, bin: number) => number } | null = null;
  private hover: { ridge: number; bin: number } | null = null;

  constructor(
    private readonly run: string,
    private readonly tag: string,
    private readonly mode: () => HistogramMode,
  ) {
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `Histogram of ${tag} for run ${run}`);
    this.root = cardFrame(run, tag, this.canvas, this.readout, this.note);
    this.resize.observe(this.root);
    this.canvas.addEventListener("pointermove", (e) => {
      const box = this.canvas.getBoundingClientRect();
      const next = this.pick(e.clientX - box.left, e.clientY - box.top);
      if (next?.ridge !== this.hover?.ridge || next?.bin !== this.hover?.bin) {
        this.hover = next;
        this.draw();
      }
    });
    this.canvas.addEventListener("pointerleave", () => {
      this.hover = null;
      this.draw();
    });
    this.root.dataset.state = "loading";
  }

  async refresh(): Promise<void> {
    try {
      this.steps = await fetchHistograms(this.run, this.tag);
      this.note.textContent = this.steps.length === 0 ? "No data yet." : "";
      this.root.dataset.state = this.steps.length === 0 ? "empty" : "drawn";
    } catch (e) {
      this.note.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      this.root.dataset.state = "error";
    }
    this.draw();
  }

  destroy(): void {
    this.resize.disconnect();
  }

  private draw(): void {
    const width = Math.max(240, this.root.clientWidth - 16);
    const height = 260;
    const ctx = sizedCanvas(this.canvas, width, height);
    const range = valueRange(this.steps);
    if (!ctx || !range) return;
    // Evenly spread subset of steps so the ridges stay readable.
    const stride = Math.max(1, Math.ceil(this.steps.length / MAX_RIDGES));
    const shown = this.steps.filter((_, i) => i % stride === 0 || i === this.steps.length - 1);
    const binned = shown.map((s) => rebin(s.buckets, range[0], range[1], BINS));
    const peak = Math.max(1e-12, ...binned.flat());
    const color = runColor(this.run);
    const left = 8;
    const right = width - 52;
    const bottom = height - 22;
    const offset = this.mode() === "offset";
    const ridgeSpace = offset ? (bottom - 20) * 0.55 : 0;
    const ridgeHeight = offset ? bottom - 20 - ridgeSpace : bottom - 12;
    const xOf = (i: number) => left + ((i + 0.5) / BINS) * (right - left);
    const baseOf = (k: number) => (offset ? bottom - (1 - (shown.length > 1 ? k / (shown.length - 1) : 1)) * ridgeSpace : bottom);
    this.layout = { shown, binned, range, left, right, surfaceY: (k, bin) => baseOf(k) - (((binned[k] as number[])[bin] ?? 0) / peak) * ridgeHeight };
    ctx.font = "11px system-ui, sans-serif";
    // Step labels of about five ridges, the newest always, none closer than a line of text to
    // the next one down (repeated or close steps would print on top of each other).
    const labelled = new Set<number>();
    let below = Infinity;
    for (let k = shown.length - 1; k >= 0; k--) {
      const candidate = k === shown.length - 1 || k === 0 || k % Math.ceil(shown.length / 5) === 0;
      if (candidate && below - baseOf(k) >= 11) {
        labelled.add(k);
        below = baseOf(k);
      }
    }
    shown.forEach((s, k) => {
      const bins = binned[k] as number[];
      const age = shown.length > 1 ? k / (shown.length - 1) : 1; // 0 oldest … 1 newest
      const base = baseOf(k);
      ctx.beginPath();
      ctx.moveTo(xOf(0), base);
      bins.forEach((c, i) => ctx.lineTo(xOf(i), base - (c / peak) * ridgeHeight));
      ctx.lineTo(xOf(BINS - 1), base);
      if (offset) {
        ctx.fillStyle = withAlpha(color, 0.15 + 0.5 * age);
        ctx.fill();
        ctx.strokeStyle = cssVar("--bg", "#fff");
      } else {
        ctx.strokeStyle = withAlpha(color, 0.15 + 0.85 * age);
      }
      ctx.lineWidth = 1;
      ctx.stroke();
      if (offset && labelled.has(k)) {
        ctx.fillStyle = cssVar("--muted", "#666");
        ctx.textAlign = "left";
        ctx.fillText(formatStep(s.step), right + 6, base);
      }
    });
    drawXAxis(ctx, range[0], range[1], left, right, bottom);
    if (!offset) {
      ctx.fillStyle = cssVar("--muted", "#666");
      ctx.textAlign = "left";
      const first = shown[0]?.step;
      const last = shown[shown.length - 1]?.step;
      ctx.fillText(`steps ${formatStep(first ?? 0)}–${formatStep(last ?? 0)}`, right + 4, 12);
    }
    this.drawReadout(ctx);
  }

  /** The ridge whose surface is nearest the pointer at the bucket under it. */
  private pick(x: number, y: number): { ridge: number; bin: number } | null {
    const l = this.layout;
    if (!l || x < l.left || x > l.right || l.shown.length === 0) return null;
    const bin = Math.min(BINS - 1, Math.max(0, Math.floor(((x - l.left) / (l.right - l.left)) * BINS)));
    let ridge = 0;
    let best = Infinity;
    l.shown.forEach((_, k) => {
      const d = Math.abs(l.surfaceY(k, bin) - y);
      // Later steps are drawn in front: on a tie they win.
      if (d <= best) {
        best = d;
        ridge = k;
      }
    });
    return { ridge, bin };
  }

  private drawReadout(ctx: CanvasRenderingContext2D): void {
    const l = this.layout;
    const h = this.hover;
    const step = h && l ? l.shown[h.ridge] : undefined;
    if (!l || !h || !step) {
      this.readout.replaceChildren(el("span", { class: "muted" }, "Point at a histogram to read its step and bucket."));
      return;
    }
    const width = (l.range[1] - l.range[0]) / BINS;
    const lo = l.range[0] + h.bin * width;
    const x = l.left + ((h.bin + 0.5) / BINS) * (l.right - l.left);
    ctx.fillStyle = cssVar("--fg", "#000");
    ctx.beginPath();
    ctx.arc(x, l.surfaceY(h.ridge, h.bin), 3.5, 0, 2 * Math.PI);
    ctx.fill();
    const count = (l.binned[h.ridge] as number[])[h.bin] ?? 0;
    const item = (field: string, value: string) => el("span", { class: "readout-item", dataset: { field } }, el("span", { class: "muted" }, `${field} `), value);
    this.readout.replaceChildren(
      item("step", String(step.step)),
      item("bucket", `[${formatValue(lo)}, ${formatValue(lo + width)})`),
      item("count", formatValue(count)),
    );
  }
}

export class HistogramsPanel extends TagCardsPanel {
  /** The mode the cards were last drawn in; the URL's (`hist=`) is the one that counts. */
  private drawnMode: HistogramMode;
  private readonly select: HTMLSelectElement;

  constructor(store: Store) {
    super(store, "histograms", "Histograms");
    this.drawnMode = store.view.histMode;
    this.select = el(
      "select",
      { onchange: () => this.store.update({ histMode: this.select.value as HistogramMode }) },
      el("option", { value: "offset", selected: this.drawnMode === "offset" }, "Offset"),
      el("option", { value: "overlay", selected: this.drawnMode === "overlay" }, "Overlay"),
    );
    this.toolbar.append(labelled("Histogram mode", this.select));
  }

  override render(): void {
    const mode = this.store.view.histMode;
    if (this.select.value !== mode) this.select.value = mode;
    if (mode !== this.drawnMode) {
      this.drawnMode = mode;
      // Drops the cards drawn in the other mode, then renders.
      this.rebuild();
      return;
    }
    super.render();
  }

  protected createCard(run: string, tag: string): Card {
    return new HistogramCard(run, tag, () => this.store.view.histMode);
  }
}

class DistributionCard implements Card {
  readonly root: HTMLElement;
  private readonly host = el("div", { class: "plot-host" });
  private readonly note = el("p", { class: "chart-status" }, "Loading…");
  private plot: uPlot | null = null;
  private resize = new ResizeObserver(() => {
    const w = this.host.clientWidth;
    if (this.plot && w > 0 && Math.abs(this.plot.width - w) > 2) this.plot.setSize({ width: w, height: 220 });
  });

  constructor(
    private readonly run: string,
    private readonly tag: string,
  ) {
    this.root = cardFrame(run, tag, this.host, this.note);
    this.resize.observe(this.host);
  }

  async refresh(): Promise<void> {
    let steps: HistogramStep[];
    try {
      steps = await fetchHistograms(this.run, this.tag);
    } catch (e) {
      this.note.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    this.note.textContent = steps.length === 0 ? "No data yet." : "";
    const xs = steps.map((s) => s.step);
    const lines = DISTRIBUTION_QUANTILES.map((q) => steps.map((s) => quantile(s.buckets, q)));
    const data = [xs, ...lines] as uPlot.AlignedData;
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const color = runColor(this.run);
    const n = DISTRIBUTION_QUANTILES.length;
    const series: uPlot.Series[] = [{ label: "step" }];
    DISTRIBUTION_QUANTILES.forEach((q) =>
      series.push({
        label: `p${Math.round(q * 100)}`,
        stroke: q === 0.5 ? color : withAlpha(color, 0.35),
        width: q === 0.5 ? 1.5 : 0.5,
        points: { show: false },
      }),
    );
    const bands: uPlot.Band[] = [];
    for (let i = 1; i <= n / 2; i++) {
      bands.push({ series: [n + 1 - i, i] as [number, number], fill: withAlpha(color, 0.15) });
    }
    this.plot = new uPlot(
      {
        width: Math.max(240, this.host.clientWidth || 400),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        // x is the step; uPlot would otherwise read it as seconds since 1970.
        scales: { x: { time: false } },
        series,
        bands,
        axes: [
          { stroke: axisColor(), grid: { stroke: "rgba(128,128,128,0.15)" }, values: (_u, s) => formatSteps(s) },
          { stroke: axisColor(), size: 56, grid: { stroke: "rgba(128,128,128,0.15)" }, values: (_u, s) => s.map((v) => formatValue(v)) },
        ],
      },
      data,
      this.host,
    );
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}

export class DistributionsPanel extends TagCardsPanel {
  constructor(store: Store) {
    super(store, "histograms", "Distributions");
    this.toolbar.append(el("p", { class: "muted" }, "Bands: min–max, ±1.5σ, ±1σ, ±0.5σ percentiles; line: median."));
  }

  protected createCard(run: string, tag: string): Card {
    return new DistributionCard(run, tag);
  }
}
