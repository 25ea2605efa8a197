/**
 * The run selector: a regex filter, a toggle-all box and one checkbox per run with its colour.
 * Each run carries a badge with its log format (MindSpore, TensorBoard or both), so a logdir that
 * mixes them reads at a glance; runs with data loss or read problems carry a warning with the
 * problems in its tooltip.
 */
import { el } from "../common/dom";
import type { RunInfo } from "./api";
import { runColor } from "./colors";
import { formatBadge } from "./labels";
import type { Store } from "./store";
import { matchesFilter } from "./urlstate";

export class RunsPanel {
  readonly root = el("aside", { class: "runs", "aria-label": "Runs" });
  private readonly list = el("ul", { class: "run-list" });
  private readonly toggleAll: HTMLInputElement;
  private readonly filter: HTMLInputElement;
  private readonly filterError = el("span", { class: "filter-error", role: "alert" });

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
    this.root.append(
      el("h2", {}, "Runs"),
      el("div", { class: "field" }, el("label", { htmlFor: "run-filter" }, "Filter runs"), this.filter, this.filterError),
      el("label", { class: "check toggle-all" }, this.toggleAll, "All shown runs"),
      this.list,
    );
  }

  private filtered(): RunInfo[] {
    return this.store.runs.filter((r) => matchesFilter(r.name, this.store.view.runFilter));
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
    const runs = this.filtered();
    const selectedCount = runs.filter((r) => this.store.isSelected(r.name)).length;
    this.toggleAll.checked = runs.length > 0 && selectedCount === runs.length;
    this.toggleAll.indeterminate = selectedCount > 0 && selectedCount < runs.length;
    if (runs.length === 0) {
      this.list.replaceChildren(el("li", { class: "muted" }, this.store.runs.length ? "No run matches." : "No runs yet."));
      return;
    }
    this.list.replaceChildren(
      ...runs.map((run) => {
        const box = el("input", {
          type: "checkbox",
          checked: this.store.isSelected(run.name),
          onchange: () => this.setOne(run.name, box.checked),
        });
        return el(
          "li",
          { class: "run", dataset: { run: run.name } },
          el(
            "label",
            { class: "check" },
            box,
            el("span", { class: "swatch", style: `background:${runColor(run.name)}`, "aria-hidden": "true" }),
            el("span", { class: "run-name", title: run.name }, run.name),
          ),
          formatLabel(run.format),
          run.status === "loading" && el("span", { class: "badge", title: "Still reading this run's files" }, "loading"),
          warning(run),
        );
      }),
    );
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
