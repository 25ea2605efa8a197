/**
 * The scalars tab: toolbar (smoothing, x axis, log y, outliers) and one chart per tag, grouped
 * by tag prefix in collapsible sections. Charts are created when scrolled near.
 */
import { el, labelled } from "../common/dom";
import { forget, whenVisible } from "./lazy";
import type { Panel } from "./panel";
import { ScalarChart } from "./scalar-chart";
import { groupByPrefix, type Store } from "./store";

export class ScalarsPanel implements Panel {
  readonly root = el("section", { class: "panel", "aria-label": "Scalars" });
  private readonly grid = el("div", { class: "groups" });
  private charts = new Map<string, ScalarChart>();
  private placeholders = new Map<string, HTMLElement>();
  private smoothingValue = el("output", { class: "num" });
  private smoothingInput: HTMLInputElement;
  private collapsed = new Set<string>();

  constructor(private readonly store: Store) {
    const v = store.view;
    this.smoothingInput = el("input", {
      type: "range",
      min: "0",
      max: "0.99",
      step: "0.01",
      value: String(v.smoothing),
      oninput: () => {
        this.smoothingValue.textContent = this.smoothingInput.value;
        store.update({ smoothing: Number(this.smoothingInput.value) });
      },
    });
    this.smoothingInput.setAttribute("aria-label", "Smoothing");
    this.smoothingInput.id = "smoothing";
    this.smoothingValue.textContent = String(v.smoothing);
    const xAxis = el(
      "select",
      { onchange: (e: Event) => store.update({ xAxis: (e.target as HTMLSelectElement).value as "step" }) },
      el("option", { value: "step" }, "Step"),
      el("option", { value: "relative" }, "Relative (hours)"),
      el("option", { value: "wall" }, "Wall time"),
    );
    xAxis.value = v.xAxis;
    const checkbox = (text: string, checked: boolean, onchange: (on: boolean) => void) => {
      const input = el("input", { type: "checkbox", checked, onchange: () => onchange(input.checked) });
      return el("label", { class: "check" }, input, text);
    };
    this.root.append(
      el(
        "div",
        { class: "toolbar" },
        el(
          "div",
          { class: "field smoothing" },
          el("label", { htmlFor: "smoothing" }, "Smoothing"),
          this.smoothingInput,
          this.smoothingValue,
        ),
        labelled("X axis", xAxis),
        checkbox("Log scale (y)", v.logY, (logY) => store.update({ logY })),
        checkbox("Ignore outliers", v.ignoreOutliers, (ignoreOutliers) => store.update({ ignoreOutliers })),
      ),
      this.grid,
    );
  }

  render(): void {
    const tags = this.store.tagsOf("scalars");
    const wanted = new Set(tags);
    for (const [tag, chart] of this.charts) {
      if (!wanted.has(tag)) {
        chart.destroy();
        this.charts.delete(tag);
      }
    }
    for (const [tag, host] of this.placeholders) {
      if (!wanted.has(tag)) forget(host);
    }
    this.placeholders.clear();

    if (tags.length === 0) {
      this.grid.replaceChildren(
        el("p", { class: "empty" }, this.store.view.tagFilter ? "No scalar tag matches the filter." : "No scalars in the selected runs."),
      );
      return;
    }
    const sections: HTMLElement[] = [];
    for (const [prefix, groupTags] of groupByPrefix(tags)) {
      const details = el(
        "details",
        {
          class: "group",
          open: !this.collapsed.has(prefix),
          ontoggle: () => (details.open ? this.collapsed.delete(prefix) : this.collapsed.add(prefix)),
        },
        el("summary", {}, el("span", {}, prefix), el("span", { class: "count" }, String(groupTags.length))),
      );
      const cards = el("div", { class: "cards" });
      for (const tag of groupTags) cards.append(this.card(tag));
      details.append(cards);
      sections.push(details);
    }
    this.grid.replaceChildren(...sections);
  }

  private card(tag: string): HTMLElement {
    const runs = this.store.runsWithTag("scalars", tag);
    const existing = this.charts.get(tag);
    if (existing) {
      void existing.setRunsAndView(runs, this.store.view);
      return existing.root;
    }
    const host = el("div", { class: "chart-slot", dataset: { tag } });
    this.placeholders.set(tag, host);
    whenVisible(host, () => {
      this.placeholders.delete(tag);
      const chart = new ScalarChart(tag, this.store.runsWithTag("scalars", tag), this.store.view);
      this.charts.set(tag, chart);
      host.replaceWith(chart.root);
      void chart.load();
    });
    return host;
  }

  /** Promises of every chart created so far having drawn (for measurements and tests). */
  drawnCharts(): Promise<void>[] {
    return [...this.charts.values()].map((c) => c.firstDraw);
  }

  async refresh(): Promise<void> {
    await Promise.allSettled([...this.charts.values()].map((c) => c.refresh()));
  }

  destroy(): void {
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }
}
