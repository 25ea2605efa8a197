import { describe, expect, it } from "vitest";
import { alignOnSteps, chartSeries } from "./custom-scalars-model";

const tags: Record<string, string[]> = {
  a: ["acc/mean", "acc/low", "acc/high", "loss", "hparam/loss"],
  b: ["acc/mean", "loss"],
};
const tagsOf = (run: string) => tags[run] ?? [];

describe("custom scalars", () => {
  it("a multiline chart takes every tag of every run matching from its start; a bad regex matches nothing", () => {
    const chart = { title: "t", tags: ["^acc/(low|high)$", "los", "(unclosed"] };
    expect(chartSeries(chart, ["a", "b"], tagsOf)).toEqual([
      { run: "a", tag: "acc/low" },
      { run: "a", tag: "acc/high" },
      { run: "a", tag: "loss" },
      { run: "b", tag: "loss" },
    ]);
  });

  it("a margin chart has a band only where both bounds exist", () => {
    const chart = { title: "m", tags: [], margin: [{ value: "acc/mean", lower: "acc/low", upper: "acc/high" }] };
    expect(chartSeries(chart, ["a", "b"], tagsOf)).toEqual([
      { run: "a", tag: "acc/mean", lower: "acc/low", upper: "acc/high" },
      { run: "b", tag: "acc/mean", lower: undefined, upper: undefined },
    ]);
  });

  it("aligns series on the union of their steps", () => {
    const [x, s1, s2] = alignOnSteps([
      [
        [0, 0, 1],
        [2, 0, 3],
      ],
      [
        [1, 0, 5],
        [2, 0, Number.NaN],
      ],
    ]);
    expect(x).toEqual([0, 1, 2]);
    expect(s1).toEqual([1, null, 3]);
    expect(s2).toEqual([null, 5, null]);
  });
});
