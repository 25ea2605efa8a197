/**
 * Stable, distinct run colours. A run's preferred colour comes from its name (FNV-1a hash into
 * the palette), so it is the same on every page load. Two runs whose names hash alike would
 * look the same, so `assignRunColors` hands out slots: runs in name order take their hashed
 * slot, or the next free one when an earlier run holds it. A run keeps its slot for the life of
 * the page, whatever filters do or other runs come and go; only beyond the palette's size do
 * colours repeat. A colour the viewer picked for a run (the swatch in the run list) wins, kept
 * per run name in the browser.
 */

/**
 * Twenty colours picked in CIELAB (ten hues, at two lightnesses), ordered so that neighbours
 * differ in hue: every pair is at least ΔE 19 apart (the palette this replaces had pairs at 5,
 * e.g. two greens), and each keeps a contrast of at least 2.4 against the light background and
 * 4 against the dark one (`colors.test.ts` checks both).
 */
const PALETTE = [
  "#0f80d2", "#fb846b", "#4e8b1c", "#dc87de", "#0ebaa7", "#c26121", "#8fa0fe", "#917b03", "#cc4a9b", "#58b96c",
  "#da475b", "#12b6ce", "#a1ad43", "#8f67d0", "#d89a44", "#068a8d", "#fe7ba4", "#0887a9", "#018d66", "#17b0f5",
];

/** Colours a viewer picked for runs (by run name), kept in the browser. */
const CUSTOM_KEY = "vizjobs.runColors";
let custom: Record<string, string> | null = null;

function customColors(): Record<string, string> {
  if (custom === null) {
    try {
      const saved = JSON.parse(window.localStorage.getItem(CUSTOM_KEY) ?? "{}") as unknown;
      custom = {};
      if (saved && typeof saved === "object") {
        for (const [run, color] of Object.entries(saved)) if (typeof color === "string" && /^#[0-9a-f]{6}$/i.test(color)) custom[run] = color;
      }
    } catch {
      custom = {};
    }
  }
  return custom;
}

/** Sets (or with null, forgets) the colour a viewer picked for a run. */
export function setRunColor(run: string, color: string | null): void {
  const colors = customColors();
  if (color === null) delete colors[run];
  else if (/^#[0-9a-f]{6}$/i.test(color)) colors[run] = color.toLowerCase();
  try {
    window.localStorage.setItem(CUSTOM_KEY, JSON.stringify(colors));
  } catch {
    // Not kept across visits; this page still uses it.
  }
}

/** The palette, for tests. */
export const RUN_PALETTE: readonly string[] = PALETTE;

export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Palette slot of every run seen so far on this page. */
const slots = new Map<string, number>();

/** Gives every run in `runs` its slot (see the module doc); runs already placed keep theirs. */
export function assignRunColors(runs: readonly string[]): void {
  const taken = new Set(slots.values());
  for (const run of [...runs].sort()) {
    if (slots.has(run)) continue;
    const preferred = hashName(run) % PALETTE.length;
    let slot = preferred;
    for (let probe = 0; probe < PALETTE.length; probe++) {
      const candidate = (preferred + probe) % PALETTE.length;
      if (!taken.has(candidate)) {
        slot = candidate;
        break;
      }
    }
    slots.set(run, slot);
    taken.add(slot);
  }
}

export function runColor(run: string): string {
  return customColors()[run] ?? (PALETTE[slots.get(run) ?? hashName(run) % PALETTE.length] as string);
}

/** The `i`-th colour of the palette (group colours, by the groups' order). */
export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length] as string;
}

/** Forgets every assignment (for tests, which share one module instance). */
export function resetRunColors(): void {
  slots.clear();
  custom = null;
}

/** `#rrggbb` with an alpha, as `rgba(...)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
