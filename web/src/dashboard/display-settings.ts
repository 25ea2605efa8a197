/**
 * Display settings of the dashboard, kept in the browser (not in the URL: they are the
 * viewer's taste, not part of a shared view): colour scheme, image brightness and contrast,
 * whether text summaries are rendered as Markdown, and the width of cards.
 */
import { el, labelled } from "../common/dom";
import { safeGet, safeSet, setThemeChoice, themeChoice, type ThemeChoice } from "../common/theme";

export type CardWidth = "narrow" | "normal" | "wide";

export interface DisplaySettings {
  /** Percent, 100 = unchanged. */
  brightness: number;
  contrast: number;
  markdown: boolean;
  cardWidth: CardWidth;
}

const KEY = "vizjobs.display";
const DEFAULTS: DisplaySettings = { brightness: 100, contrast: 100, markdown: true, cardWidth: "normal" };
/** Smallest width of a card in the grid, per setting. */
const CARD_MIN: Record<CardWidth, string> = { narrow: "18rem", normal: "26rem", wide: "40rem" };

/** The saved settings, each value checked (a hand-edited or older entry falls back per field). */
export function displaySettings(): DisplaySettings {
  let saved: Partial<DisplaySettings> = {};
  try {
    saved = JSON.parse(safeGet(KEY) ?? "{}") as Partial<DisplaySettings>;
  } catch {
    saved = {};
  }
  const percent = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) && v >= 10 && v <= 300 ? v : d);
  return {
    brightness: percent(saved.brightness, DEFAULTS.brightness),
    contrast: percent(saved.contrast, DEFAULTS.contrast),
    markdown: typeof saved.markdown === "boolean" ? saved.markdown : DEFAULTS.markdown,
    cardWidth: saved.cardWidth === "narrow" || saved.cardWidth === "wide" ? saved.cardWidth : DEFAULTS.cardWidth,
  };
}

/** Applies what CSS can apply (image filters, card width) to the page. */
export function applyDisplaySettings(s: DisplaySettings = displaySettings()): void {
  const root = document.documentElement.style;
  root.setProperty("--img-brightness", `${s.brightness}%`);
  root.setProperty("--img-contrast", `${s.contrast}%`);
  root.setProperty("--card-min", CARD_MIN[s.cardWidth]);
}

function save(s: DisplaySettings): void {
  safeSet(KEY, JSON.stringify(s));
  applyDisplaySettings(s);
}

/**
 * The "Display" menu of the header. `redraw` is called when a change needs panels rebuilt
 * (charts read their colours when drawn; text renders Markdown or not when drawn).
 */
export function displayMenu(redraw: () => void): HTMLElement {
  const current = displaySettings();
  const theme = el(
    "select",
    {
      id: "display-theme",
      onchange: () => {
        setThemeChoice(theme.value as ThemeChoice);
        redraw();
      },
    },
    ...(["system", "light", "dark"] as const).map((t) => el("option", { value: t, selected: t === themeChoice() }, t === "system" ? "System" : t === "light" ? "Light" : "Dark")),
  );
  const slider = (key: "brightness" | "contrast", label: string) => {
    const output = el("output", { class: "num" }, `${current[key]}%`);
    const input = el("input", {
      type: "range",
      min: 20,
      max: 250,
      step: 5,
      value: String(current[key]),
      oninput: () => {
        output.textContent = `${input.value}%`;
        save({ ...displaySettings(), [key]: Number(input.value) });
      },
    });
    return el("div", { class: "field" }, labelled(label, input), output);
  };
  const markdown = el("input", {
    type: "checkbox",
    checked: current.markdown,
    onchange: () => {
      save({ ...displaySettings(), markdown: markdown.checked });
      redraw();
    },
  });
  const width = el(
    "select",
    { onchange: () => save({ ...displaySettings(), cardWidth: width.value as CardWidth }) },
    ...(["narrow", "normal", "wide"] as const).map((w) => el("option", { value: w, selected: w === current.cardWidth }, w[0]!.toUpperCase() + w.slice(1))),
  );
  const reset = el(
    "button",
    {
      type: "button",
      class: "small",
      onclick: () => {
        save(DEFAULTS);
        setThemeChoice("system");
        menu.replaceWith(displayMenu(redraw));
        redraw();
      },
    },
    "Reset",
  );
  const menu = el(
    "details",
    { class: "display-menu" },
    el("summary", { class: "small button-like" }, "Display"),
    el(
      "div",
      { class: "display-panel", role: "group", "aria-label": "Display settings" },
      labelled("Colour scheme", theme),
      slider("brightness", "Image brightness"),
      slider("contrast", "Image contrast"),
      el("label", { class: "check" }, markdown, "Render text as Markdown"),
      labelled("Card width", width),
      reset,
    ),
  );
  return menu;
}
