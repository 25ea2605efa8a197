/** Downloads of the scalar data a chart shows, as CSV or JSON, built in the browser. */
import type { ScalarPoint } from "./series";

export interface SeriesExport {
  run: string;
  tag: string;
  points: readonly ScalarPoint[];
}

/**
 * A text field (run or tag name) of the CSV. A name starting with `=`, `+`, `-`, `@`, tab or
 * carriage return would run as a formula in a spreadsheet (OWASP "CSV injection"): it gets a
 * leading `'`, then the field is quoted as CSV needs. Numeric columns do not come here.
 */
function csvField(text: string): string {
  const inert = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return String(v);
}

/** `run,tag,step,wall_time,value` rows, one per point of every series. */
export function toCsv(series: readonly SeriesExport[]): string {
  const lines = ["run,tag,step,wall_time,value"];
  for (const s of series) {
    for (const [step, wall, value] of s.points) {
      lines.push(`${csvField(s.run)},${csvField(s.tag)},${step},${numberText(wall)},${numberText(value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `[{run, tag, points: [[step, wall_time, value], ...]}]`, non-finite values as the API's strings. */
export function toJson(series: readonly SeriesExport[]): string {
  const finite = (v: number) => (Number.isFinite(v) ? v : numberText(v));
  return JSON.stringify(
    series.map((s) => ({ run: s.run, tag: s.tag, points: s.points.map(([a, b, c]) => [a, finite(b), finite(c)]) })),
  );
}

/** Saves `data` as a file named `filename` through a temporary link. */
export function download(filename: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Long enough for the browser to start reading it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from a tag: `metrics/accuracy` → `metrics_accuracy`. */
export function safeFileName(tag: string): string {
  return tag.replace(/[^A-Za-z0-9_.-]+/g, "_") || "scalars";
}
