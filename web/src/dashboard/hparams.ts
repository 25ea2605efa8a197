/**
 * HParams: the sessions (trials) of a sweep with their hyperparameters and metrics, as a
 * sortable table, parallel coordinates or a scatter-plot matrix (hparams × metrics), with a
 * log/linear choice per numeric axis.
 *
 * Filters narrow every view at once: per hparam the values kept (or a range, typed or dragged
 * on its parallel-coordinates axis), per metric a min and max, and the session statuses.
 * Clicking a session (a row, a line or a point) selects its run in the run list and shows that
 * run's metric charts under the view. Every session is shown whatever the run selection (the
 * filters here are the way to narrow them), so that another can be picked after a click.
 */
import "./hparams.css";
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchHparams, type HparamsData } from "./api";
import { runColor } from "./colors";
import { type Axis, axesOf, type Filters, NO_FILTERS, passes, type Session, STATUSES } from "./hparams-model";
import { parallelCoordinates, scatterMatrix } from "./hparams-plots";
import type { Panel } from "./panel";
import { ScalarChart } from "./scalar-chart";
import type { Store } from "./store";

type Mode = "table" | "parallel" | "scatter";
const MODES: { mode: Mode; label: string }[] = [
  { mode: "table", label: "Table" },
  { mode: "parallel", label: "Parallel coordinates" },
  { mode: "scatter", label: "Scatter plot matrix" },
];

export class HparamsPanel implements Panel {
  readonly root = el("section", { class: "panel hparams-panel", "aria-label": "HParams" });
  private data: HparamsData | null = null;
  private axes: Axis[] = [];
  private mode: Mode = "table";
  private filters: Filters = structuredClone(NO_FILTERS);
  private logAxes = new Set<string>();
  private selected: string | null = null;
  private sortKey = "run";
  private ascending = true;
  private error = "";
  private charts: ScalarChart[] = [];
  private detail: { run: string; node: HTMLElement } | null = null;

  constructor(private readonly store: Store) {}

  render(): void {
    if (this.error) {
      this.root.replaceChildren(el("p", { class: "banner error" }, this.error));
      return;
    }
    const data = this.data;
    if (!data) {
      this.root.replaceChildren(el("p", { class: "muted" }, "Loading…"));
      return;
    }
    // Every session, whatever the run selection: clicking one selects its run alone, and the
    // others must stay in view to compare and pick another.
    const sessions = data.sessions;
    if (sessions.length === 0) {
      this.root.replaceChildren(el("p", { class: "empty" }, "No hparams sessions in this logdir."));
      return;
    }
    const kept = sessions.filter((s) => passes(s, this.axes, this.filters));
    const keptRuns = new Set(kept.map((s) => s.run));
    const view = el("div", { class: "hp-view", dataset: { mode: this.mode, kept: String(kept.length) } });
    if (kept.length === 0) view.append(el("p", { class: "empty" }, "No session passes the filters."));
    else if (this.mode === "table") view.append(this.table(kept));
    else {
      const options = {
        axes: this.axes,
        sessions,
        kept: keptRuns,
        logAxes: this.logAxes,
        selected: this.selected,
        ranges: this.filters.ranges,
        onSelect: (run: string) => this.select(run),
        onToggleLog: (key: string) => {
          if (!this.logAxes.delete(key)) this.logAxes.add(key);
          this.render();
        },
        onBrush: (key: string, range: [number, number] | null) => {
          if (range) this.filters.ranges[key] = range;
          else delete this.filters.ranges[key];
          this.render();
        },
      };
      const width = Math.max(600, this.root.clientWidth - 300);
      view.append(el("div", { class: "hp-plot-wrap" }, this.mode === "parallel" ? parallelCoordinates(options, width) : scatterMatrix(options)));
    }
    const modes = el(
      "div",
      { class: "hp-modes", role: "tablist", "aria-label": "HParams view" },
      ...MODES.map(({ mode, label }) =>
        el(
          "button",
          {
            type: "button",
            role: "tab",
            class: "small",
            "aria-selected": String(mode === this.mode),
            onclick: () => {
              this.mode = mode;
              this.render();
            },
          },
          label,
        ),
      ),
    );
    const count = el("span", { class: "muted hp-count" }, `${kept.length} of ${sessions.length} sessions`);
    this.root.replaceChildren(
      el("div", { class: "hp-layout" }, this.filterPanel(sessions), el("div", { class: "hp-main" }, el("div", { class: "hp-top" }, modes, count), view, this.sessionDetail(sessions))),
    );
  }

