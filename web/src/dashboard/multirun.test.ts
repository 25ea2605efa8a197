import { describe, expect, it } from "vitest";
import { aggregate, appendColumns, groupKey, mergeColumns, parseMultirun, rasterize, seriesStats, smoothColumn, topK, type RunColumns } from "./multirun";

/** A body of the binary multi-run form, written as the server writes it (docs/DATA_API.md). */
function body(runs: [string, [number, number, number][]][]): ArrayBuffer {
  const chunks: number[] = [];
  const pad = () => {
    while (chunks.length % 8 !== 0) chunks.push(0);
  };
  const u32 = (v: number) => chunks.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  const bytes = (b: ArrayBuffer) => chunks.push(...new Uint8Array(b));
  chunks.push(..."VJM1".split("").map((c) => c.charCodeAt(0)));
  u32(runs.length);
  for (const [name, points] of runs) {
    const encoded = new TextEncoder().encode(name);
    u32(encoded.length);
    chunks.push(...encoded);
    pad();
    chunks.push(..."VJS1".split("").map((c) => c.charCodeAt(0)));
    u32(points.length);
    bytes(new BigInt64Array(points.map((p) => BigInt(p[0]))).buffer);
    bytes(new Float64Array(points.map((p) => p[1])).buffer);
    bytes(new Float32Array(points.map((p) => p[2])).buffer);
    pad();
  }
  return new Uint8Array(chunks).buffer;
}

const cols = (steps: number[], values: number[]): RunColumns => ({
  steps: Float64Array.from(steps),
  walls: Float64Array.from(steps, (s) => 1000 + s),
  values: Float32Array.from(values),
});

describe("many runs", () => {
  it("reads the binary multi-run form, names, large and negative steps included", () => {
    const parsed = parseMultirun(
      body([
        ["a", [[0, 1.5, 0.25], [2 ** 40 + 3, 2.5, NaN]]],
        ["sweep/lr=0.1 é", [[-7, 3.5, -1]]],
        ["empty", []],
      ]),
    );
    expect([...parsed.keys()]).toEqual(["a", "sweep/lr=0.1 é", "empty"]);
    const a = parsed.get("a") as RunColumns;
    expect(Array.from(a.steps)).toEqual([0, 2 ** 40 + 3]);
    expect(Array.from(a.walls)).toEqual([1.5, 2.5]);
    expect(a.values[0]).toBe(0.25);
    expect(a.values[1]).toBeNaN();
    expect(parsed.get("sweep/lr=0.1 é")?.steps[0]).toBe(-7);
    expect(parsed.get("empty")?.steps.length).toBe(0);
  });

  it("refuses a damaged body", () => {
    const good = body([["a", [[1, 2, 3]]]]);
    expect(() => parseMultirun(good.slice(0, good.byteLength - 8))).toThrow();
    const longer = new Uint8Array(good.byteLength + 8);
    longer.set(new Uint8Array(good));
    expect(() => parseMultirun(longer.buffer)).toThrow(/after the last run/);
    expect(() => parseMultirun(new ArrayBuffer(8))).toThrow(/not a/);
  });

  it("merges a zoomed slice and appends newer points", () => {
    const base = cols([0, 10, 20, 30], [0, 1, 2, 3]);
    const slice = cols([10, 11, 12, 20], [1, 1.1, 1.2, 2]);
    expect(Array.from(mergeColumns(base, slice, 10, 20).steps)).toEqual([0, 10, 11, 12, 20, 30]);
    expect(Array.from(appendColumns(base, cols([30, 40], [3, 4])).steps)).toEqual([0, 10, 20, 30, 40]);
  });

  it("aggregates groups per x bin: mean, median, min–max and std", () => {
    const runs = [
      { xs: [0, 1, 2, 3], ys: [1, 1, 1, 1] },
      { xs: [0, 1, 2, 3], ys: [2, 2, 2, 2] },
      { xs: [0, 1, 2, 3], ys: [6, 6, 6, NaN] },
    ];
    const mean = aggregate(runs, 0, 3, 4, "mean", "minmax");
    expect(Array.from(mean.mid.slice(0, 3))).toEqual([3, 3, 3]);
    expect(mean.lo[0]).toBe(1);
    expect(mean.hi[0]).toBe(6);
    // The last bin has no finite value of the third run.
    expect(mean.mid[3]).toBe(1.5);
    const median = aggregate(runs, 0, 3, 4, "median", "std");
    expect(median.mid[0]).toBe(2);
    expect(median.hi[0] as number).toBeCloseTo(3 + Math.sqrt(14 / 3));
    const gap = aggregate([{ xs: [0, 3], ys: [1, 1] }], 0, 3, 4, "mean", "none");
    expect(gap.mid[1]).toBeNaN();
  });

  it("groups by the first capture or the whole match", () => {
    expect(groupKey("lr=0.1_seed=3", /lr=([0-9.]+)/i)).toBe("0.1");
    expect(groupKey("baseline", /^base/)).toBe("base");
    expect(groupKey("other", /lr=([0-9.]+)/)).toBeNull();
  });

  it("ranks the top k by last, min or max, leaving out runs without values", () => {
    const stats = new Map([
      ["a", seriesStats([5, 1, 3])],
      ["b", seriesStats([0.5, 9, 2])],
      ["c", seriesStats([NaN])],
      ["d", seriesStats([4, 4, 4])],
    ]);
    expect(topK(stats, "min", 2).map((r) => r.run)).toEqual(["b", "a"]);
    expect(topK(stats, "max", 1)).toEqual([{ run: "b", value: 9 }]);
    expect(topK(stats, "last", 3).map((r) => r.run)).toEqual(["d", "a", "b"]);
    expect(topK(stats, "last", 3, true).map((r) => r.run)).toEqual(["b", "a", "d"]);
  });

  it("smooths like the single-run charts: debiased EMA, non-finite values passed through", () => {
    const s = smoothColumn([1, 2, NaN, 3], 0.5);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo((0.25 + 1) / 0.75);
    expect(s[2]).toBeNaN();
    expect(Array.from(smoothColumn([1, 2], 0))).toEqual([1, 2]);
  });
});

describe("rasterising many lines", () => {
  it("paints each line's pixels once per crossing, denser where more lines cross", () => {
    const w = 10;
    const h = 4;
    const line = (y: number) => Float32Array.from([0, y, 9, y]);
    const pixels = rasterize(w, h, [
      { coords: line(1), rgb: [255, 0, 0] },
      { coords: line(1), rgb: [0, 0, 255] },
      { coords: line(3), rgb: [0, 255, 0] },
      { coords: Float32Array.from([0, 0, NaN, NaN, 9, 0]), rgb: [9, 9, 9] },
    ], 0.5);
    const at = (x: number, y: number) => Array.from(pixels.slice(4 * (y * w + x), 4 * (y * w + x) + 4));
    // Two lines through row 1: their mean colour, more opaque than row 3's single line.
    expect(at(5, 1).slice(0, 3)).toEqual([128, 0, 128]);
    expect(at(5, 1)[3]).toBeGreaterThan(at(5, 3)[3] as number);
    expect(at(5, 3)).toEqual([0, 255, 0, 128]);
    // A NaN breaks a line: nothing between its two pieces; untouched pixels stay clear.
    expect(at(5, 0)[3]).toBe(0);
    expect(at(5, 2)[3]).toBe(0);
  });
});
