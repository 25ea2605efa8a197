/** Which lines a custom-scalars chart draws, and their data aligned for uPlot (custom-scalars.ts). */
import type { CustomScalarsLayout } from "./api";
import type { ScalarPoint } from "./series";

export type LayoutChart = CustomScalarsLayout["categories"][number]["charts"][number];

/** One line to draw, or a band's bounds. */
export interface SeriesSpec {
  run: string;
  tag: string;
  /** For margin charts: the tags of the band around this line. */
  lower?: string;
  upper?: string;
}

/** The lines of a chart over the shown runs and their scalar tags. */
export function chartSeries(chart: LayoutChart, runs: readonly string[], tagsOf: (run: string) => readonly string[]): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  if (chart.margin) {
    for (const m of chart.margin) {
      for (const run of runs) {
        const tags = tagsOf(run);
        if (tags.includes(m.value)) out.push({ run, tag: m.value, lower: tags.includes(m.lower) ? m.lower : undefined, upper: tags.includes(m.upper) ? m.upper : undefined });
      }
    }
    return out;
  }
  // Anchored at the start of the tag and case-sensitive, as TensorBoard matches them (Python's
  // `re.match`); a pattern that is not a valid regex matches nothing.
  const patterns = chart.tags.flatMap((t) => {
    try {
      return [new RegExp(`^(?:${t})`)];
    } catch {
      return [];
    }
  });
  for (const run of runs) {
    for (const tag of tagsOf(run)) if (patterns.some((p) => p.test(tag))) out.push({ run, tag });
  }
  return out;
}

/** Series on one shared x (step) axis, as uPlot wants them: a missing step is null. */
export function alignOnSteps(series: readonly (readonly ScalarPoint[])[]): [number[], ...(number | null)[][]] {
  const steps = [...new Set(series.flatMap((s) => s.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array(steps.length).fill(null);
    for (const [step, , value] of s) column[index.get(step) as number] = Number.isFinite(value) ? value : null;
    return column;
  });
  return [steps, ...columns];
}

