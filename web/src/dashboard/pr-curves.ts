/**
 * PR curves: precision (y) against recall (x) at the chosen step, per run and tag. Under the
 * cursor, the nearest threshold's point is marked and its precision, recall and counts (TP, FP,
 * TN, FN) are read out below the chart.
 */
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchPrCurves, type PrCurve, type PrCurveStep } from "./api";
import { cssVar, drawXAxis, sizedCanvas } from "./canvas";
import { runColor } from "./colors";
import type { Store } from "./store";
import { cardFrame, stepSlider, TagCardsPanel, type Card } from "./tag-cards";

class PrCurveCard implements Card {
  readonly root: HTMLElement;
  private readonly canvas = el("canvas", { class: "pr-canvas" });
  private readonly note = el("p", { class: "muted small-text" });
  private readonly readout = el("div", { class: "pr-readout small-text", role: "status", "aria-live": "polite" });
  /** The point under the cursor, as an index into the drawn step's columns. */
  private hover: number | null = null;
  private steps: PrCurveStep[] = [];
  private readonly slider = stepSlider("PR curve step", () => this.draw());

  constructor(
    private readonly run: string,
    private readonly tag: string,
  ) {
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `PR curve ${tag} for run ${run}`);
    this.root = cardFrame(run, tag, this.canvas, this.readout, this.slider.root, this.note);
    this.canvas.addEventListener("pointermove", (e) => {
      const entry = this.steps[this.slider.index()];
      if (!entry) return;
      const box = this.canvas.getBoundingClientRect();
      const near = nearestPoint(entry.curve, (e.clientX - box.left - PLOT.left) / (PLOT.right - PLOT.left), (PLOT.bottom - (e.clientY - box.top)) / (PLOT.bottom - PLOT.top));
      if (near !== this.hover) {
        this.hover = near;
        this.draw();
      }
    });
    this.canvas.addEventListener("pointerleave", () => {
      this.hover = null;
      this.draw();
    });
  }

  async refresh(): Promise<void> {
    try {
      this.steps = await fetchPrCurves(this.run, this.tag);
    } catch (e) {
      this.note.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    this.slider.set(this.steps.map((s) => s.step), false);
    this.draw();
  }

  private draw(): void {
    const entry = this.steps[this.slider.index()];
    const { width, height } = PLOT;
    const ctx = sizedCanvas(this.canvas, width, height);
    if (!ctx || !entry) {
      this.note.textContent = "No PR curve yet.";
      return;
    }
    const { left, right, top, bottom } = PLOT;
    const xOf = (r: number) => left + r * (right - left);
    const yOf = (p: number) => bottom - p * (bottom - top);
    ctx.strokeStyle = cssVar("--border", "#ccc");
    ctx.fillStyle = cssVar("--muted", "#666");
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "right";
    for (const p of [0, 0.25, 0.5, 0.75, 1]) {
      ctx.beginPath();
      ctx.moveTo(left, yOf(p));
      ctx.lineTo(right, yOf(p));
      ctx.stroke();
      ctx.fillText(formatValue(p), left - 4, yOf(p) + 4);
    }
    drawXAxis(ctx, 0, 1, left, right, bottom);
    const { precision, recall } = entry.curve;
    ctx.strokeStyle = runColor(this.run);
    ctx.lineWidth = 1.75;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < Math.min(precision.length, recall.length); i++) {
      const p = precision[i] as number;
      const r = recall[i] as number;
      if (!Number.isFinite(p) || !Number.isFinite(r)) continue;
      if (started) ctx.lineTo(xOf(r), yOf(p));
      else ctx.moveTo(xOf(r), yOf(p));
      started = true;
    }
    ctx.stroke();
    this.note.textContent = `x: recall, y: precision · ${entry.curve.thresholds.length} thresholds`;
    const i = this.hover;
    if (i === null || i >= precision.length) {
      this.readout.replaceChildren(el("span", { class: "muted" }, "Point at the curve to read a threshold."));
      return;
    }
    ctx.fillStyle = runColor(this.run);
    ctx.beginPath();
    ctx.arc(xOf(recall[i] as number), yOf(precision[i] as number), 4, 0, 2 * Math.PI);
    ctx.fill();
    this.readout.replaceChildren(...readoutRows(entry.curve, i, entry.step));
  }
}

const PLOT = { width: 320, height: 260, left: 40, right: 308, top: 10, bottom: 236 };

/**
 * The index of the curve's point nearest to (recall, precision) = (x, y), both in 0..1, or null
 * when the curve has no finite point.
 */
export function nearestPoint(curve: PrCurve, x: number, y: number): number | null {
  let best: number | null = null;
  let bestDistance = Infinity;
  const n = Math.min(curve.precision.length, curve.recall.length);
  for (let i = 0; i < n; i++) {
    const p = curve.precision[i] as number;
    const r = curve.recall[i] as number;
    if (!Number.isFinite(p) || !Number.isFinite(r)) continue;
    const d = (r - x) ** 2 + (p - y) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  }
  return best;
}

function readoutRows(curve: PrCurve, i: number, step: number): HTMLElement[] {
  const count = (column: number[]) => {
    const v = column[i];
    return v === undefined || Number.isNaN(v) ? "–" : String(Math.round(v));
  };
  const pairs: [string, string][] = [
    ["step", String(step)],
    ["threshold", formatValue(curve.thresholds[i] ?? Number.NaN)],
    ["precision", formatValue(curve.precision[i] ?? Number.NaN)],
    ["recall", formatValue(curve.recall[i] ?? Number.NaN)],
    ["TP", count(curve.truePositives)],
    ["FP", count(curve.falsePositives)],
    ["TN", count(curve.trueNegatives)],
    ["FN", count(curve.falseNegatives)],
  ];
  return pairs.map(([name, value]) => el("span", { class: "readout-item", dataset: { field: name } }, el("span", { class: "muted" }, `${name} `), value));
}

export class PrCurvesPanel extends TagCardsPanel {
  constructor(store: Store) {
    super(store, "pr_curves", "PR curves");
  }

  protected createCard(run: string, tag: string): Card {
    return new PrCurveCard(run, tag);
  }
}
