/**
 * Histogram buckets as the data API sends them (`[left, right, count]`, edges included), and the
 * two reductions the charts draw: rebinning onto uniform bins (histogram views) and quantiles
 * (the distribution view's bands).
 */
import { parseFloatValue } from "./series";

export type Bucket = [left: number, right: number, count: number];
export type HistogramStep = { step: number; wallTime: number; buckets: Bucket[] };

/** The percentiles the distribution view draws: min, ±1.5σ, ±1σ, ±0.5σ, median, max. */
export const DISTRIBUTION_QUANTILES = [0, 0.0668, 0.1587, 0.3085, 0.5, 0.6915, 0.8413, 0.9332, 1];

export function parseHistogramRows(body: unknown): HistogramStep[] {
  if (!Array.isArray(body)) return [];
  const out: HistogramStep[] = [];
  for (const row of body) {
    if (!Array.isArray(row) || row.length < 3 || !Array.isArray(row[2])) continue;
    const buckets: Bucket[] = [];
    for (const b of row[2] as unknown[]) {
      if (!Array.isArray(b) || b.length < 3) continue;
      const bucket: Bucket = [parseFloatValue(b[0]), parseFloatValue(b[1]), parseFloatValue(b[2])];
      if (bucket.every(Number.isFinite)) buckets.push(bucket);
    }
    out.push({ step: Number(row[0]), wallTime: parseFloatValue(row[1]), buckets });
  }
  return out;
}

/** The lowest left edge and highest right edge over all steps (null when there are no buckets). */
export function valueRange(steps: readonly HistogramStep[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of steps) {
    for (const [left, right] of s.buckets) {
      lo = Math.min(lo, left);
      hi = Math.max(hi, right);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * Spreads each bucket's count over `bins` uniform bins on [lo, hi], in proportion to how much of
 * the bucket each bin covers (a zero-width bucket falls in the bin holding its edge).
 */
export function rebin(buckets: readonly Bucket[], lo: number, hi: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  if (!(width > 0)) {
    out[0] = buckets.reduce((sum, b) => sum + b[2], 0);
    return out;
  }
  const binOf = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
  for (const [left, right, count] of buckets) {
    if (count === 0) continue;
    if (right <= left) {
      out[binOf(left)] = (out[binOf(left)] as number) + count;
      continue;
    }
    for (let i = binOf(left); i <= binOf(right); i++) {
      const binLo = lo + i * width;
      const overlap = Math.min(right, binLo + width) - Math.max(left, binLo);
      if (overlap > 0) out[i] = (out[i] as number) + (count * overlap) / (right - left);
    }
  }
  return out;
}

/**
 * The value below which a fraction `q` of the counts lies, interpolating linearly inside the
 * bucket where that fraction falls. NaN for an empty histogram.
 */
export function quantile(buckets: readonly Bucket[], q: number): number {
  const total = buckets.reduce((sum, b) => sum + b[2], 0);
  if (buckets.length === 0 || total <= 0) return Number.NaN;
  const target = q * total;
  let seen = 0;
  for (const [left, right, count] of buckets) {
    if (count > 0 && seen + count >= target) {
      const within = (target - seen) / count;
      return left + (right - left) * Math.min(1, Math.max(0, within));
    }
    seen += count;
  }
  const last = buckets[buckets.length - 1] as Bucket;
  return last[1];
}
