/**
 * Many runs at once: the binary form of `data/scalars_multirun` read into typed columns, and the
 * pure computations the scalar charts need at 10,000 runs (per-pixel decimation, group
 * aggregates, nearest runs under the cursor, top-k, and the compact selection code of the URL).
 *
 * A run's series is three columns (steps, wall times, values) viewing the answer's buffer in
 * place: no per-point objects, so 10,000 runs of 200 points cost what their bytes cost.
 */

/** One run's series as columns, in step order. */
export interface RunColumns {
  steps: Float64Array;
  walls: Float64Array;
  values: Float32Array;
}

/** Media type of the binary form of `data/scalars_multirun` (`format=binary`). */
export const MULTIRUN_TYPE = "application/vnd.vizjobs.scalar-columns-multirun";

const TWO_32 = 4294967296;

/**
 * Decodes the binary form of `data/scalars_multirun` (docs/DATA_API.md): magic `VJM1`, a u32 run
 * count, then per run (each entry at a multiple of 8) a u32 name length, the UTF-8 name, zeros to
 * a multiple of 8, a `VJS1` series body, zeros to a multiple of 8. Throws on any other shape
 * rather than drawing garbage.
 */
export function parseMultirun(body: ArrayBuffer): Map<string, RunColumns> {
  const view = new DataView(body);
  const bytes = new Uint8Array(body);
  const magic = body.byteLength >= 8 ? String.fromCharCode(...bytes.subarray(0, 4)) : "";
  if (magic !== "VJM1") throw new Error("not a scalar-columns-multirun body");
  const count = view.getUint32(4, true);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const out = new Map<string, RunColumns>();
  let at = 8;
  const need = (end: number) => {
    if (end > body.byteLength) throw new Error("scalar-columns-multirun body cut short");
  };
  for (let r = 0; r < count; r++) {
    need(at + 4);
    const nameLength = view.getUint32(at, true);
    need(at + 4 + nameLength);
    const name = decoder.decode(bytes.subarray(at + 4, at + 4 + nameLength));
    const series = align8(at + 4 + nameLength);
    need(series + 8);
    if (String.fromCharCode(...bytes.subarray(series, series + 4)) !== "VJS1") throw new Error(`bad series of run ${r}`);
    const n = view.getUint32(series + 4, true);
    const end = series + 8 + 20 * n;
    need(end);
    // Steps are i64: read as two u32 halves (exact up to 2^53), far cheaper than BigInt.
    const halves = new Uint32Array(body, series + 8, 2 * n);
    const steps = new Float64Array(n);
    for (let i = 0; i < n; i++) steps[i] = ((halves[2 * i + 1] as number) | 0) * TWO_32 + (halves[2 * i] as number);
    out.set(name, {
      steps,
      walls: new Float64Array(body, series + 8 + 8 * n, n),
      values: new Float32Array(body, series + 8 + 16 * n, n),
    });
    at = align8(end);
  }
  if (at !== body.byteLength) throw new Error(`${body.byteLength - at} bytes after the last run`);
  return out;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Columns of `base` with its points in [startStep, endStep] replaced by `slice`'s (a zoom's full-resolution fetch). */
export function mergeColumns(base: RunColumns, slice: RunColumns, startStep: number, endStep: number): RunColumns {
  const parts: [RunColumns, number][] = [];
  for (let i = 0; i < base.steps.length; i++) if ((base.steps[i] as number) < startStep) parts.push([base, i]);
  for (let j = 0; j < slice.steps.length; j++) {
    const t = slice.steps[j] as number;
    if (t >= startStep && t <= endStep) parts.push([slice, j]);
  }
  for (let i = 0; i < base.steps.length; i++) if ((base.steps[i] as number) > endStep) parts.push([base, i]);
  return gather(parts);
}

/** Columns of `base` followed by the points of `newer` after its last step (a live refresh). */
export function appendColumns(base: RunColumns, newer: RunColumns): RunColumns {
  const last = base.steps.length > 0 ? (base.steps[base.steps.length - 1] as number) : -Infinity;
  const parts: [RunColumns, number][] = [];
  for (let i = 0; i < base.steps.length; i++) parts.push([base, i]);
  for (let j = 0; j < newer.steps.length; j++) if ((newer.steps[j] as number) > last) parts.push([newer, j]);
  return gather(parts);
}

function gather(parts: [RunColumns, number][]): RunColumns {
  const n = parts.length;
  const out: RunColumns = { steps: new Float64Array(n), walls: new Float64Array(n), values: new Float32Array(n) };
  parts.forEach(([c, i], k) => {
    out.steps[k] = c.steps[i] as number;
    out.walls[k] = c.walls[i] as number;
    out.values[k] = c.values[i] as number;
  });
  return out;
}

