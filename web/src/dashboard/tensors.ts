/**
 * Tensors (MindSpore's tensor summaries, TensorBoard tensors no plugin claims): per run and tag,
 * the tensor at the chosen step (a slider that follows the newest step unless moved back) with
 * its shape and dtype, laid out by tensor-view.ts.
 */
import { el } from "../common/dom";
import { fetchTensors } from "./api";
import type { Store } from "./store";
import { cardFrame, stepSlider, TagCardsPanel, type Card } from "./tag-cards";
import { formatShape, hiddenNote, tensorLayout, type TensorStep } from "./tensor-view";

class TensorCard implements Card {
  readonly root: HTMLElement;
  private steps: TensorStep[] = [];
  private readonly meta = el("p", { class: "tensor-meta muted small-text" });
  private readonly body = el("div", { class: "tensor-body" });
  private readonly note = el("p", { class: "chart-status" }, "Loading…");
  private readonly slider = stepSlider("Tensor step", () => this.show());
  private signature = "";

  constructor(
    private readonly run: string,
    private readonly tag: string,
  ) {
    this.root = cardFrame(run, tag, this.slider.root, this.meta, this.body, this.note);
    this.root.classList.add("tensor-card");
    this.root.dataset.state = "loading";
  }

  async refresh(): Promise<void> {
    try {
      this.steps = await fetchTensors(this.run, this.tag);
    } catch (e) {
      this.note.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      this.root.dataset.state = "error";
      return;
    }
    this.slider.set(
      this.steps.map((s) => s.step),
      false,
    );
    this.show();
  }

  private show(): void {
    const t = this.steps[this.slider.index()];
    if (!t) {
      this.signature = "";
      this.meta.textContent = "";
      this.body.replaceChildren();
      this.note.textContent = "No tensors yet.";
      this.root.dataset.state = "empty";
      return;
    }
    // A live refresh that brought nothing new for the shown step leaves the DOM (and any
    // selection in the table) alone.
    const signature = `${t.step}:${t.wallTime}:${this.steps.length}`;
    if (signature === this.signature) return;
    this.signature = signature;
    this.meta.replaceChildren(
      el("span", { class: "tensor-shape" }, `shape ${formatShape(t.shape)}`),
      " · ",
      el("span", { class: "tensor-dtype" }, t.dtype),
      " · ",
      `step ${t.step}`,
      " · ",
      new Date(t.wallTime * 1000).toLocaleString(),
    );
    const layout = tensorLayout(t.shape, t.values);
    const notes: string[] = [];
    if (layout.kind === "flat") {
      notes.push(
        layout.reason === "rank"
          ? `Rank ${t.shape.length}: values shown flattened in row-major order.`
          : `The shape ${formatShape(t.shape)} does not match the ${t.values.length} values sent: shown flattened.`,
      );
    }
    const hidden = hiddenNote(layout);
    if (hidden) notes.push(hidden);
    this.note.textContent = notes.join(" ");
    this.body.replaceChildren(render(layout));
    this.root.dataset.state = layout.kind === "empty" ? "empty" : "drawn";
    this.root.dataset.step = String(t.step);
  }
}

function render(layout: ReturnType<typeof tensorLayout>): HTMLElement {
  switch (layout.kind) {
    case "empty":
      return el("p", { class: "muted" }, "This tensor holds no values.");
    case "scalar":
      return el("p", { class: "tensor-scalar num" }, layout.text);
    case "row":
    case "flat":
      return el(
        "div",
        { class: "table-scroll" },
        el(
          "table",
          { class: `tensor-values tensor-${layout.kind}` },
          el("tbody", {}, el("tr", {}, ...layout.cells.map((c) => el("td", { class: "num" }, c)))),
        ),
      );
    case "table": {
      const cols = layout.rows[0]?.length ?? 0;
      const head = el(
        "tr",
        {},
        el("th", {}, ""),
        ...Array.from({ length: cols }, (_, c) => el("th", { scope: "col", class: "num" }, String(c))),
      );
      return el(
        "div",
        { class: "table-scroll" },
        el(
          "table",
          { class: "tensor-values tensor-table" },
          el("thead", {}, head),
          el(
            "tbody",
            {},
            ...layout.rows.map((row, r) =>
              el("tr", {}, el("th", { scope: "row", class: "num" }, String(r)), ...row.map((c) => el("td", { class: "num" }, c))),
            ),
          ),
        ),
      );
    }
  }
}

export class TensorsPanel extends TagCardsPanel {
  constructor(store: Store) {
    super(store, "tensors", "Tensors");
  }

  protected createCard(run: string, tag: string): Card {
    return new TensorCard(run, tag);
  }
}
