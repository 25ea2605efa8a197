import { describe, expect, it } from "vitest";
import { formatStep, formatSteps, relativeSplits, timeUnitFor } from "./format";

describe("step labels", () => {
  it("leave small steps as they are and abbreviate huge ones", () => {
    expect(formatStep(0)).toBe("0");
    expect(formatStep(9999)).toBe("9999");
    expect(formatStep(12_500)).toBe("12.5k");
    expect(formatStep(1_200_000_000_000)).toBe("1.2T");
    expect(formatStep(4.5e15)).toBe("4.5P");
    expect(formatStep(2 ** 53)).toBe("9.01P");
    expect(formatStep(2 ** 53 + 2)).toBe("9.01P");
    expect(formatStep(999_999)).toBe("1M");
    expect(formatStep(-25_000)).toBe("-25k");
  });

  it("on an axis, keep neighbouring ticks apart with as few digits as that takes", () => {
    const ticks = Array.from({ length: 8 }, (_, i) => 8.97e15 + i * 5e12);
    const labels = formatSteps(ticks);
    expect(new Set(labels).size).toBe(8);
    expect(labels[0]).toBe("8.97P");
    expect(labels[1]).toBe("8.975P");
    expect(formatSteps([0, 5000, 10_000, 15_000])).toEqual(["0", "5000", "10k", "15k"]);
  });

  it("stay short: no label of a step up to 2^63 is longer than 6 characters", () => {
    for (let e = 0; e <= 63; e++) expect(formatStep(2 ** e).length).toBeLessThanOrEqual(6);
  });
});

describe("relative time unit", () => {
  it("is the largest unit the span holds at least twice", () => {
    expect(timeUnitFor(30).name).toBe("s");
    expect(timeUnitFor(150).name).toBe("min");
    expect(timeUnitFor(3 * 3600).name).toBe("h");
    expect(timeUnitFor(5 * 86400).name).toBe("d");
    expect(timeUnitFor(0).name).toBe("s");
  });
});

describe("relative axis ticks", () => {
  it("fall on round amounts of time at least 60 px apart", () => {
    // Two minutes (in hours) on 480 px: every 15 s would be 60 px.
    const ticks = relativeSplits(0, 120 / 3600, 480).map((h) => Math.round(h * 3600));
    expect(ticks).toEqual([0, 15, 30, 45, 60, 75, 90, 105, 120]);
    // Three days on 600 px: 12 h apart.
    const days = relativeSplits(0, 72, 600);
    expect(days[1]).toBe(12);
    expect(relativeSplits(1, 1, 600)).toEqual([1]);
  });
});