/** x of each point: the step, hours since the first point, or the wall time in seconds. */
export function xColumn(c: RunColumns, mode: "step" | "relative" | "wall"): Float64Array {
  if (mode === "step") return c.steps;
  if (mode === "wall") return c.walls;
  const start = c.walls.length > 0 ? (c.walls[0] as number) : 0;
  const out = new Float64Array(c.walls.length);
  for (let i = 0; i < out.length; i++) out[i] = ((c.walls[i] as number) - start) / 3600;
  return out;
}

/** Debiased EMA (as TensorBoard's smoothing) over a column; NaN and infinities pass unsmoothed. */
export function smoothColumn(values: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v) || weight <= 0) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    out[i] = last / (1 - Math.pow(weight, count));
  }
  return out;
}

/** Index of the last element of sorted `xs` not greater than `x`, or of the nearest (-1 when empty). */
export function nearestAt(xs: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((xs[lo - 1] as number) - x) <= Math.abs((xs[lo] as number) - x)) return lo - 1;
  return lo;
}

export type Stat = "mean" | "median";
export type Band = "minmax" | "std" | "none";

/** A group's aggregate on a grid of x bins: the middle line and the band (NaN where no run has a point). */
export interface Aggregate {
  xs: Float64Array;
  mid: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
}

/**
 * Aggregates runs over `bins` equal x bins spanning [x0, x1]: each run contributes, per bin, the
 * last finite value it has in that bin; the group's line is the mean or median of those, its
 * band their min–max or mean ± one standard deviation. Cost: one pass over the points, plus a
 * sort per bin for the median.
 */
export function aggregate(
  runs: readonly { xs: ArrayLike<number>; ys: ArrayLike<number> }[],
  x0: number,
  x1: number,
  bins: number,
  stat: Stat,
  band: Band,
): Aggregate {
  const width = x1 > x0 ? (x1 - x0) / bins : 1;
  const perBin: number[][] = Array.from({ length: bins }, () => []);
  for (const run of runs) {
    let bin = -1;
    let value = NaN;
    const flush = () => {
      if (bin >= 0 && Number.isFinite(value)) (perBin[bin] as number[]).push(value);
    };
    for (let i = 0; i < run.xs.length; i++) {
      const x = run.xs[i] as number;
      const v = run.ys[i] as number;
      if (x < x0 || x > x1) continue;
      const b = Math.min(bins - 1, Math.floor((x - x0) / width));
      if (b !== bin) {
        flush();
        bin = b;
        value = NaN;
      }
      if (Number.isFinite(v)) value = v;
    }
    flush();
  }
  const out: Aggregate = {
    xs: new Float64Array(bins),
    mid: new Float64Array(bins),
    lo: new Float64Array(bins),
    hi: new Float64Array(bins),
  };
  for (let b = 0; b < bins; b++) {
    const vs = perBin[b] as number[];
    out.xs[b] = x0 + (b + 0.5) * width;
    if (vs.length === 0) {
      out.mid[b] = out.lo[b] = out.hi[b] = NaN;
      continue;
    }
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of vs) {
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / vs.length;
    let mid = mean;
    if (stat === "median") {
      vs.sort((a, b) => a - b);
      const h = vs.length >> 1;
      mid = vs.length % 2 ? (vs[h] as number) : ((vs[h - 1] as number) + (vs[h] as number)) / 2;
    }
    out.mid[b] = mid;
    if (band === "minmax") {
      out.lo[b] = min;
      out.hi[b] = max;
    } else if (band === "std") {
      let sq = 0;
      for (const v of vs) sq += (v - mean) * (v - mean);
      const sd = Math.sqrt(sq / vs.length);
      out.lo[b] = mean - sd;
      out.hi[b] = mean + sd;
    } else {
      out.lo[b] = out.hi[b] = NaN;
    }
  }
  return out;
}

/** The key of a run under a grouping regex: its first capture group, else the whole match; null when it does not match. */
export function groupKey(run: string, re: RegExp): string | null {
  const m = re.exec(run);
  if (!m) return null;
  return m[1] ?? m[0];
}

export type RankBy = "last" | "min" | "max";

/** Last, min and max finite value of a series (NaN when it has none). */
export function seriesStats(values: ArrayLike<number>): { last: number; min: number; max: number } {
  let last = NaN;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    last = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { last, min: min === Infinity ? NaN : min, max: max === -Infinity ? NaN : max };
}

/**
 * The best `k` runs: by `min` the smallest minimum first, by `max` the largest maximum first, by
 * `last` the largest last value first (or the smallest with `ascending`). Runs without a value
 * are left out; ties keep name order.
 */
