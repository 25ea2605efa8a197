/**
 * Shared shape of the per-tag tabs (histograms, distributions, images, text, tensors, PR curves): tags
 * grouped by prefix, each tag a section with one card per run that holds it, each card built
 * lazily when scrolled near and able to refresh itself.
 */
import { el } from "../common/dom";
import { runColor } from "./colors";
import { forget, whenVisible } from "./lazy";
import type { Panel } from "./panel";
import { groupByPrefix, isFolded, setFolded, type Store } from "./store";

export type TagKind = "histograms" | "images" | "text" | "pr_curves" | "tensors";

export interface Card {
  readonly root: HTMLElement;
  refresh(): Promise<void>;
  destroy?(): void;
}

export abstract class TagCardsPanel implements Panel {
  readonly root = el("section", { class: "panel" });
  protected readonly toolbar = el("div", { class: "toolbar" });
  private readonly body = el("div", { class: "groups" });
  private cards = new Map<string, Card>();
  private slots: HTMLElement[] = [];

  constructor(
    protected readonly store: Store,
    private readonly kind: TagKind,
    label: string,
  ) {
    this.root.setAttribute("aria-label", label);
    this.root.append(this.toolbar, this.body);
  }

  protected abstract createCard(run: string, tag: string): Card;
  protected emptyMessage(): string {
    return `No ${this.root.getAttribute("aria-label")?.toLowerCase()} in the selected runs.`;
  }

  /** Drop every card (a view option changed that they are built with). */
  protected rebuild(): void {
    for (const c of this.cards.values()) c.destroy?.();
    this.cards.clear();
    this.render();
  }

  render(): void {
    for (const slot of this.slots) forget(slot);
    this.slots = [];
    const tags = this.store.tagsOf(this.kind);
    if (tags.length === 0) {
      this.body.replaceChildren(
        el("p", { class: "empty" }, this.store.view.tagFilter ? "No tag matches the filter." : this.emptyMessage()),
      );
      return;
    }
    const keep = new Set<string>();
    const sections: HTMLElement[] = [];
    for (const [prefix, groupTags] of groupByPrefix(tags)) {
      const details: HTMLDetailsElement = el(
        "details",
        { class: "group", open: !isFolded(this.store, this.kind, prefix), ontoggle: () => setFolded(this.store, this.kind, prefix, !details.open) },
        el("summary", {}, el("span", {}, prefix)),
      );
      for (const tag of groupTags) {
        const cards = el("div", { class: "cards" });
        for (const run of this.store.runsWithTag(this.kind, tag)) {
          const key = `${run}\u0000${tag}`;
          keep.add(key);
          cards.append(this.cardFor(key, run, tag));
        }
        details.append(el("h3", { class: "tag-heading" }, tag), cards);
      }
      sections.push(details);
    }
    for (const [key, card] of this.cards) {
      if (!keep.has(key)) {
        card.destroy?.();
        this.cards.delete(key);
      }
    }
    this.body.replaceChildren(...sections);
  }

  private cardFor(key: string, run: string, tag: string): HTMLElement {
    const existing = this.cards.get(key);
    if (existing) return existing.root;
    const slot = el("div", { class: "card-slot" });
    this.slots.push(slot);
    whenVisible(slot, () => {
      const card = this.createCard(run, tag);
      this.cards.set(key, card);
      slot.replaceWith(card.root);
      void card.refresh();
    });
    return slot;
  }

  async refresh(): Promise<void> {
    await Promise.allSettled([...this.cards.values()].map((c) => c.refresh()));
  }

  destroy(): void {
    for (const c of this.cards.values()) c.destroy?.();
    this.cards.clear();
  }
}

/** The frame of a card: run name with its colour, tag, then the body. */
export function cardFrame(run: string, tag: string, ...body: HTMLElement[]): HTMLElement {
  return el(
    "figure",
    { class: "card", dataset: { run, tag } },
    el(
      "figcaption",
      { class: "card-title" },
      el("span", { class: "swatch", style: `background:${runColor(run)}`, "aria-hidden": "true" }),
      el("span", { class: "run-name", title: run }, run),
    ),
    ...body,
  );
}

/** A step slider with its label; calls `onchange` with the chosen index. */
export function stepSlider(label: string, onchange: (index: number) => void): {
  root: HTMLElement;
  set(steps: number[], keepLatest: boolean): void;
  index(): number;
} {
  const input = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0" });
  input.setAttribute("aria-label", label);
  const output = el("output", { class: "num" });
  let steps: number[] = [];
  const show = () => (output.textContent = `step ${steps[Number(input.value)] ?? "–"}`);
  input.addEventListener("input", () => {
    show();
    onchange(Number(input.value));
  });
  return {
    root: el("div", { class: "step-slider" }, input, output),
    set(newSteps, keepLatest) {
      const wasLatest = Number(input.value) >= steps.length - 1;
      steps = newSteps;
      input.max = String(Math.max(0, steps.length - 1));
      input.disabled = steps.length <= 1;
      if (keepLatest || wasLatest) input.value = input.max;
      show();
    },
    index: () => Number(input.value),
  };
}
