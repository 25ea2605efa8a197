import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, decodeState, encodeState, matchesFilter, resolveRunsCode, type ViewState } from "./urlstate";

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
      groupBy: "re:lr=([0-9.]+)",
      stat: "median",
      band: "std",
      hiddenGroups: ["0.1", "a&b"],
      histMode: "overlay",
      folded: ["scalars:loss", "histograms:a/b"],
      pinned: ["loss", "a/b c"],
      wide: ["loss"],
      runsCode: null,
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

  it("writes a large selection as a compact code the store reads back against the runs", () => {
    const all = Array.from({ length: 10_000 }, (_, i) => `sweep/run_${String(i).padStart(5, "0")}`);
    const chosen = all.filter((_, i) => i % 3 === 0);
    const query = encodeState({ ...DEFAULT_STATE, runs: chosen }, all);
    expect(query.length).toBeLessThan(1800);
    expect(query).not.toContain("run=");
    const decoded = decodeState(query);
    expect(decoded.runs).toBeNull();
    expect(decoded.runsCode).not.toBeNull();
    expect(resolveRunsCode(decoded.runsCode as string, all)).toEqual(chosen);
    // Made for another list of runs: unreadable, so not applied to the wrong runs.
    expect(resolveRunsCode(decoded.runsCode as string, all.slice(1))).toBeNull();
    // A few runs stay readable names.
    expect(encodeState({ ...DEFAULT_STATE, runs: ["a", "b"] }, all)).toBe("?run=a&run=b");
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
