/** Fill colours of graph items by op type, device or compute time. */
import type { GraphItem } from "./api";

export type ColorMode = "op" | "device" | "compute";

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** A light, stable colour for a category name; grey for none. */
export function categoryColor(name: string): string {
  if (!name) return "#e6e6e6";
  return `hsl(${hash(name) % 360}, 60%, 82%)`;
}

/** White to deep orange as `value` goes from 0 to `max` (log scale). */
export function heatColor(value: number, max: number): string {
  if (!(max > 0) || !(value > 0)) return "#f4f4f4";
  const t = Math.min(1, Math.log1p(value) / Math.log1p(max));
  const light = 96 - t * 46;
  return `hsl(24, 95%, ${light.toFixed(1)}%)`;
}

export function itemColor(item: GraphItem, mode: ColorMode, maxCompute: number): string {
  switch (mode) {
    case "op":
      return categoryColor(item.op);
    case "device":
      return categoryColor(item.device);
    case "compute":
      return heatColor(Number(item.stats?.compute_micros ?? 0), maxCompute);
  }
}
