import { describe, expect, it } from "vitest";
import {
  appendNewer,
  INITIAL_POINTS,
  initialPoints,
  downsample,
  mergeSlice,
  nearestIndex,
  parseScalarColumns,
  parseFloatValue,
  robustRange,
  stepRangeForX,
  xValues,
  type ScalarPoint,
} from "./series";

const series = (n: number, f: (i: number) => number = (i) => i * i): ScalarPoint[] =>
  Array.from({ length: n }, (_, i) => [i, 1000 + i * 2, f(i)]);

describe("scalar series", () => {
  it("reads the JSON answers' non-finite strings as numbers", () => {
    expect(parseFloatValue("NaN")).toBeNaN();
    expect(parseFloatValue("Infinity")).toBe(Infinity);
    expect(parseFloatValue("-Infinity")).toBe(-Infinity);
    expect(parseFloatValue(2.5)).toBe(2.5);
    expect(parseFloatValue({ junk: true })).toBeNaN();
  });

  it("decodes the binary columns, non-finite values and large steps included", () => {
    const n = 3;
    const buf = new ArrayBuffer(8 + 20 * n);
    const v = new DataView(buf);
    new Uint8Array(buf, 0, 4).set([0x56, 0x4a, 0x53, 0x31]); // "VJS1"
    v.setUint32(4, n, true);
    const steps = [0n, 7n, 2n ** 40n];
    const walls = [1.5, 1795812867.8143446, 3.25];
    const values = [0.5, Number.NaN, -Infinity];
    for (let i = 0; i < n; i++) {
      v.setBigInt64(8 + 8 * i, steps[i] as bigint, true);
      v.setFloat64(8 + 8 * n + 8 * i, walls[i] as number, true);
      v.setFloat32(8 + 16 * n + 4 * i, values[i] as number, true);
    }
    const rows = parseScalarColumns(buf);
    expect(rows.map((r) => r[0])).toEqual([0, 7, 2 ** 40]);
    expect(rows.map((r) => r[1])).toEqual(walls);
    expect(rows[0]?.[2]).toBe(0.5);
    expect(rows[1]?.[2]).toBeNaN();
    expect(rows[2]?.[2]).toBe(-Infinity);
    expect(() => parseScalarColumns(buf.slice(0, buf.byteLength - 4))).toThrow(/expected/);
    expect(() => parseScalarColumns(new ArrayBuffer(8))).toThrow(/not a scalar-columns/);
  });

  it("downsampling keeps first, last and spikes", () => {
    const data = series(10_000, (i) => (i === 4321 ? 1e6 : Math.sin(i)));
    const small = downsample(data, 400);
    expect(small.length).toBeLessThanOrEqual(400);
    expect(small[0]).toEqual(data[0]);
    expect(small[small.length - 1]).toEqual(data[data.length - 1]);
    expect(small.some((p) => p[2] === 1e6)).toBe(true);
    const steps = small.map((p) => p[0]);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });

  it("merging a full-resolution slice restores every point of the range", () => {
    const full = series(1000);
    const coarse = downsample(full, 100);
    const slice = full.filter((p) => p[0] >= 200 && p[0] <= 300);
    const merged = mergeSlice(coarse, slice, 200, 300);
    const inRange = merged.filter((p) => p[0] >= 200 && p[0] <= 300);
    expect(inRange).toEqual(slice);
    expect(merged.filter((p) => p[0] < 200)).toEqual(coarse.filter((p) => p[0] < 200));
    const steps = merged.map((p) => p[0]);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
  });

  it("appends only newer steps on a live refresh", () => {
    const base = series(5);
    const merged = appendNewer(base, [[4, 0, 0], [5, 0, 1], [6, 0, 2]]);
    expect(merged.map((p) => p[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(appendNewer([], [[1, 0, 0]])).toHaveLength(1);
  });

  it("finds the nearest x", () => {
    const xs = [0, 10, 20, 30];
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 14)).toBe(1);
    expect(nearestIndex(xs, 16)).toBe(2);
    expect(nearestIndex(xs, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it("ignores outliers in the robust range", () => {
    const values = Array.from({ length: 100 }, (_, i) => i / 100);
    values[50] = 1e9;
    const [lo, hi] = robustRange(values) ?? [0, 0];
    expect(hi).toBeLessThan(2);
    expect(lo).toBeLessThan(0.1);
    expect(robustRange([Number.NaN])).toBeNull();
    const flat = robustRange([5, 5, 5]);
    expect(flat?.[0]).toBeLessThan(5);
    expect(flat?.[1]).toBeGreaterThan(5);
  });

  it("maps x modes and zoom windows back to steps", () => {
    const data = series(10);
    expect(xValues(data, "step")).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(xValues(data, "wall")[1]).toBe(1002);
    expect(xValues(data, "relative")[1]).toBeCloseTo(2 / 3600, 12);
    const xs = xValues(data, "wall");
    expect(stepRangeForX(data, xs, 1005, 1009)).toEqual([2, 5]);
    expect(stepRangeForX(data, xs, 5000, 6000)).toBeNull();
  });
});

describe("initial points per run", () => {
  it("asks for the full 2000 points for a few runs", () => {
    expect(initialPoints(1)).toBe(INITIAL_POINTS);
    expect(initialPoints(5)).toBe(INITIAL_POINTS);
  });

  it("shares a budget between many runs, never below the floor", () => {
    expect(initialPoints(50)).toBe(400);
    expect(initialPoints(20)).toBe(1000);
    expect(initialPoints(500)).toBe(400);
  });
});