  private select(run: string): void {
    this.selected = run;
    // Selecting it in the run list as well: the other tabs then show this run.
    this.store.update({ runs: [run] });
  }

  private filterPanel(sessions: Session[]): HTMLElement {
    const box = el("aside", { class: "hp-filters", "aria-label": "HParams filters" }, el("h3", {}, "Filters"));
    const statusesPresent = STATUSES.filter((st) => sessions.some((s) => s.status === st));
    if (statusesPresent.length > 0) {
      box.append(
        el(
          "fieldset",
          { class: "hp-filter" },
          el("legend", {}, "Status"),
          ...statusesPresent.map((st) =>
            el(
              "label",
              { class: "check" },
              el("input", {
                type: "checkbox",
                checked: this.filters.statuses.includes(st),
                onchange: (e: Event) => {
                  const on = (e.target as HTMLInputElement).checked;
                  this.filters.statuses = on ? [...this.filters.statuses, st] : this.filters.statuses.filter((x) => x !== st);
                  this.render();
                },
              }),
              st,
            ),
          ),
        ),
      );
    }
    for (const axis of this.axes) {
      const field = el("fieldset", { class: `hp-filter hp-filter-${axis.kind}`, dataset: { axis: axis.key } }, el("legend", {}, axis.kind === "metric" ? `${axis.label} (metric)` : axis.label));
      if (!axis.numeric) {
        const allowed = this.filters.categories[axis.key];
        for (const value of axis.categories) {
          field.append(
            el(
              "label",
              { class: "check" },
              el("input", {
                type: "checkbox",
                checked: !allowed || allowed.includes(value),
                onchange: (e: Event) => {
                  const on = (e.target as HTMLInputElement).checked;
                  const current = this.filters.categories[axis.key] ?? [...axis.categories];
                  const next = on ? [...current, value] : current.filter((v) => v !== value);
                  if (next.length === axis.categories.length) delete this.filters.categories[axis.key];
                  else this.filters.categories[axis.key] = next;
                  this.render();
                },
              }),
              value,
            ),
          );
        }
      } else {
        const range = this.filters.ranges[axis.key];
        const bound = (which: 0 | 1, label: string) =>
          el("input", {
            type: "number",
            step: "any",
            class: "hp-bound",
            "aria-label": `${axis.label} ${label}`,
            placeholder: formatValue(which === 0 ? axis.min : axis.max),
            value: range ? String(range[which]) : "",
            onchange: (e: Event) => {
              const text = (e.target as HTMLInputElement).value.trim();
              const current = this.filters.ranges[axis.key] ?? [-Infinity, Infinity];
              const next: [number, number] = [current[0], current[1]];
              next[which] = text === "" ? (which === 0 ? -Infinity : Infinity) : Number(text);
              if (next[0] === -Infinity && next[1] === Infinity) delete this.filters.ranges[axis.key];
              else this.filters.ranges[axis.key] = next;
              this.render();
            },
          });
        field.append(el("div", { class: "hp-range" }, bound(0, "min"), el("span", {}, "to"), bound(1, "max")));
      }
      box.append(field);
    }
    box.append(
      el(
        "button",
        {
          type: "button",
          class: "small",
          onclick: () => {
            this.filters = structuredClone(NO_FILTERS);
            this.render();
          },
        },
        "Clear filters",
      ),
    );
    return box;
  }

