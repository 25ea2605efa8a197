/**
 * Scalar series as the data API sends them, and the pure operations the charts need on them.
 *
 * A series is a list of `[step, wall_time, value]` in step order, fetched in the API's binary
 * form. The JSON answers write non-finite floats as the strings "NaN", "Infinity", "-Infinity";
 * they are numbers here.
 */

export type ScalarPoint = [step: number, wallTime: number, value: number];

/** Turns a JSON float (number or one of the API's non-finite strings) into a number. */
export function parseFloatValue(raw: unknown): number {
  if (typeof raw === "number") return raw;
  if (raw === "NaN") return Number.NaN;
  if (raw === "Infinity") return Number.POSITIVE_INFINITY;
  if (raw === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/** Media type of the binary form of `data/scalars` (`format=binary`). */
export const SCALAR_COLUMNS_TYPE = "application/vnd.vizjobs.scalar-columns";

/**
 * Decodes the binary form of `data/scalars` (docs/DATA_API.md): magic `VJS1`, a u32 count n,
 * then n i64 steps, n f64 wall times and n f32 values, all little-endian. A body that does not
 * have exactly that shape throws, rather than drawing garbage.
 */
export function parseScalarColumns(body: ArrayBuffer): ScalarPoint[] {
  const view = new DataView(body);
  const magic = body.byteLength >= 8 ? String.fromCharCode(...new Uint8Array(body, 0, 4)) : "";
  if (magic !== "VJS1") throw new Error("not a scalar-columns body");
  const n = view.getUint32(4, true);
  if (body.byteLength !== 8 + 20 * n) {
    throw new Error(`scalar-columns body of ${body.byteLength} bytes, expected ${8 + 20 * n}`);
  }
  const walls = 8 + 8 * n;
  const values = 8 + 16 * n;
  const out: ScalarPoint[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = [
      Number(view.getBigInt64(8 + 8 * i, true)),
      view.getFloat64(walls + 8 * i, true),
      view.getFloat32(values + 4 * i, true),
    ];
  }
  return out;
}

/**
 * Replaces the points of `base` within [startStep, endStep] by `slice` (the full-resolution
 * points of that range), keeping step order. Used when a zoomed view fetched every point of a
 * series that was first loaded downsampled.
 */
export function mergeSlice(
  base: readonly ScalarPoint[],
  slice: readonly ScalarPoint[],
  startStep: number,
  endStep: number,
): ScalarPoint[] {
  const before = base.filter((p) => p[0] < startStep);
  const after = base.filter((p) => p[0] > endStep);
  const inside = slice.filter((p) => p[0] >= startStep && p[0] <= endStep);
  return [...before, ...inside, ...after];
}

/** Appends points newer than the last step of `base` (a live refresh with `since_step`). */
export function appendNewer(base: readonly ScalarPoint[], newer: readonly ScalarPoint[]): ScalarPoint[] {
  const last = base.length > 0 ? (base[base.length - 1] as ScalarPoint)[0] : -Infinity;
  return [...base, ...newer.filter((p) => p[0] > last)];
}

/**
 * Downsamples to about `buckets` buckets, keeping each bucket's first, last, min and max point
 * (so spikes survive), as the server's `points=N` does with N = 4 × buckets.
 */
export function downsample(points: readonly ScalarPoint[], maxPoints: number): ScalarPoint[] {
  if (points.length <= maxPoints || maxPoints < 4) return points.slice();
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = points.length / buckets;
  const out: ScalarPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    if (to <= from) continue;
    let minI = from;
    let maxI = from;
    for (let i = from; i < to; i++) {
      const v = (points[i] as ScalarPoint)[2];
      if (v < (points[minI] as ScalarPoint)[2]) minI = i;
      if (v > (points[maxI] as ScalarPoint)[2]) maxI = i;
    }
    const keep = [...new Set([from, minI, maxI, to - 1])].sort((a, b) => a - b);
    for (const i of keep) out.push(points[i] as ScalarPoint);
  }
  return out;
}

/** Index of the element of sorted `xs` nearest to `x` (-1 when empty). */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((xs[lo - 1] as number) - x) <= Math.abs((xs[lo] as number) - x)) {
    return lo - 1;
  }
  return lo;
}

/**
 * A y range that ignores outliers: the 5th to 95th percentile of the finite values, widened by
 * a margin. Null when there are no finite values.
 */
export function robustRange(values: readonly number[]): [number, number] | null {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const at = (q: number) => finite[Math.min(finite.length - 1, Math.floor(q * (finite.length - 1)))] as number;
  let lo = at(0.05);
  let hi = at(0.95);
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const margin = (hi - lo) * 0.1;
  lo -= margin;
  hi += margin;
  return [lo, hi];
}

/** What the x axis shows. */
export type XAxisMode = "step" | "relative" | "wall";

/**
 * The x coordinate of each point: the step, hours since the series' first point, or wall time
 * in seconds since the epoch.
 */
export function xValues(points: readonly ScalarPoint[], mode: XAxisMode): number[] {
  if (mode === "step") return points.map((p) => p[0]);
  if (mode === "wall") return points.map((p) => p[1]);
  const start = points.length > 0 ? (points[0] as ScalarPoint)[1] : 0;
  return points.map((p) => (p[1] - start) / 3600);
}

/** The steps range a zoomed x window covers in this series, or null if it holds none. */
export function stepRangeForX(
  points: readonly ScalarPoint[],
  xs: readonly number[],
  xMin: number,
  xMax: number,
): [number, number] | null {
  let first = -1;
  let last = -1;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (x >= xMin && x <= xMax) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return null;
  // Widen by one point each side so the line reaches the edges of the view.
  const from = Math.max(0, first - 1);
  const to = Math.min(points.length - 1, last + 1);
  return [(points[from] as ScalarPoint)[0], (points[to] as ScalarPoint)[0]];
}

/** Points asked for per run on first load; a zoom fetches the real points of its range. */
export const INITIAL_POINTS = 2000;
/** Points of all runs of one chart together on first load, before the per-run floor. */
const CHART_POINT_BUDGET = 20_000;
/** Fewer points than this per run would lose the shape of a curve. */
const MIN_INITIAL_POINTS = 400;

/**
 * Points to ask for per run: the full 2000 for a few runs, less when many runs share a chart.
 * Fifty overlaid curves need no more detail each than a fifth of a pixel column, and the union
 * of their steps, which uPlot joins into one table, stays bounded. Zooming still fetches every
 * point of the zoomed range.
 */
export function initialPoints(runCount: number): number {
  const share = Math.floor(CHART_POINT_BUDGET / Math.max(1, runCount));
  return Math.max(MIN_INITIAL_POINTS, Math.min(INITIAL_POINTS, share));
}
