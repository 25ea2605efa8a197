/**
 * Images: per run and tag, the image at the chosen step (a slider over the steps that have
 * one; it follows the newest step unless moved back). Clicking opens it zoomed in a dialog,
 * with pixel-exact scaling for small images.
 */
import { el, labelled } from "../common/dom";
import { fetchImages, type ImageEntry } from "./api";
import { parseFloatValue } from "./series";
import type { Store } from "./store";
import { cardFrame, stepSlider, TagCardsPanel, type Card } from "./tag-cards";

class ImageCard implements Card {
  readonly root: HTMLElement;
  private entries: ImageEntry[] = [];
  private readonly image = el("img", { class: "sample", alt: "" });
  private readonly button: HTMLButtonElement;
  private readonly meta = el("p", { class: "muted small-text" });
  private readonly slider = stepSlider("Image step", () => this.show());

  constructor(
    private readonly run: string,
    private readonly tag: string,
    private readonly scale: () => number,
  ) {
    this.button = el("button", { type: "button", class: "image-button", onclick: () => this.zoom() }, this.image);
    this.button.setAttribute("aria-label", `Zoom image ${tag} of run ${run}`);
    this.root = cardFrame(run, tag, this.button, this.slider.root, this.meta);
  }

  async refresh(): Promise<void> {
    try {
      this.entries = await fetchImages(this.run, this.tag);
    } catch (e) {
      this.meta.textContent = `Could not load: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    this.slider.set(this.entries.map((e) => e.step), false);
    this.show();
  }

  private current(): ImageEntry | undefined {
    return this.entries[this.slider.index()];
  }

  private show(): void {
    const entry = this.current();
    if (!entry) {
      this.meta.textContent = "No images yet.";
      return;
    }
    this.image.src = entry.url;
    this.image.alt = `${this.tag} at step ${entry.step}`;
    const scale = this.scale();
    this.image.style.width = `${Math.round(Math.max(entry.width * scale, 64))}px`;
    this.image.classList.toggle("pixelated", entry.width * scale > entry.width * 1.5);
    this.meta.textContent = `${entry.width}×${entry.height} · ${new Date(parseFloatValue(entry.wall_time) * 1000).toLocaleString()}`;
  }

  private zoom(): void {
    const entry = this.current();
    if (!entry) return;
    const fit = Math.max(1, Math.floor(Math.min((window.innerWidth * 0.85) / entry.width, (window.innerHeight * 0.75) / entry.height)));
    const big = el("img", {
      src: entry.url,
      alt: `${this.tag} at step ${entry.step}, zoomed`,
      class: fit > 1 ? "pixelated" : "",
      style: `width:${entry.width * fit}px`,
    });
    const dialog = el(
      "dialog",
      { class: "zoom-dialog", onclose: () => dialog.remove() },
      el(
        "div",
        { class: "dialog-head" },
        el("span", {}, `${this.run} · ${this.tag} · step ${entry.step} · ${fit}×`),
        el("button", { type: "button", class: "small", onclick: () => dialog.close(), autofocus: true }, "Close"),
      ),
      big,
    );
    dialog.addEventListener("click", (e) => {
      if (e.target === dialog) dialog.close();
    });
    document.body.append(dialog);
    dialog.showModal();
  }
}

export class ImagesPanel extends TagCardsPanel {
  private scale = 8;

  constructor(store: Store) {
    super(store, "images", "Images");
    const select = el(
      "select",
      {
        onchange: () => {
          this.scale = Number(select.value);
          this.rebuild();
        },
      },
      ...[1, 2, 4, 8, 16].map((s) => el("option", { value: String(s) }, `${s}×`)),
    );
    select.value = String(this.scale);
    this.toolbar.append(labelled("Image scale", select), el("p", { class: "muted" }, "Click an image to zoom."));
  }

  protected createCard(run: string, tag: string): Card {
    return new ImageCard(run, tag, () => this.scale);
  }
}
