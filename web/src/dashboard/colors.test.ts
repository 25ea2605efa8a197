import { beforeEach, describe, expect, it } from "vitest";
import { assignRunColors, hashName, resetRunColors, runColor } from "./colors";

// Names from the tbx_basic fixture plus the e2e run; "hostile" and "hparams_demo" hash to the
// same palette slot, which is what made two runs look alike.
const FIXTURE_RUNS = ["eval", "hostile", "hparams_demo", "hparams_demo/trial-1", "train", "train/lr/base", "train/lr/warm"];

describe("run colours", () => {
  beforeEach(() => resetRunColors());

  it("the fixture really holds a hash collision", () => {
    expect(hashName("hostile") % 20).toBe(hashName("hparams_demo") % 20);
  });

  it("gives distinct colours to runs whose names collide", () => {
    assignRunColors(FIXTURE_RUNS);
    const colours = FIXTURE_RUNS.map(runColor);
    expect(new Set(colours).size).toBe(FIXTURE_RUNS.length);
  });

  it("is the same for the same runs whatever order they are listed in", () => {
    assignRunColors(FIXTURE_RUNS);
    const first = FIXTURE_RUNS.map(runColor);
    resetRunColors();
    assignRunColors([...FIXTURE_RUNS].reverse());
    expect(FIXTURE_RUNS.map(runColor)).toEqual(first);
  });

  it("keeps a run's colour when other runs appear later", () => {
    assignRunColors(["train"]);
    const before = runColor("train");
    assignRunColors(["a", "b", "c", "train", "zzz"]);
    expect(runColor("train")).toBe(before);
  });
});
