import { describe, expect, it } from "vitest";
import { parseHistogramRows, quantile, rebin, valueRange, type Bucket } from "./histogram-math";

describe("histogram math", () => {
  const buckets: Bucket[] = [
    [0, 1, 10],
    [1, 2, 30],
    [2, 4, 60],
  ];

  it("rebinning preserves the total count", () => {
    const bins = rebin(buckets, 0, 4, 8);
    expect(bins.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 9);
    expect(bins[0]).toBeCloseTo(5, 9);
    expect(bins[7]).toBeCloseTo(15, 9);
  });

  it("computes quantiles by interpolating inside buckets", () => {
    expect(quantile(buckets, 0)).toBe(0);
    expect(quantile(buckets, 1)).toBe(4);
    expect(quantile(buckets, 0.1)).toBeCloseTo(1, 9);
    expect(quantile(buckets, 0.7)).toBeCloseTo(3, 9);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("parses rows and finds the value range", () => {
    const rows = parseHistogramRows([[10, 1.5, [[-1, 0, 2], [0, "Infinity", 1]]], "junk"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.buckets).toEqual([[-1, 0, 2]]);
    expect(valueRange(rows)).toEqual([-1, 0]);
    expect(valueRange([])).toBeNull();
  });
});
