import { describe, expect, it } from "vitest";
import { nearestPoint } from "./pr-curves";

const curve = {
  precision: [0.5, 0.8, Number.NaN, 1],
  recall: [1, 0.6, 0.4, 0.1],
  thresholds: [0, 0.3, 0.6, 0.9],
  truePositives: [10, 6, 4, 1],
  falsePositives: [10, 1.5, 0, 0],
  trueNegatives: [0, 8, 10, 10],
  falseNegatives: [0, 4, 6, 9],
};

describe("PR curve readout", () => {
  it("finds the finite point nearest the cursor", () => {
    expect(nearestPoint(curve, 0.62, 0.79)).toBe(1);
    expect(nearestPoint(curve, 0.0, 1.0)).toBe(3);
    // The NaN point is never chosen, even under the cursor.
    expect(nearestPoint(curve, 0.4, Number.NaN)).not.toBe(2);
    expect(nearestPoint(curve, 0.4, 0.9)).not.toBe(2);
    expect(nearestPoint({ ...curve, precision: [], recall: [] }, 0.5, 0.5)).toBeNull();
  });
});
