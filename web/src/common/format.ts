/** Number, time, duration and name formatting shared by both pages. */

/** A compact number for axes and tooltips: 4 significant digits, exponent when tiny or huge. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return "–";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

const STEP_SUFFIXES: [number, string][] = [
  [1e18, "E"],
  [1e15, "P"],
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

/**
 * A step for an axis or a label: as it is below 10,000, else abbreviated to `digits` (at least
 * 3) significant digits with a metric suffix (`12.5k`, `1.2T`, `9.01P` for 2^53), so that labels
 * of huge steps stay short and never overlap.
 */
export function formatStep(step: number, digits = 3): string {
  if (!Number.isFinite(step)) return formatValue(step);
  const abs = Math.abs(step);
  if (abs < 1e4) return String(Number(step.toPrecision(6)));
  for (const [size, suffix] of STEP_SUFFIXES) {
    if (abs >= size * 0.9995) return `${Number((step / size).toPrecision(digits))}${suffix}`;
  }
  return String(step);
}

/**
 * Labels of an axis' step ticks: abbreviated as {@link formatStep}, with the fewest digits that
 * keep neighbouring ticks apart (ticks 5T apart near 2^53 need `8.975P`, not `8.97P` twice).
 */
export function formatSteps(steps: readonly number[]): string[] {
  let labels: string[] = [];
  for (let digits = 3; digits <= 9; digits++) {
    labels = steps.map((s) => formatStep(s, digits));
    if (labels.every((l, i) => i === 0 || l !== labels[i - 1])) break;
  }
  return labels;
}

export type TimeUnit = { name: "s" | "min" | "h" | "d"; seconds: number };
const UNITS: TimeUnit[] = [
  { name: "d", seconds: 86400 },
  { name: "h", seconds: 3600 },
  { name: "min", seconds: 60 },
  { name: "s", seconds: 1 },
];

/** The unit that reads best for a span of time: the largest the span is at least two of. */
export function timeUnitFor(spanSeconds: number): TimeUnit {
  return UNITS.find((u) => spanSeconds >= 2 * u.seconds) ?? (UNITS[UNITS.length - 1] as TimeUnit);
}

/** Round amounts of time for relative-axis ticks, in seconds: 1 s … 1 year. */
const RELATIVE_INCREMENTS_SECONDS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 432000, 864000,
  1728000, 3456000, 8640000, 31536000,
];
/** Ticks of a relative axis (hours) between `min` and `max`, a round amount of time apart, at least 60 px apart. */
export function relativeSplits(min: number, max: number, widthPx: number): number[] {
  const span = (max - min) * 3600;
  if (!(span > 0) || !(widthPx > 0)) return [min];
  const step =
    RELATIVE_INCREMENTS_SECONDS.find((s) => (s / span) * widthPx >= 60) ?? (RELATIVE_INCREMENTS_SECONDS[RELATIVE_INCREMENTS_SECONDS.length - 1] as number);
  const out: number[] = [];
  for (let t = Math.ceil((min * 3600) / step) * step; t <= max * 3600 + 1e-9 && out.length < 100; t += step) out.push(t / 3600);
  return out;
}

/** Milliseconds as `3d 4h`, `2h 05m`, `4m 10s` or `12s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** Epoch milliseconds as a local `YYYY-MM-DD HH:MM:SS`. */
export function formatDateTime(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(
    d.getMinutes(),
  )}:${two(d.getSeconds())}`;
}

/** A job's `job_type` as its product name; a type this page does not know stays as sent. */
export function jobTypeLabel(jobType: string): string {
  if (jobType === "tensorboard") return "TensorBoard";
  if (jobType === "mindinsight") return "MindInsight";
  return jobType;
}
