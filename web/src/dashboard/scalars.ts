/**
 * The scalars tab: toolbar (smoothing, x axis, log y, outliers, grouping), the groups' legend,
 * the best runs of a metric, and one chart per tag, grouped by tag prefix in collapsible
 * sections. Charts are created when scrolled near.
 *
 * Grouping puts runs together by the first capture of a regex over their names (or the whole
 * match), or by the value of an hparam; each group gets a colour, is drawn as its mean or median
 * over a min–max or ±1 std band, and is shown or hidden by one click on its chip. The best runs
 * (top k by last, min or max value of a tag, over the runs the filter passes) come from one
 * request that keeps each run's first, min, max and last point (`points=4`), and selecting them
 * is one click.
 */
import { el, labelled } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchScalarsMultirun } from "./api";
import { paletteColor, runColor } from "./colors";
import { hparamIndex, type HparamIndex } from "./hparam-index";
import { forget, whenVisible } from "./lazy";
import { groupKey, seriesStats, topK, type RankBy } from "./multirun";
import type { Panel } from "./panel";
import { RUN_COLORS, ScalarChart, type ChartStyle } from "./scalar-chart";
import { filterMatcher, groupByPrefix, isFolded, setFolded, type Store } from "./store";
import { userRegex } from "./urlstate";

/** First loads of charts in flight at once, for charts of more than {@link QUEUE_FROM_RUNS} runs. */
const LOADS_AT_ONCE = 2;
const QUEUE_FROM_RUNS = 500;

const RANKINGS: { value: string; label: string; by: RankBy; ascending: boolean }[] = [
  { value: "last-asc", label: "lowest last value", by: "last", ascending: true },
  { value: "last-desc", label: "highest last value", by: "last", ascending: false },
  { value: "min", label: "lowest minimum", by: "min", ascending: true },
  { value: "max", label: "highest maximum", by: "max", ascending: false },
];

