/**
 * hparams: one row per session (trial) with its hyperparameters and final metrics, sortable by
 * any column (click or Enter on a header), limited to the selected runs.
 */
import { el } from "../common/dom";
import { formatValue } from "../common/format";
import { fetchHparams, type HparamsData } from "./api";
import { runColor } from "./colors";
import type { Panel } from "./panel";
import { parseFloatValue } from "./series";
import type { Store } from "./store";

type Column = { key: string; label: string; get: (s: HparamsData["sessions"][number]) => unknown };

export class HparamsPanel implements Panel {
  readonly root = el("section", { class: "panel", "aria-label": "HParams" });
  private data: HparamsData | null = null;
  private sortKey = "run";
  private ascending = true;
  private error = "";

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
    const sessions = data.sessions.filter((s) => this.store.isSelected(s.run) || !this.store.runs.some((r) => r.name === s.run));
    if (sessions.length === 0) {
      this.root.replaceChildren(el("p", { class: "empty" }, "No hparams sessions in the selected runs."));
      return;
    }
    const columns: Column[] = [
      { key: "run", label: "Run", get: (s) => s.run },
      ...data.hparams.map((h) => ({ key: `h:${h.name}`, label: h.name, get: (s: HparamsData["sessions"][number]) => s.hparams[h.name] })),
      ...data.metrics.map((m) => ({ key: `m:${m.tag}`, label: m.tag, get: (s: HparamsData["sessions"][number]) => s.metrics[m.tag] })),
    ];
    if (sessions.some((s) => s.status)) columns.push({ key: "status", label: "Status", get: (s) => s.status });
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
        {},
        ...columns.map((c, i) =>
          i === 0
            ? el("td", {}, el("span", { class: "swatch", style: `background:${runColor(s.run)}` }), s.run)
            : el("td", { class: typeof c.get(s) === "number" || c.key.startsWith("m:") ? "num" : "" }, cell(c.get(s))),
        ),
      ),
    );
    this.root.replaceChildren(
      el("div", { class: "table-wrap" }, el("table", { class: "data-table hparams" }, el("thead", {}, header), el("tbody", {}, ...rows))),
    );
  }

  async refresh(): Promise<void> {
    try {
      this.data = await fetchHparams();
      this.error = "";
    } catch (e) {
      this.error = `Could not load hparams: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.render();
  }

  destroy(): void {}
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "–";
  if (typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity") return formatValue(parseFloatValue(v));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function compare(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