export function topK(
  stats: ReadonlyMap<string, { last: number; min: number; max: number }>,
  by: RankBy,
  k: number,
  ascending = by === "min",
): { run: string; value: number }[] {
  const rows: { run: string; value: number }[] = [];
  for (const [run, s] of stats) if (Number.isFinite(s[by])) rows.push({ run, value: s[by] });
  rows.sort((a, b) => (ascending ? a.value - b.value : b.value - a.value) || (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
  return rows.slice(0, k);
}

/**
 * A selection of runs as a compact URL code: `<n>.<base64url bits>`, bit i set when the i-th of
 * the `n` runs (in name order) is selected. 10,000 runs take 1,667 characters whatever is
 * selected.
 */
export function encodeSelection(allSorted: readonly string[], selected: ReadonlySet<string>): string {
  const bits = new Uint8Array(Math.ceil(allSorted.length / 8));
  allSorted.forEach((run, i) => {
    if (selected.has(run)) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
  });
  let binary = "";
  for (const b of bits) binary += String.fromCharCode(b);
  const base64 = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${allSorted.length}.${base64}`;
}

/**
 * Reads a code of {@link encodeSelection} against the runs now known (in name order). Null when
 * the code is malformed or was made for another number of runs (the list changed: the bits no
 * longer say which run is which).
 */
export function decodeSelection(code: string, allSorted: readonly string[]): string[] | null {
  const dot = code.indexOf(".");
  const n = Number(code.slice(0, dot));
  if (dot < 0 || !Number.isInteger(n) || n !== allSorted.length) return null;
  let binary: string;
  try {
    binary = atob(code.slice(dot + 1).replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  if (binary.length !== Math.ceil(n / 8)) return null;
  return allSorted.filter((_, i) => (binary.charCodeAt(i >> 3) >> (i & 7)) & 1);
}

/**
 * Rasterises many polylines into RGBA pixels of a `width` × `height` area: each segment is walked
 * pixel by pixel (DDA) into per-pixel sums of colour and hit counts, then each pixel's colour is
 * the mean of the lines through it and its opacity grows with their number (1 − (1 − alpha)^hits),
 * so density shows. Cost: one pass over the points and about one step per pixel a line crosses,
 * so (runs × width) at most, whatever the number of points; no canvas path of millions of
 * vertices.
 *
 * `lines[i]` is a flat array of pixel coordinates `x0, y0, x1, y1, ...` (NaN breaks the line).
 */
export function rasterize(
  width: number,
  height: number,
  lines: readonly { coords: Float32Array; rgb: readonly [number, number, number] }[],
  alpha: number,
): Uint8ClampedArray<ArrayBuffer> {
  const n = width * height;
  const hits = new Float32Array(n);
  const red = new Float32Array(n);
  const green = new Float32Array(n);
  const blue = new Float32Array(n);
  for (const { coords, rgb } of lines) {
    const [r, g, b] = rgb;
    let px = NaN;
    let py = NaN;
    for (let k = 0; k + 1 < coords.length; k += 2) {
      const x = coords[k] as number;
      const y = coords[k + 1] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        px = NaN;
        continue;
      }
      if (Number.isNaN(px)) {
        px = x;
        py = y;
        continue;
      }
      const dx = x - px;
      const dy = y - py;
      const steps = Math.max(1, Math.ceil(Math.max(Math.abs(dx), Math.abs(dy))));
      const sx = dx / steps;
      const sy = dy / steps;
      // From the previous point (exclusive) to this one (inclusive): shared vertices count once.
      for (let i = 1; i <= steps; i++) {
        const ix = Math.round(px + sx * i);
        const iy = Math.round(py + sy * i);
        if (ix < 0 || iy < 0 || ix >= width || iy >= height) continue;
        const at = iy * width + ix;
        hits[at] = (hits[at] as number) + 1;
        red[at] = (red[at] as number) + r;
        green[at] = (green[at] as number) + g;
        blue[at] = (blue[at] as number) + b;
      }
      px = x;
      py = y;
    }
  }
  const out = new Uint8ClampedArray(n * 4);
  const keep = Math.log(1 - Math.min(0.999, Math.max(0.001, alpha)));
  for (let i = 0; i < n; i++) {
    const h = hits[i] as number;
    if (h === 0) continue;
    out[4 * i] = (red[i] as number) / h;
    out[4 * i + 1] = (green[i] as number) / h;
    out[4 * i + 2] = (blue[i] as number) / h;
    out[4 * i + 3] = 255 * (1 - Math.exp(keep * h));
  }
  return out;
}

/** `#rrggbb` as numbers. */
export function rgbOf(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
