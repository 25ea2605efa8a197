/**
 * The run selector: a regex filter, a toggle-all box and one checkbox per run with its colour,
 * and, when the runs have hparams, a selection by an hparam's value.
 *
 * The list is virtualised: only the rows in view (plus a few) are in the DOM, each at a fixed
 * height, inside a scroller whose content is as tall as every row together, so 10,000 runs cost
 * what 40 do. Filtering runs over the names in memory with the regex compiled once.
 *
 * Each run carries a badge with its log format (MindSpore, TensorBoard or both), so a logdir that
 * mixes them reads at a glance; runs with data loss or read problems carry a warning with the
 * problems in its tooltip.
 */
import { el } from "../common/dom";
import type { RunInfo } from "./api";
import { runColor, setRunColor } from "./colors";
import { hparamIndex, hparamValues, type HparamIndex } from "./hparam-index";
import { formatBadge } from "./labels";
import { filterMatcher, type Store } from "./store";

/** Height of a row, in CSS pixels (the stylesheet's `.run-scroller .run`). */
const ROW_HEIGHT = 24;
/** Rows drawn above and below the ones in view. */
const OVERSCAN = 8;

export class RunsPanel {
  readonly root = el("aside", { class: "runs", "aria-label": "Runs" });
  private readonly scroller = el("div", { class: "run-scroller" });
  private readonly list = el("ul", { class: "run-list" });
  private readonly count = el("span", { class: "muted run-count" });
  private readonly toggleAll: HTMLInputElement;
  private readonly filter: HTMLInputElement;
  private readonly filterError = el("span", { class: "filter-error", role: "alert" });
  private readonly hparamRow = el("div", { class: "field hparam-select", hidden: true });
  private filteredRuns: RunInfo[] = [];
  private filteredKey: { runs: RunInfo[]; filter: string } | null = null;
  private scrollFrame = 0;
  private rowsKey = "";

  constructor(private readonly store: Store) {
    this.filter = el("input", {
      type: "search",
      id: "run-filter",
      placeholder: "regex, e.g. ^train",
      value: store.view.runFilter,
      oninput: () => store.update({ runFilter: this.filter.value }),
    });
    this.toggleAll = el("input", {
      type: "checkbox",
      id: "toggle-all-runs",
      onchange: () => this.setAll(this.toggleAll.checked),
    });
    this.scroller.append(this.list);
    this.scroller.addEventListener("scroll", () => {
      if (this.scrollFrame) return;
      this.scrollFrame = requestAnimationFrame(() => {
        this.scrollFrame = 0;
        this.renderRows();
      });
    });
    this.root.append(
      el("h2", {}, "Runs ", this.count),
      el("div", { class: "field" }, el("label", { htmlFor: "run-filter" }, "Filter runs"), this.filter, this.filterError),
      this.hparamRow,
      el("label", { class: "check toggle-all" }, this.toggleAll, "All shown runs"),
      this.scroller,
    );
  }

  private filtered(): RunInfo[] {
    const key = this.filteredKey;
    if (!key || key.runs !== this.store.runs || key.filter !== this.store.view.runFilter) {
      const match = filterMatcher(this.store.view.runFilter);
      this.filteredRuns = this.store.runs.filter((r) => match(r.name));
      this.filteredKey = { runs: this.store.runs, filter: this.store.view.runFilter };
    }
    return this.filteredRuns;
  }

  private setAll(on: boolean): void {
    const names = this.filtered().map((r) => r.name);
    const all = this.store.runs.map((r) => r.name);
    const current = new Set(this.store.view.runs ?? all);
    for (const n of names) {
      if (on) current.add(n);
      else current.delete(n);
    }
    const selection = all.filter((n) => current.has(n));
    this.store.update({ runs: selection.length === all.length ? null : selection });
  }

  private setOne(run: string, on: boolean): void {
    const all = this.store.runs.map((r) => r.name);
    const current = new Set(this.store.view.runs ?? all);
    if (on) current.add(run);
    else current.delete(run);
    const selection = all.filter((n) => current.has(n));
    this.store.update({ runs: selection.length === all.length ? null : selection });
  }

  render(): void {
    const pattern = this.store.view.runFilter;
    let invalid = false;
    try {
      if (pattern) new RegExp(pattern);
    } catch {
      invalid = true;
    }
    this.filterError.textContent = invalid ? "Not a valid regex: matching as plain text." : "";
    if (this.filter.value !== pattern && document.activeElement !== this.filter) this.filter.value = pattern;
    const runs = this.filtered();
    let selectedCount = 0;
    for (const r of runs) if (this.store.isSelected(r.name)) selectedCount++;
    this.toggleAll.checked = runs.length > 0 && selectedCount === runs.length;
    this.toggleAll.indeterminate = selectedCount > 0 && selectedCount < runs.length;
    this.count.textContent =
      runs.length === this.store.runs.length ? `(${runs.length})` : `(${runs.length} of ${this.store.runs.length})`;
    this.list.style.height = `${runs.length * ROW_HEIGHT}px`;
    this.rowsKey = "";
    this.renderRows();
    this.renderHparamSelect();
  }

