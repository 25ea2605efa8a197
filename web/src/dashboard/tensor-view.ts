/**
 * Tensors as `data/tensors` sends them, and the pure layout the tensor cards draw: a scalar as
 * one number, a vector as one row, a matrix as a table, anything else flattened, each cut to a
 * size a card can show with the count of values left out.
 */
import { formatValue } from "../common/format";

export type TensorValue = number | boolean | string;

export interface TensorStep {
  step: number;
  wallTime: number;
  shape: number[];
  dtype: string;
  values: TensorValue[];
}

/** Most cells of a vector or of the flattened form; most rows and columns of a matrix. */
export const LIMITS = { flat: 100, rows: 20, cols: 20 } as const;

export type TensorLayout =
  | { kind: "scalar"; text: string; hidden: 0 }
  | { kind: "row"; cells: string[]; hidden: number }
  | { kind: "table"; rows: string[][]; totalRows: number; totalCols: number; hidden: number }
  | { kind: "flat"; cells: string[]; hidden: number; reason: "rank" | "size-mismatch" }
  | { kind: "empty"; hidden: 0 };

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

/**
 * One value from the wire. The API writes non-finite floats as strings, so a numeric tensor's
 * "NaN" is a number; in a string tensor the same text is just text.
 */
export function parseTensorValue(raw: unknown, dtype: string): TensorValue {
  if (typeof raw === "number" || typeof raw === "boolean") return raw;
  if (typeof raw === "string") {
    if (dtype !== "string" && raw in NON_FINITE) return NON_FINITE[raw] as number;
    return raw;
  }
  return String(raw);
}

/** Validates and converts the body of `data/tensors`. Malformed rows are dropped. */
export function parseTensorRows(body: unknown): TensorStep[] {
  if (!Array.isArray(body)) return [];
  const out: TensorStep[] = [];
  for (const row of body) {
    if (!Array.isArray(row) || row.length < 3) continue;
    const step = row[0];
    const t = row[2] as Record<string, unknown> | null;
    if (typeof step !== "number" || !Number.isFinite(step) || !t || typeof t !== "object") continue;
    const dtype = typeof t.dtype === "string" ? t.dtype : "unknown";
    const shape = Array.isArray(t.shape) ? t.shape.map(Number) : [];
    const values = Array.isArray(t.values) ? t.values.map((v) => parseTensorValue(v, dtype)) : [];
    const wall = typeof row[1] === "string" ? (NON_FINITE[row[1]] ?? Number.NaN) : Number(row[1]);
    out.push({ step, wallTime: wall, shape, dtype, values });
  }
  return out;
}

export function formatTensorValue(v: TensorValue): string {
  if (typeof v === "number") return formatValue(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return v;
}

/** `[2, 3]` as `2×3`; a rank-0 tensor as `scalar`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

/**
 * What a card shows of one tensor. The shape decides the form only when it agrees with the
 * number of values: a writer that sends a shape its values do not fill (or none at all) gets
 * the values flattened rather than a table that would misplace them.
 */
export function tensorLayout(shape: readonly number[], values: readonly TensorValue[]): TensorLayout {
  const size = shape.reduce((a, b) => a * b, 1);
  const fits = shape.every((d) => Number.isInteger(d) && d >= 0) && size === values.length;
  if (values.length === 0) return { kind: "empty", hidden: 0 };
  if (fits && (shape.length === 0 || (size === 1 && shape.every((d) => d === 1)))) {
    return { kind: "scalar", text: formatTensorValue(values[0] as TensorValue), hidden: 0 };
  }
  if (fits && shape.length === 1) {
    const cells = values.slice(0, LIMITS.flat).map(formatTensorValue);
    return { kind: "row", cells, hidden: values.length - cells.length };
  }
  if (fits && shape.length === 2) {
    const [totalRows, totalCols] = shape as [number, number];
    const nRows = Math.min(totalRows, LIMITS.rows);
    const nCols = Math.min(totalCols, LIMITS.cols);
    const rows: string[][] = [];
    for (let r = 0; r < nRows; r++) {
      const row: string[] = [];
      for (let c = 0; c < nCols; c++) row.push(formatTensorValue(values[r * totalCols + c] as TensorValue));
      rows.push(row);
    }
    return { kind: "table", rows, totalRows, totalCols, hidden: values.length - nRows * nCols };
  }
  const cells = values.slice(0, LIMITS.flat).map(formatTensorValue);
  return { kind: "flat", cells, hidden: values.length - cells.length, reason: fits ? "rank" : "size-mismatch" };
}

/** The note under a cut tensor, or "" when every value is shown. */
export function hiddenNote(layout: TensorLayout): string {
  if (layout.hidden <= 0) return "";
  const n = layout.hidden;
  const values = `${n} more value${n === 1 ? "" : "s"} not shown`;
  if (layout.kind === "table") {
    const rows = Math.min(layout.totalRows, LIMITS.rows);
    const cols = Math.min(layout.totalCols, LIMITS.cols);
    return `First ${rows} of ${layout.totalRows} rows and ${cols} of ${layout.totalCols} columns; ${values}.`;
  }
  return `${values}.`;
}
