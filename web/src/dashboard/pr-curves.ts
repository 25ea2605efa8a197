/** PR curves: precision (y) against recall (x) at the chosen step, per run and tag. */
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchPrCurves, type PrCurveStep } from "./api";
import { cssVar, drawXAxis, sizedCanvas } from "./canvas";
import { runColor } from "./colors";
import type { Store } from "./store";
import { cardFrame, stepSlider, TagCardsPanel, type Card } from "./tag-cards";

class PrCurveCard implements Card {
  readonly root: HTMLElement;
  private readonly canvas = el("canvas", { class: "pr-canvas" });
  private readonly note = el("p", { class: "muted small-text" });
  private steps: PrCurveStep[] = [];
  private readonly slider = stepSlider("PR curve step", () => this.draw());

  constructor(
    private readonly run: string,
    private readonly tag: string,
  ) {
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", `PR curve ${tag} for run ${run}`);
    this.root = cardFrame(run, tag, this.canvas, this.slider.root, this.note);
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
    const width = 320;
    const height = 260;
    const ctx = sizedCanvas(this.canvas, width, height);
    if (!ctx || !entry) {
      this.note.textContent = "No PR curve yet.";
      return;
    }
    const left = 40;
    const right = width - 12;
    const top = 10;
    const bottom = height - 24;
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
  }
}

export class PrCurvesPanel extends TagCardsPanel {
  constructor(store: Store) {
    super(store, "pr_curves", "PR curves");
  }

  protected createCard(run: string, tag: string): Card {
    return new PrCurveCard(run, tag);
  }
}
