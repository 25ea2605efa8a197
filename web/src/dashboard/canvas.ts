/** A canvas sized for the device pixel ratio, and a few drawing helpers. */
import { formatValue } from "../common/format";

export function sizedCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Evenly spaced "nice" ticks between lo and hi. */
export function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function drawXAxis(
  ctx: CanvasRenderingContext2D,
  lo: number,
  hi: number,
  left: number,
  right: number,
  y: number,
): void {
  ctx.fillStyle = cssVar("--muted", "#666");
  ctx.strokeStyle = cssVar("--border", "#ccc");
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.beginPath();
  ctx.moveTo(left, y);
  ctx.lineTo(right, y);
  ctx.stroke();
  for (const t of ticks(lo, hi, 5)) {
    const x = left + ((t - lo) / (hi - lo || 1)) * (right - left);
    ctx.fillText(formatValue(t), x, y + 14);
  }
}

/** The muted text colour, resolved (canvas drawing cannot read CSS variables). */
export function axisColor(): string {
  return cssVar("--muted", "#5d6778");
}
