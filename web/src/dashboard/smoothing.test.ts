import { describe, expect, it } from "vitest";
import { smoothDebiasedEma } from "./smoothing";

describe("debiased EMA", () => {
  it("matches the debiased formula worked by hand", () => {
    // w = 0.5: ema 0.5, 1.25, 2.125; debias 0.5, 0.75, 0.875.
    const out = smoothDebiasedEma([1, 2, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(1.25 / 0.75, 12);
    expect(out[2]).toBeCloseTo(2.125 / 0.875, 12);
  });

  it("starts at the first value, not at zero (debiased)", () => {
    expect(smoothDebiasedEma([10, 10.5], 0.99)[0]).toBeCloseTo(10, 12);
  });

  it("is the identity at weight 0 and for constant series", () => {
    expect(smoothDebiasedEma([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(smoothDebiasedEma([0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1]);
  });

  it("passes non-finite values through without poisoning the average", () => {
    const out = smoothDebiasedEma([1, Number.NaN, 3, Infinity], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[3]).toBe(Infinity);
    // Same as smoothing [1, 3]: (0.25 + 1.5) / 0.75.
    expect(out[2]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it("smooths more with a larger weight", () => {
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const spread = (xs: number[]) => Math.max(...xs.slice(100)) - Math.min(...xs.slice(100));
    expect(spread(smoothDebiasedEma(noisy, 0.9))).toBeLessThan(spread(smoothDebiasedEma(noisy, 0.3)));
  });
});
