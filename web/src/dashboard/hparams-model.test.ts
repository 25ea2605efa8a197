import { describe, expect, it } from "vitest";
import type { HparamsData } from "./api";
import { axesOf, axisScale, invertScale, NO_FILTERS, passes } from "./hparams-model";

// Three sessions whose hparams have different keys: TensorBoard drops such sessions.
const data: HparamsData = {
  hparams: [{ name: "lr", type: "float64" }],
  metrics: [{ tag: "accuracy" }],
  sessions: [
    { run: "a", status: "success", hparams: { lr: 0.1, optimizer: "adam" }, metrics: { accuracy: 0.9 } },
    { run: "b", status: "failure", hparams: { lr: 0.001, optimizer: "sgd", dropout: true }, metrics: { accuracy: 0.5 } },
    { run: "c", status: "success", hparams: { lr: 0.01 }, metrics: { accuracy: "NaN" } },
  ],
};

describe("hparams axes", () => {
  const axes = axesOf(data);
  const byKey = (k: string) => axes.find((a) => a.key === k)!;

  it("has one axis per hparam key of any session and per metric", () => {
    expect(axes.map((a) => a.key)).toEqual(["h:lr", "h:optimizer", "h:dropout", "m:accuracy"]);
    expect(byKey("h:lr").numeric).toBe(true);
    expect(byKey("h:lr").canLog).toBe(true);
    expect(byKey("h:optimizer").categories).toEqual(["adam", "sgd", "(none)"]);
    expect(byKey("h:dropout").categories).toEqual(["true", "(none)"]);
    expect(byKey("m:accuracy").min).toBe(0.5);
    expect(byKey("m:accuracy").max).toBe(0.9);
  });

  it("filters by category, range and status", () => {
    const kept = (f: typeof NO_FILTERS) => data.sessions.filter((s) => passes(s, axes, f)).map((s) => s.run);
    expect(kept(NO_FILTERS)).toEqual(["a", "b", "c"]);
    expect(kept({ ...NO_FILTERS, categories: { "h:optimizer": ["adam", "(none)"] } })).toEqual(["a", "c"]);
    expect(kept({ ...NO_FILTERS, ranges: { "h:lr": [0.005, 1] } })).toEqual(["a", "c"]);
    // A NaN metric is outside every range.
    expect(kept({ ...NO_FILTERS, ranges: { "m:accuracy": [0, 1] } })).toEqual(["a", "b"]);
    expect(kept({ ...NO_FILTERS, statuses: ["failure"] })).toEqual(["b"]);
  });

  it("places values on linear and log scales and inverts them", () => {
    const lr = byKey("h:lr");
    const log = axisScale(lr, 200, true);
    expect(log.scale(0.001)).toBeCloseTo(0);
    expect(log.scale(0.1)).toBeCloseTo(200);
    expect(log.scale(0.01)).toBeCloseTo(100);
    expect(invertScale(lr, 200, true, 100)).toBeCloseTo(0.01);
    const linear = axisScale(lr, 200, false);
    expect(linear.scale(0.01)! < 30).toBe(true);
    expect(linear.ticks.length).toBeGreaterThan(2);
    expect(axisScale(byKey("m:accuracy"), 100, false).scale(Number.NaN)).toBeNull();
    const cat = axisScale(byKey("h:optimizer"), 90, false);
    expect(cat.scale("adam")).toBeLessThan(cat.scale("sgd")!);
  });
});
