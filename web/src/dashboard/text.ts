/**
 * Text summaries: every step's markdown, newest first, rendered sanitised (see markdown.ts), or
 * as the raw text when the display settings turn Markdown off.
 */
import { el } from "../common/dom";
import { fetchText } from "./api";
import { displaySettings } from "./display-settings";
import { renderMarkdown } from "./markdown";
import type { Store } from "./store";
import { cardFrame, TagCardsPanel, type Card } from "./tag-cards";

const SHOWN_AT_FIRST = 10;

class TextCard implements Card {
  readonly root: HTMLElement;
  private readonly list = el("div", { class: "text-entries" });
  private showAll = false;
  private signature = "";

  constructor(
    private readonly run: string,
    private readonly tag: string,
  ) {
    this.root = cardFrame(run, tag, this.list);
    this.root.classList.add("wide");
  }

  async refresh(): Promise<void> {
    let entries;
    try {
      entries = await fetchText(this.run, this.tag);
    } catch (e) {
      this.list.replaceChildren(el("p", { class: "chart-status" }, `Could not load: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const markdown = displaySettings().markdown;
    const signature = `${entries.length}:${entries[entries.length - 1]?.step}:${this.showAll}:${markdown}`;
    if (signature === this.signature) return;
    this.signature = signature;
    const newestFirst = entries.slice().reverse();
    const shown = this.showAll ? newestFirst : newestFirst.slice(0, SHOWN_AT_FIRST);
    this.list.replaceChildren(
      ...shown.map((entry) => {
        let body: HTMLElement;
        if (markdown) {
          body = el("div", { class: "markdown" });
          body.innerHTML = renderMarkdown(entry.markdown);
        } else {
          body = el("pre", { class: "raw-text" }, entry.markdown);
        }
        return el("article", { class: "text-entry" }, el("h4", { class: "muted" }, `step ${entry.step}`), body);
      }),
    );
    if (entries.length === 0) this.list.append(el("p", { class: "muted" }, "No text yet."));
    if (!this.showAll && newestFirst.length > SHOWN_AT_FIRST) {
      this.list.append(
        el(
          "button",
          {
            type: "button",
            class: "small",
            onclick: () => {
              this.showAll = true;
              void this.refresh();
            },
          },
          `Show all ${newestFirst.length} steps`,
        ),
      );
    }
  }
}

export class TextPanel extends TagCardsPanel {
  constructor(store: Store) {
    super(store, "text", "Text");
  }

  protected createCard(run: string, tag: string): Card {
    return new TextCard(run, tag);
  }
}
