import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, decodeState, encodeState, matchesFilter, type ViewState } from "./urlstate";

describe("URL state", () => {
  it("round-trips every field", () => {
    const state: ViewState = {
      tab: "images",
      runs: ["train", "x y (spaces)", "a,b&c=d"],
      runFilter: "^tr",
      tagFilter: "loss|acc",
      smoothing: 0.85,
      xAxis: "relative",
      logY: true,
      ignoreOutliers: true,
    };
    expect(decodeState(encodeState(state))).toEqual(state);
  });

  it("keeps defaults out of the URL", () => {
    expect(encodeState(DEFAULT_STATE)).toBe("");
    expect(decodeState("")).toEqual(DEFAULT_STATE);
  });

  it("distinguishes no run selected from all runs", () => {
    const none = { ...DEFAULT_STATE, runs: [] };
    expect(decodeState(encodeState(none)).runs).toEqual([]);
  });

  it("keeps the tensors tab", () => {
    const state = { ...DEFAULT_STATE, tab: "tensors" as const };
    expect(encodeState(state)).toBe("?tab=tensors");
    expect(decodeState("?tab=tensors").tab).toBe("tensors");
  });

  it("falls back to defaults on bad values", () => {
    const s = decodeState("?tab=evil&smoothing=7&x=bogus");
    expect(s.tab).toBe("scalars");
    expect(s.smoothing).toBe(DEFAULT_STATE.smoothing);
    expect(s.xAxis).toBe("step");
  });

  it("filters by case-insensitive regex, or by substring when the regex is invalid", () => {
    expect(matchesFilter("train/lr/base", "^TRAIN")).toBe(true);
    expect(matchesFilter("eval", "^train")).toBe(false);
    expect(matchesFilter("a(b", "a(")).toBe(true);
    expect(matchesFilter("anything", "")).toBe(true);
  });
});
