/**
 * Stable run colours: a run keeps its colour across reloads, filters and other runs coming and
 * going, because the colour is picked from the run's name (FNV-1a hash into a palette).
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

export function runColor(run: string): string {
  return PALETTE[hashName(run) % PALETTE.length] as string;
}

/** `#rrggbb` with an alpha, as `rgba(...)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
