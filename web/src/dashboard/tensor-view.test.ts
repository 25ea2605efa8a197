import { describe, expect, it } from "vitest";
import {
  formatShape,
  formatTensorValue,
  hiddenNote,
  LIMITS,
  parseTensorRows,
  parseTensorValue,
  tensorLayout,
  type TensorValue,
} from "./tensor-view";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("parsing data/tensors", () => {
  it("reads rows and turns the API's non-finite strings into numbers in numeric tensors", () => {
    const rows = parseTensorRows([
      [25, 1795813098.07, { shape: [3], dtype: "float32", values: [1.5, "NaN", "-Infinity"] }],
      [50, "NaN", { shape: [], dtype: "int64", values: [7] }],
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ step: 25, wallTime: 1795813098.07, shape: [3], dtype: "float32" });
    const v = rows[0]?.values ?? [];
    expect(v[0]).toBe(1.5);
    expect(Number.isNaN(v[1])).toBe(true);
    expect(v[2]).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(rows[1]?.wallTime)).toBe(true);
  });

  it("keeps \"NaN\" as text in a string tensor", () => {
    expect(parseTensorValue("NaN", "string")).toBe("NaN");
    expect(parseTensorValue("Infinity", "float64")).toBe(Number.POSITIVE_INFINITY);
    expect(parseTensorValue("hello", "float32")).toBe("hello");
    expect(parseTensorValue(true, "bool")).toBe(true);
  });

  it("drops malformed rows", () => {
    expect(parseTensorRows({ not: "a list" })).toEqual([]);
    expect(parseTensorRows([[1, 2], "x", [null, 1, {}], [3, 1, null]])).toEqual([]);
    expect(parseTensorRows([[4, 1, { values: [1] }]])).toEqual([{ step: 4, wallTime: 1, shape: [], dtype: "unknown", values: [1] }]);
  });
});

describe("formatting", () => {
  it("formats values and shapes", () => {
    expect(formatTensorValue(0.123456)).toBe("0.1235");
    expect(formatTensorValue(Number.NaN)).toBe("NaN");
    expect(formatTensorValue(Number.POSITIVE_INFINITY)).toBe("∞");
    expect(formatTensorValue(false)).toBe("false");
    expect(formatTensorValue("<b>x</b>")).toBe("<b>x</b>");
    expect(formatShape([2, 3])).toBe("2×3");
    expect(formatShape([])).toBe("scalar");
  });
});

describe("tensor layout", () => {
  it("shows a rank-0 or one-element tensor as a number", () => {
    expect(tensorLayout([], [2.5])).toEqual({ kind: "scalar", text: "2.5", hidden: 0 });
    expect(tensorLayout([1, 1], [Number.NaN])).toEqual({ kind: "scalar", text: "NaN", hidden: 0 });
  });

  it("shows a vector as one row, cut with a count of what is hidden", () => {
    expect(tensorLayout([3], [1, 2, 3])).toEqual({ kind: "row", cells: ["1", "2", "3"], hidden: 0 });
    const long = tensorLayout([LIMITS.flat + 5], range(LIMITS.flat + 5));
    expect(long.kind).toBe("row");
    expect(long.kind === "row" && long.cells.length).toBe(LIMITS.flat);
    expect(long.hidden).toBe(5);
    expect(hiddenNote(long)).toBe("5 more values not shown.");
  });

  it("shows a matrix as a table in row-major order", () => {
    const t = tensorLayout([2, 3], [0, 25, 50, 75, 100, 125]);
    expect(t).toEqual({
      kind: "table",
      rows: [
        ["0", "25", "50"],
        ["75", "100", "125"],
      ],
      totalRows: 2,
      totalCols: 3,
      hidden: 0,
    });
    expect(hiddenNote(t)).toBe("");
  });

  it("cuts a large matrix to the row and column limits", () => {
    const rows = LIMITS.rows + 1;
    const cols = LIMITS.cols + 2;
    const t = tensorLayout([rows, cols], range(rows * cols));
    if (t.kind !== "table") throw new Error(t.kind);
    expect(t.rows).toHaveLength(LIMITS.rows);
    expect(t.rows[0]).toHaveLength(LIMITS.cols);
    // The second row starts one full row (all columns, not only the shown ones) further on.
    expect(t.rows[1]?.[0]).toBe(String(cols));
    expect(t.hidden).toBe(rows * cols - LIMITS.rows * LIMITS.cols);
    expect(hiddenNote(t)).toBe(
      `First ${LIMITS.rows} of ${rows} rows and ${LIMITS.cols} of ${cols} columns; ${t.hidden} more values not shown.`,
    );
  });

  it("flattens higher ranks and shapes that do not match the values", () => {
    const cube = tensorLayout([5, 5, 5], range(125));
    expect(cube).toMatchObject({ kind: "flat", reason: "rank", hidden: 25 });
    const wrong = tensorLayout([2, 2], [1, 2, 3]);
    expect(wrong).toEqual({ kind: "flat", cells: ["1", "2", "3"], hidden: 0, reason: "size-mismatch" });
    const noShape = tensorLayout([], [1, 2]);
    expect(noShape).toMatchObject({ kind: "flat", reason: "size-mismatch" });
    expect(hiddenNote(tensorLayout([1000, 2, 2], range(4000)))).toBe("3900 more values not shown.");
    expect(hiddenNote(tensorLayout([101], range(101)))).toBe("1 more value not shown.");
  });

  it("has nothing to show for an empty tensor", () => {
    const none: TensorValue[] = [];
    expect(tensorLayout([0, 3], none)).toEqual({ kind: "empty", hidden: 0 });
  });
});