  /** The rows in view, and only those. */
  private renderRows(): void {
    const runs = this.filteredRuns;
    if (runs.length === 0) {
      this.list.style.height = "";
      this.list.replaceChildren(el("li", { class: "muted" }, this.store.runs.length ? "No run matches." : "No runs yet."));
      return;
    }
    const viewHeight = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(runs.length, Math.ceil((this.scroller.scrollTop + viewHeight) / ROW_HEIGHT) + OVERSCAN);
    const key = `${first}:${last}`;
    if (key === this.rowsKey) return;
    this.rowsKey = key;
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.row(runs[i] as RunInfo, i));
    this.list.replaceChildren(...rows);
  }

  private row(run: RunInfo, index: number): HTMLElement {
    const box = el("input", {
      type: "checkbox",
      checked: this.store.isSelected(run.name),
      onchange: () => this.setOne(run.name, box.checked),
    });
    const li = el(
      "li",
      { class: "run", dataset: { run: run.name } },
      el(
        "label",
        { class: "check" },
        box,
        el("input", {
          type: "color",
          class: "swatch swatch-picker",
          value: runColor(run.name),
          title: "Pick this run's colour",
          "aria-label": `Colour of run ${run.name}`,
          onchange: (e: Event) => {
            setRunColor(run.name, (e.target as HTMLInputElement).value);
            // Every chart reads run colours when drawn.
            window.dispatchEvent(new CustomEvent("vizjobs:colors"));
          },
        }),
        el("span", { class: "run-name", title: run.name }, run.name),
      ),
      formatLabel(run.format),
      run.status === "loading" && el("span", { class: "badge", title: "Still reading this run's files" }, "loading"),
      warning(run),
    );
    li.style.top = `${index * ROW_HEIGHT}px`;
    return li;
  }

  /** "Select runs where <hparam> = <value>", when the runs have hparams. */
  private renderHparamSelect(): void {
    const any = Object.values(this.store.tags).some((t) => t.hparams);
    if (!any) {
      this.hparamRow.hidden = true;
      return;
    }
    if (this.hparamRow.childElementCount > 0) return;
    void hparamIndex(String(this.store.runs.length)).then((index) => this.buildHparamSelect(index));
  }

  private buildHparamSelect(index: HparamIndex): void {
    if (index.names.length === 0 || this.hparamRow.childElementCount > 0) return;
    const name = el("select", { id: "hparam-name", "aria-label": "Hparam" }, ...index.names.map((n) => el("option", { value: n }, n)));
    const value = el("select", { id: "hparam-value", "aria-label": "Value" });
    const fill = () => value.replaceChildren(...hparamValues(index, name.value).map((v) => el("option", { value: v }, v)));
    name.addEventListener("change", fill);
    fill();
    const select = el(
      "button",
      {
        type: "button",
        class: "small",
        onclick: () => {
          const runs = this.store.runs.map((r) => r.name).filter((r) => index.byRun.get(r)?.get(name.value) === value.value);
          this.store.update({ runs, runFilter: "" });
        },
      },
      "Select",
    );
    this.hparamRow.replaceChildren(el("label", { htmlFor: "hparam-name" }, "Select by hparam"), el("div", { class: "row" }, name, value, select));
    this.hparamRow.hidden = false;
  }
}

function formatLabel(format: string): HTMLElement | null {
  if (!format) return null;
  const badge = formatBadge(format);
  return el(
    "span",
    {
      class: `badge format-badge format-${format.replace(/[^a-z]/g, "")}`,
      role: "img",
      title: badge.title,
      "aria-label": badge.title,
      dataset: { format },
    },
    badge.text,
  );
}

function warning(run: RunInfo): HTMLElement | null {
  if (run.data_loss === 0 && run.problems.length === 0 && run.status !== "error") return null;
  const lines = run.problems.slice(0, 10).map((p) => `${p.kind} in ${p.file} at ${p.offset}: ${p.message}`);
  const summary =
    run.data_loss > 0 ? `${run.data_loss} record(s) lost to damage` : run.status === "error" ? "could not be read" : "read problems";
  return el(
    "span",
    {
      class: "warning",
      role: "img",
      "aria-label": `Warning: ${summary}`,
      title: [summary, ...lines].join("\n"),
      tabIndex: 0,
    },
    "⚠",
  );
}
