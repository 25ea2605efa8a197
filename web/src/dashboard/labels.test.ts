import { describe, expect, it } from "vitest";
import { jobTypeLabel } from "../common/format";
import { formatBadge } from "./labels";

describe("labels", () => {
  it("names each run format with a short badge and a tooltip", () => {
    expect(formatBadge("mindspore")).toEqual({ text: "MS", title: "MindSpore summary files" });
    expect(formatBadge("tensorboard").text).toBe("TB");
    expect(formatBadge("mixed").text).toBe("MS+TB");
    expect(formatBadge("onnx-something-long")).toEqual({ text: "onnx-somethi", title: "Log format: onnx-something-long" });
  });

  it("names job types", () => {
    expect(jobTypeLabel("mindinsight")).toBe("MindInsight");
    expect(jobTypeLabel("tensorboard")).toBe("TensorBoard");
    expect(jobTypeLabel("other")).toBe("other");
  });
});
