/**
 * Stable, distinct run colours. A run's preferred colour comes from its name (FNV-1a hash into
 * the palette), so it is the same on every page load. Two runs whose names hash alike would
 * look the same, so `assignRunColors` hands out slots: runs in name order take their hashed
 * slot, or the next free one when an earlier run holds it. A run keeps its slot for the life of
 * the page, whatever filters do or other runs come and go; only beyond the palette's size do
 * colours repeat.
 */

const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
  "#bcbd22", "#17becf", "#3366cc", "#dc3912", "#109618", "#990099", "#0099c6", "#dd4477",
  "#66aa00", "#b82e2e", "#316395", "#aaaa11",
];

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
  return PALETTE[slots.get(run) ?? hashName(run) % PALETTE.length] as string;
}

/** The `i`-th colour of the palette (group colours, by the groups' order). */
export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length] as string;
}

/** Forgets every assignment (for tests, which share one module instance). */
export function resetRunColors(): void {
  slots.clear();
}

/** `#rrggbb` with an alpha, as `rgba(...)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