export class ScalarsPanel implements Panel {
  readonly root = el("section", { class: "panel", "aria-label": "Scalars" });
  private readonly grid = el("div", { class: "groups" });
  private readonly legend = el("div", { class: "group-legend", role: "group", "aria-label": "Groups" });
  private readonly topk = el("details", { class: "topk" });
  private readonly topkBody = el("div", { class: "topk-body" });
  private readonly topkTag: HTMLSelectElement;
  private readonly groupMode: HTMLSelectElement;
  private readonly groupRegex: HTMLInputElement;
  private charts = new Map<string, ScalarChart>();
  private placeholders = new Map<string, HTMLElement>();
  private smoothingValue = el("output", { class: "num" });
  private smoothingInput: HTMLInputElement;
  private hparams: HparamIndex | null = null;
  private style: ChartStyle = RUN_COLORS;
  private loadsRunning = 0;
  private loadQueue: (() => void)[] = [];
  private styleKey = "";

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
      el("option", { value: "relative" }, "Relative"),
      el("option", { value: "wall" }, "Wall time"),
    );
    xAxis.value = v.xAxis;
    const checkbox = (text: string, checked: boolean, onchange: (on: boolean) => void) => {
      const input = el("input", { type: "checkbox", checked, onchange: () => onchange(input.checked) });
      return el("label", { class: "check" }, input, text);
    };
    this.groupMode = el("select", { id: "group-by", onchange: () => this.setGroupMode() }, el("option", { value: "" }, "None"), el("option", { value: "re" }, "Run name regex"));
    this.groupRegex = el("input", {
      type: "search",
      id: "group-regex",
      placeholder: "e.g. lr=([0-9.]+)",
      oninput: () => this.setGroupMode(),
    });
    this.groupRegex.setAttribute("aria-label", "Group regex");
    if (v.groupBy.startsWith("re:")) {
      this.groupMode.value = "re";
      this.groupRegex.value = v.groupBy.slice(3);
    }
    const stat = el(
      "select",
      { id: "group-stat", onchange: (e: Event) => store.update({ stat: (e.target as HTMLSelectElement).value as "mean" }) },
      el("option", { value: "mean" }, "Mean"),
      el("option", { value: "median" }, "Median"),
    );
    stat.value = v.stat;
    const band = el(
      "select",
      { id: "group-band", onchange: (e: Event) => store.update({ band: (e.target as HTMLSelectElement).value as "minmax" }) },
      el("option", { value: "minmax" }, "Min–max"),
      el("option", { value: "std" }, "±1 std"),
      el("option", { value: "none" }, "None"),
    );
    band.value = v.band;
    this.topkTag = el("select", { id: "topk-tag", "aria-label": "Metric" });
    const ranking = el("select", { id: "topk-by", "aria-label": "Rank by" }, ...RANKINGS.map((r) => el("option", { value: r.value }, r.label)));
    const k = el("input", { type: "number", id: "topk-k", min: "1", max: "1000", value: "10" });
    k.setAttribute("aria-label", "How many");
    this.topk.append(
      el("summary", {}, "Best runs"),
      el(
        "div",
        { class: "controls" },
        labelled("Metric", this.topkTag),
        labelled("By", ranking),
        labelled("Top", k),
        el(
          "button",
          { type: "button", id: "topk-rank", onclick: () => void this.rank(this.topkTag.value, ranking.value, Number(k.value) || 10) },
          "Rank",
        ),
      ),
      this.topkBody,
    );
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
        labelled("Group by", this.groupMode),
        this.groupRegex,
        labelled("Aggregate", stat),
        labelled("Band", band),
      ),
      this.legend,
      this.topk,
      this.grid,
    );
    void hparamIndex(String(store.runs.length)).then((index) => {
      this.hparams = index;
      for (const name of index.names) this.groupMode.append(el("option", { value: `hp:${name}` }, `hparam ${name}`));
      if (store.view.groupBy.startsWith("hp:")) this.groupMode.value = store.view.groupBy;
      this.styleKey = "";
      this.render();
    });
  }

  private setGroupMode(): void {
    const mode = this.groupMode.value;
    this.groupRegex.hidden = mode !== "re";
    const groupBy = mode === "re" ? (this.groupRegex.value ? `re:${this.groupRegex.value}` : "") : mode;
    if (groupBy !== this.store.view.groupBy) this.store.update({ groupBy, hiddenGroups: [] });
  }

  /** The charts' style for the current view, the same object while nothing it depends on changed. */
  private chartStyle(): ChartStyle {
    const v = this.store.view;
    const key = `${v.groupBy}|${v.stat}|${v.band}|${v.hiddenGroups.join("\u0000")}|${this.hparams ? "h" : ""}|${this.store.runs.length}`;
    if (key === this.styleKey) return this.style;
    this.styleKey = key;
    let groupOf: ((run: string) => string | null) | null = null;
    if (v.groupBy.startsWith("re:")) {
      const re = userRegex(v.groupBy.slice(3));
      if (re) {
        const memo = new Map<string, string | null>();
        groupOf = (run) => {
          let g = memo.get(run);
          if (g === undefined) {
            g = groupKey(run, re);
            memo.set(run, g);
          }
          return g;
        };
      }
    } else if (v.groupBy.startsWith("hp:") && this.hparams) {
      const name = v.groupBy.slice(3);
      const byRun = this.hparams.byRun;
      groupOf = (run) => byRun.get(run)?.get(name) ?? null;
    }
    const groups = new Map<string, number>();
    if (groupOf) {
      for (const r of this.store.runs) {
        const g = groupOf(r.name);
        if (g !== null) groups.set(g, (groups.get(g) ?? 0) + 1);
      }
    }
    const order = [...groups.keys()].sort(compareNatural);
    const colors = new Map(order.map((g, i) => [g, paletteColor(i)]));
    this.style = {
      colorOf: runColor,
      groupOf,
      groupColor: (g) => colors.get(g) ?? "#888888",
      hiddenGroups: new Set(v.hiddenGroups),
      stat: v.stat,
      band: v.band,
    };
    this.renderLegend(order, groups, colors);
    return this.style;
  }

  /** One chip per group: its colour, name and run count; a click shows or hides it. */
  private renderLegend(order: string[], counts: Map<string, number>, colors: Map<string, string>): void {
    this.legend.hidden = order.length === 0;
    const hidden = new Set(this.store.view.hiddenGroups);
    this.legend.replaceChildren(
      ...order.map((g) =>
        el(
          "button",
          {
            type: "button",
            class: "group-chip",
            "aria-pressed": String(!hidden.has(g)),
            title: hidden.has(g) ? "Show this group" : "Hide this group",
            dataset: { group: g },
            onclick: () => {
              const now = new Set(this.store.view.hiddenGroups);
              if (now.has(g)) now.delete(g);
              else now.add(g);
              this.store.update({ hiddenGroups: [...now].sort(compareNatural) });
            },
          },
          el("span", { class: "swatch", style: `background:${colors.get(g) ?? "#888"}`, "aria-hidden": "true" }),
          g,
          el("span", { class: "muted" }, String(counts.get(g) ?? 0)),
        ),
      ),
    );
  }

  /** The top k runs of `tag` among the runs the filter passes, as a table that selects them. */
  private async rank(tag: string, ranking: string, k: number): Promise<void> {
    const how = RANKINGS.find((r) => r.value === ranking) ?? (RANKINGS[0] as (typeof RANKINGS)[number]);
    const match = filterMatcher(this.store.view.runFilter);
    const candidates = this.store.runs.map((r) => r.name).filter((r) => match(r) && this.store.tags[r]?.scalars?.includes(tag));
    this.topkBody.replaceChildren(el("p", { class: "muted" }, "Ranking…"));
    try {
      // One bucket per run: its first, min, max and last point are all that ranking needs.
      const selection = this.store.view.runFilter ? { runs: candidates } : { runRegex: "" };
      const series = await fetchScalarsMultirun(tag, selection, { points: 4 });
      const stats = new Map<string, { last: number; min: number; max: number }>();
      for (const [run, c] of series) if (match(run)) stats.set(run, seriesStats(c.values));
      const best = topK(stats, how.by, k, how.ascending);
      const select = el(
        "button",
        { type: "button", id: "topk-select", onclick: () => this.store.update({ runs: best.map((b) => b.run), runFilter: "" }) },
        `Select these ${best.length}`,
      );
      this.topkBody.replaceChildren(
        el(
          "table",
          { class: "topk-table" },
          el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "run"), el("th", {}, `${tag}: ${how.label}`))),
          el(
            "tbody",
            {},
            ...best.map((b, i) =>
              el(
                "tr",
                { dataset: { run: b.run } },
                el("td", { class: "num" }, String(i + 1)),
                el("td", {}, el("span", { class: "swatch", style: `background:${runColor(b.run)}` }), b.run),
                el("td", { class: "num" }, formatValue(b.value)),
              ),
            ),
          ),
        ),
        select,
      );
    } catch (error) {
      this.topkBody.replaceChildren(el("p", { class: "banner error" }, `Could not rank: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  render(): void {
    const style = this.chartStyle();
    this.groupRegex.hidden = this.groupMode.value !== "re";
    const tags = this.store.tagsOf("scalars");
    const wanted = new Set(tags);
    const current = this.topkTag.value;
    if (this.topkTag.options.length !== tags.length || tags.some((t, i) => this.topkTag.options[i]?.value !== t)) {
      this.topkTag.replaceChildren(...tags.map((t) => el("option", { value: t }, t)));
      if (wanted.has(current)) this.topkTag.value = current;
    }
    const pinned = this.store.view.pinned.filter((t) => wanted.has(t));
    for (const t of pinned) wanted.add(pinKey(t));
    for (const [key, chart] of this.charts) {
      if (!wanted.has(key)) {
        chart.destroy();
        this.charts.delete(key);
      }
    }
    for (const [key, host] of this.placeholders) {
      if (!wanted.has(key)) forget(host);
    }
    this.placeholders.clear();

    if (tags.length === 0) {
      this.grid.replaceChildren(
        el("p", { class: "empty" }, this.store.view.tagFilter ? "No scalar tag matches the filter." : "No scalars in the selected runs."),
      );
      return;
    }
    const sections: HTMLElement[] = [];
    if (pinned.length > 0) {
      const cards = el("div", { class: "cards" });
      for (const tag of pinned) cards.append(this.card(tag, style, pinKey(tag)));
      sections.push(
        el("section", { class: "group pinned", "aria-label": "Pinned" }, el("h3", { class: "pinned-title" }, "Pinned", el("span", { class: "count" }, String(pinned.length))), cards),
      );
    }
    for (const [prefix, groupTags] of groupByPrefix(tags)) {
      const details = el(
        "details",
        {
          class: "group",
          open: !isFolded(this.store, "scalars", prefix),
          ontoggle: () => setFolded(this.store, "scalars", prefix, !details.open),
        },
        el("summary", {}, el("span", {}, prefix), el("span", { class: "count" }, String(groupTags.length))),
      );
      const cards = el("div", { class: "cards" });
      for (const tag of groupTags) cards.append(this.card(tag, style));
      details.append(cards);
      sections.push(details);
    }
    this.grid.replaceChildren(...sections);
  }

  /** The card tools' labels follow the URL state: Pin or Unpin, Full width or Normal width. */
  private syncTools(chart: ScalarChart, tag: string): void {
    const pinned = this.store.view.pinned.includes(tag);
    const wide = this.store.view.wide.includes(tag);
    chart.setAction("pin", pinned ? "Unpin" : "Pin", pinned ? "Remove from the Pinned section" : "Pin to the top of the page");
    chart.setAction("wide", wide ? "Narrow" : "Wide", wide ? "Back to the normal width" : "Span the full width");
  }

  private toggle(list: "pinned" | "wide", tag: string): void {
    const current = this.store.view[list];
    this.store.update({ [list]: current.includes(tag) ? current.filter((t) => t !== tag) : [...current, tag] });
  }

  /** Whether the chart of `tag` shows every run of the logdir that has it (then one regex asks for them). */
  private allRunsOf(): boolean {
    return this.store.allRunsVisible();
  }

  /** The chart of `tag`; `key` tells a pinned copy (see {@link pinKey}) from the one in its group. */
  private card(tag: string, style: ChartStyle, key: string = tag): HTMLElement {
    const runs = this.store.runsWithTag("scalars", tag);
    const wide = this.store.view.wide.includes(tag);
    const existing = this.charts.get(key);
    if (existing) {
      existing.root.classList.toggle("wide", wide);
      this.syncTools(existing, tag);
      void existing.setRunsAndView(runs, this.store.view, style, this.allRunsOf());
      return existing.root;
    }
    const host = el("div", { class: `chart-slot${wide ? " wide" : ""}`, dataset: { tag } });
    this.placeholders.set(key, host);
    whenVisible(host, () => {
      this.placeholders.delete(key);
      const chart = new ScalarChart(tag, this.store.runsWithTag("scalars", tag), this.store.view, this.chartStyle(), this.allRunsOf());
      this.charts.set(key, chart);
      chart.root.classList.toggle("wide", this.store.view.wide.includes(tag));
      if (key !== tag) chart.root.dataset.pinned = "true";
      chart.addAction("pin", "", "", () => this.toggle("pinned", tag));
      chart.addAction("wide", "", "", () => this.toggle("wide", tag));
      this.syncTools(chart, tag);
      host.replaceWith(chart.root);
      const runs = this.store.runsWithTag("scalars", tag).length;
      void (runs > QUEUE_FROM_RUNS ? this.queued(() => chart.load()) : chart.load());
    });
    return host;
  }

  /**
   * Runs first loads at most {@link LOADS_AT_ONCE} at a time, in the order charts were created
   * (the page's order, so the first screen first): with thousands of runs each load is megabytes,
   * and charts below the fold must not slow the ones in view.
   */
  private queued(load: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const start = () => {
        this.loadsRunning++;
        void load().finally(() => {
          this.loadsRunning--;
          this.loadQueue.shift()?.();
          resolve();
        });
      };
      if (this.loadsRunning < LOADS_AT_ONCE) start();
      else this.loadQueue.push(start);
    });
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

/** Group names in a natural order: numbers by value (`0.03` before `0.1`), other names as text with numbers in them by value (`lr=2` before `lr=10`). */
function compareNatural(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a.localeCompare(b, undefined, { numeric: true });
}

/** The key of a tag's pinned copy among the charts (a NUL never occurs in a tag). */
function pinKey(tag: string): string {
  return `pin\u0000${tag}`;
}
