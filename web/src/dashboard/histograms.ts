/**
 * Histograms (offset: one ridge per step, older steps further back and up; overlay: every
 * step on one baseline, darker for later steps) and distributions (bands between the
 * percentiles of each step's histogram, over steps).
 */
import uPlot from "uplot";
import { el, labelled } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchHistograms } from "./api";
import { axisColor, cssVar, drawXAxis, sizedCanvas } from "./canvas";
import { runColor, withAlpha } from "./colors";
import { DISTRIBUTION_QUANTILES, quantile, rebin, valueRange, type HistogramStep } from "./histogram-math";
import type { Store } from "./store";
import { cardFrame, TagCardsPanel, type Card } from "./tag-cards";

const BINS = 40;
const MAX_RIDGES = 30;

type HistogramMode = "offset" | "overlay";

class HistogramCard implements Card {
  readonly root: HTMLElement;
  private readonly canvas = el("canvas", { class: "hist-canvas" });
  private readonly note = el("p", { class: "chart-status" }, "Loading…");
  private steps: HistogramStep[] = [];
  private resize = new ResizeObserver(() => this.draw());

  constructor(
    private readonly run: string,
    private readonly tag: string,
    private readonly mode: () => HistogramMode,
  ) {
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `Histogram of ${tag} for run ${run}`);
    this.root = cardFrame(run, tag, this.canvas, this.note);
    this.resize.observe(this.root);
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
    ctx.font = "11px system-ui, sans-serif";
    shown.forEach((s, k) => {
      const bins = binned[k] as number[];
      const age = shown.length > 1 ? k / (shown.length - 1) : 1; // 0 oldest … 1 newest
      const base = offset ? bottom - (1 - age) * ridgeSpace : bottom;
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
      if (offset && (k === 0 || k === shown.length - 1 || k % Math.ceil(shown.length / 5) === 0)) {
        ctx.fillStyle = cssVar("--muted", "#666");
        ctx.textAlign = "left";
        ctx.fillText(String(s.step), right + 6, base);
      }
    });
    drawXAxis(ctx, range[0], range[1], left, right, bottom);
    if (!offset) {
      ctx.fillStyle = cssVar("--muted", "#666");
      ctx.textAlign = "left";
      const first = shown[0]?.step;
      const last = shown[shown.length - 1]?.step;
      ctx.fillText(`steps ${first}–${last}`, right + 4, 12);
    }
  }
}

export class HistogramsPanel extends TagCardsPanel {
  private mode: HistogramMode = "offset";

  constructor(store: Store) {
    super(store, "histograms", "Histograms");
    const select = el(
      "select",
      {
        onchange: () => {
          this.mode = select.value as HistogramMode;
          this.rebuild();
        },
      },
      el("option", { value: "offset" }, "Offset"),
      el("option", { value: "overlay" }, "Overlay"),
    );
    this.toolbar.append(labelled("Histogram mode", select));
  }

  protected createCard(run: string, tag: string): Card {
    return new HistogramCard(run, tag, () => this.mode);
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
          { stroke: axisColor(), grid: { stroke: "rgba(128,128,128,0.15)" } },
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
