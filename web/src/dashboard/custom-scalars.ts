/**
 * Custom Scalars: the layout a run wrote with the custom-scalars plugin (`data/custom_scalars`),
 * drawn as TensorBoard draws it: one collapsible section per category, and in it
 * - a multiline chart: every scalar tag of every shown run that matches one of the chart's
 *   regular expressions (from the start of the tag, as TensorBoard matches), one line each;
 * - a margin chart: each series' value tag as a line with a band between its lower and upper
 *   tags, for every shown run that holds the value tag.
 * Names reach the page as text only (uPlot writes legend labels with `textContent`).
 */
import uPlot from "uplot";
import { el } from "../common/dom";
import { fetchCustomScalars, fetchScalars, type CustomScalarsLayout } from "./api";
import { axisColor, cssVar } from "./canvas";
import { runColor, withAlpha } from "./colors";
import type { Panel } from "./panel";
import { alignOnSteps, chartSeries, type LayoutChart } from "./custom-scalars-model";
import type { ScalarPoint } from "./series";
import type { Store } from "./store";

/** Above this many lines a chart draws the first ones and says how many it left out. */
const MAX_LINES = 60;
/** Points asked for per series: enough for a chart a few thousand pixels wide. */
const POINTS = 2000;


class CustomChart {
  readonly root: HTMLElement;
  private readonly host = el("div", { class: "plot-host" });
  private readonly status = el("div", { class: "chart-status" }, "Loading…");
  private plot: uPlot | null = null;
  private resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: 260 }));

  constructor(
    private readonly chart: LayoutChart,
    private readonly store: Store,
  ) {
    this.root = el(
      "figure",
      { class: "chart-card custom-chart", dataset: { title: chart.title, kind: chart.margin ? "margin" : "multiline" } },
      el("figcaption", { class: "chart-title" }, el("span", { class: "tag-name", title: chart.tags.join(", ") }, chart.title)),
      this.host,
      this.status,
    );
    this.resize.observe(this.host);
  }

  private width(): number {
    return Math.max(280, this.host.clientWidth || 420);
  }

  async load(): Promise<void> {
    const specs = chartSeries(this.chart, this.store.visibleRuns(), (run) => this.store.tags[run]?.scalars ?? []);
    const shown = specs.slice(0, MAX_LINES);
    if (shown.length === 0) {
      this.plot?.destroy();
      this.plot = null;
      this.status.textContent = `No shown run has a scalar tag matching ${this.chart.tags.join(", ")}.`;
      this.root.dataset.lines = "0";
      return;
    }
    const wanted: { run: string; tag: string }[] = [];
    for (const s of shown) {
      wanted.push({ run: s.run, tag: s.tag });
      if (s.lower) wanted.push({ run: s.run, tag: s.lower });
      if (s.upper) wanted.push({ run: s.run, tag: s.upper });
    }
    let fetched: ScalarPoint[][];
    try {
      fetched = await Promise.all(wanted.map((w) => fetchScalars(w.run, w.tag, { points: POINTS })));
    } catch (e) {
      this.status.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    const data = alignOnSteps(fetched);
    const series: uPlot.Series[] = [{ label: "step" }];
    const bands: uPlot.Band[] = [];
    let column = 1;
    for (const s of shown) {
      const color = runColor(s.run);
      const label = this.store.visibleRuns().length > 1 || !this.chart.margin ? `${s.run}: ${s.tag}` : s.tag;
      series.push({ label, stroke: color, width: 1.5, points: { show: false }, spanGaps: true });
      const valueIndex = column++;
      const bound = (tag: string | undefined, name: string) => {
        if (!tag) return null;
        series.push({ label: `${s.run}: ${tag} (${name})`, stroke: withAlpha(color, 0.5), width: 1, dash: [4, 3], points: { show: false }, spanGaps: true });
        return column++;
      };
      const lower = bound(s.lower, "lower");
      const upper = bound(s.upper, "upper");
      if (lower !== null && upper !== null) bands.push({ series: [upper, lower], fill: withAlpha(color, 0.18) });
      void valueIndex;
    }
    const axis = { stroke: axisColor(), grid: { stroke: cssVar("--border", "#ddd"), width: 1 }, ticks: { show: false } };
    const options: uPlot.Options = {
      width: this.width(),
      height: 260,
      series,
      bands,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false, setScale: true } },
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: "step" },
        { ...axis, size: 56 },
      ],
    };
    this.plot?.destroy();
    this.plot = new uPlot(options, data as uPlot.AlignedData, this.host);
    this.root.dataset.lines = String(shown.length);
    this.root.dataset.bands = String(bands.length);
    this.status.textContent = specs.length > shown.length ? `Showing ${shown.length} of ${specs.length} lines.` : "";
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}

export class CustomScalarsPanel implements Panel {
  readonly root = el("section", { class: "panel", "aria-label": "Custom scalars" });
  private layout: CustomScalarsLayout | null = null;
  private layoutKey = "";
  private charts: CustomChart[] = [];
  private error = "";

  constructor(private readonly store: Store) {}

  render(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    if (this.error) {
      this.root.replaceChildren(el("p", { class: "banner error" }, this.error));
      return;
    }
    if (!this.layout) {
      this.root.replaceChildren(el("p", { class: "muted" }, "Loading…"));
      return;
    }
    if (this.layout.categories.length === 0) {
      this.root.replaceChildren(el("p", { class: "empty" }, "No run has a custom-scalars layout (written with add_custom_scalars or the custom_scalars summary)."));
      return;
    }
    const sections = this.layout.categories.map((category) => {
      const cards = el("div", { class: "cards" });
      for (const chart of category.charts) {
        const view = new CustomChart(chart, this.store);
        this.charts.push(view);
        cards.append(view.root);
        void view.load();
      }
      return el("details", { class: "group", open: true, dataset: { category: category.title } }, el("summary", {}, el("span", {}, category.title), el("span", { class: "count" }, String(category.charts.length))), cards);
    });
    this.root.replaceChildren(...sections);
  }

  async refresh(): Promise<void> {
    try {
      const layout = await fetchCustomScalars();
      this.error = "";
      const key = JSON.stringify(layout);
      if (key !== this.layoutKey) {
        this.layout = layout;
        this.layoutKey = key;
        this.render();
        return;
      }
    } catch (e) {
      this.error = `Could not load the custom-scalars layout: ${e instanceof Error ? e.message : String(e)}`;
      this.render();
      return;
    }
    await Promise.all(this.charts.map((c) => c.load()));
  }

  destroy(): void {
    for (const c of this.charts) c.destroy();
    this.charts = [];
  }
}