  private table(sessions: Session[]): HTMLElement {
    type Column = { key: string; label: string; get: (s: Session) => unknown; num: boolean };
    const columns: Column[] = [
      { key: "run", label: "Run", get: (s) => s.run, num: false },
      ...this.axes.map((a) => ({ key: a.key, label: a.label, get: (s: Session) => a.read(s), num: a.numeric })),
    ];
    if (sessions.some((s) => s.status !== "unknown")) columns.push({ key: "status", label: "Status", get: (s) => s.status, num: false });
    const column = columns.find((c) => c.key === this.sortKey) ?? (columns[0] as Column);
    const sorted = sessions.slice().sort((a, b) => compare(column.get(a), column.get(b)) * (this.ascending ? 1 : -1));
    const header = el(
      "tr",
      {},
      ...columns.map((c) => {
        const th = el(
          "th",
          { scope: "col", class: c.key.startsWith("m:") ? "metric" : "" },
          el(
            "button",
            {
              type: "button",
              class: "sort",
              onclick: () => {
                this.ascending = this.sortKey === c.key ? !this.ascending : true;
                this.sortKey = c.key;
                this.render();
              },
            },
            c.label,
            c.key === this.sortKey ? (this.ascending ? " ▲" : " ▼") : "",
          ),
        );
        th.setAttribute("aria-sort", c.key === this.sortKey ? (this.ascending ? "ascending" : "descending") : "none");
        return th;
      }),
    );
    const rows = sorted.map((s) =>
      el(
        "tr",
        { class: s.run === this.selected ? "selected" : "", dataset: { run: s.run }, onclick: () => this.select(s.run) },
        ...columns.map((c, i) =>
          i === 0
            ? el("td", {}, el("span", { class: "swatch", style: `background:${runColor(s.run)}` }), el("button", { type: "button", class: "link" }, s.run))
            : el("td", { class: c.num ? "num" : "" }, cell(c.get(s))),
        ),
      ),
    );
    return el("div", { class: "table-wrap" }, el("table", { class: "data-table hparams" }, el("thead", {}, header), el("tbody", {}, ...rows)));
  }

  /** The selected session's values and its metric charts. */
  private sessionDetail(sessions: Session[]): HTMLElement {
    const session = sessions.find((s) => s.run === this.selected);
    // The same session keeps its charts (and their zoom) across redraws of the view.
    if (this.detail && this.detail.run === session?.run) return this.detail.node;
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.detail = null;
    if (!session) return el("div", { class: "hp-detail muted" }, "Click a session to see its metric charts.");
    const metrics = this.axes.filter((a) => a.kind === "metric" && this.store.tags[session.run]?.scalars?.includes(a.label));
    const grid = el("div", { class: "cards hp-charts" });
    for (const metric of metrics) {
      const chart = new ScalarChart(metric.label, [session.run], this.store.view);
      this.charts.push(chart);
      grid.append(chart.root);
      void chart.load();
    }
    const node = el(
      "div",
      { class: "hp-detail", dataset: { run: session.run } },
      el("h3", {}, el("span", { class: "swatch", style: `background:${runColor(session.run)}` }), `Session ${session.run}`),
      metrics.length > 0 ? grid : el("p", { class: "muted" }, "This session's run has no scalar series for its metrics."),
    );
    this.detail = { run: session.run, node };
    return node;
  }

  async refresh(): Promise<void> {
    try {
      this.data = await fetchHparams();
      this.axes = axesOf(this.data);
      this.error = "";
      await Promise.all(this.charts.map((c) => c.refresh()));
    } catch (e) {
      this.error = `Could not load hparams: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.render();
  }

  destroy(): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.detail = null;
  }
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "–";
  if (typeof v === "number") return formatValue(v);
  return String(v);
}

function compare(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
