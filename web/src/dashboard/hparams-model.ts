/**
 * What the HParams views show, as plain data: one axis per hyperparameter and per metric, the
 * sessions that pass the filters, and the scale of each axis. The views (hparams.ts, the table;
 * hparams-plots.ts, parallel coordinates and the scatter matrix) only draw it.
 *
 * Sessions whose hparams have different keys are all kept: an axis is the union of every
 * session's keys, and a session without a value on an axis is drawn at that axis's "missing"
 * slot rather than dropped (TensorBoard drops such sessions from its views).
 */
import { scaleLinear, scaleLog, scalePoint } from "d3-scale";
import type { HparamsData } from "./api";
import { parseFloatValue } from "./series";

export type Session = HparamsData["sessions"][number];
export type Status = Session["status"];
export const STATUSES: Status[] = ["success", "failure", "running", "unknown"];

/** One column of the data: a hyperparameter or a metric. */
export interface Axis {
  /** `h:name` or `m:tag`: unique across both kinds. */
  key: string;
  label: string;
  kind: "hparam" | "metric";
  /** Numeric axes have a continuous scale; others place each distinct value on a point. */
  numeric: boolean;
  /** Distinct values of a categorical axis, in display order. */
  categories: string[];
  /** Finite numeric range over every session (not only the filtered ones). */
  min: number;
  max: number;
  /** A log scale is possible: every finite value is above zero. */
  canLog: boolean;
  read: (s: Session) => number | string | null;
}

/** What a user narrowed: per axis, allowed categories or a numeric interval; and statuses. */
export interface Filters {
  categories: Record<string, string[]>;
  ranges: Record<string, [number, number]>;
  statuses: Status[];
}

export const NO_FILTERS: Filters = { categories: {}, ranges: {}, statuses: [...STATUSES] };

const MISSING = "(none)";

function hparamValue(v: unknown): number | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return String(v);
  if (v === "NaN" || v === "Infinity" || v === "-Infinity") return parseFloatValue(v);
  return String(v);
}

/** Every hparam and metric of the data, hparams first, each with its kind and range. */
export function axesOf(data: HparamsData): Axis[] {
  const hparamNames = new Set(data.hparams.map((h) => h.name));
  for (const s of data.sessions) for (const name of Object.keys(s.hparams)) hparamNames.add(name);
  const metricTags = new Set(data.metrics.map((m) => m.tag));
  for (const s of data.sessions) for (const tag of Object.keys(s.metrics)) metricTags.add(tag);
  const axes: Axis[] = [];
  for (const name of hparamNames) {
    axes.push(describe(`h:${name}`, name, "hparam", data.sessions, (s) => hparamValue(s.hparams[name])));
  }
  for (const tag of metricTags) {
    axes.push(
      describe(`m:${tag}`, tag, "metric", data.sessions, (s) => {
        const v = s.metrics[tag];
        return v === undefined ? null : parseFloatValue(v);
      }),
    );
  }
  return axes;
}

function describe(key: string, label: string, kind: Axis["kind"], sessions: Session[], read: Axis["read"]): Axis {
  const values = sessions.map(read).filter((v) => v !== null);
  const numeric = kind === "metric" || (values.length > 0 && values.every((v) => typeof v === "number"));
  let min = Infinity;
  let max = -Infinity;
  const categories = new Set<string>();
  for (const v of values) {
    if (typeof v === "number") {
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    } else categories.add(v);
  }
  if (!numeric) for (const v of values) if (typeof v === "number") categories.add(String(v));
  const sorted = [...categories].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (values.length < sessions.length) sorted.push(MISSING);
  return {
    key,
    label,
    kind,
    numeric,
    categories: numeric ? [] : sorted,
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 1,
    canLog: numeric && Number.isFinite(min) && min > 0,
    read: numeric ? read : (s) => {
      const v = read(s);
      return v === null ? MISSING : String(v);
    },
  };
}

/** Whether a session passes every filter. A session with no value on a filtered numeric axis fails it. */
export function passes(s: Session, axes: Axis[], f: Filters): boolean {
  if (!f.statuses.includes(s.status)) return false;
  for (const axis of axes) {
    const v = axis.read(s);
    const allowed = f.categories[axis.key];
    if (allowed && !allowed.includes(String(v))) return false;
    const range = f.ranges[axis.key];
    if (range) {
      if (typeof v !== "number" || Number.isNaN(v) || v < range[0] || v > range[1]) return false;
    }
  }
  return true;
}

export type Scale = (v: number | string | null) => number | null;

/**
 * The position of a value on an axis of `length` pixels (0 at the bottom or left), or null for a
 * value the axis cannot place (NaN, or ≤ 0 on a log axis).
 */
export function axisScale(axis: Axis, length: number, log: boolean): { scale: Scale; ticks: { at: number; label: string }[] } {
  if (!axis.numeric) {
    const point = scalePoint<string>().domain(axis.categories).range([0, length]).padding(0.5);
    return {
      scale: (v) => point(String(v)) ?? null,
      ticks: axis.categories.map((c) => ({ at: point(c) ?? 0, label: c })),
    };
  }
  const lo = axis.min === axis.max ? axis.min - 1 : axis.min;
  const hi = axis.min === axis.max ? axis.max + 1 : axis.max;
  if (log && axis.canLog) {
    const s = scaleLog().domain([axis.min, axis.max === axis.min ? axis.min * 10 : axis.max]).range([0, length]);
    const format = s.tickFormat(5);
    return {
      scale: (v) => (typeof v === "number" && v > 0 && Number.isFinite(v) ? s(v) : null),
      ticks: s.ticks(5).map((t) => ({ at: s(t), label: format(t) })).filter((t) => t.label !== ""),
    };
  }
  const s = scaleLinear().domain([lo, hi]).range([0, length]).nice();
  const format = s.tickFormat(5);
  return {
    scale: (v) => (typeof v === "number" && !Number.isNaN(v) ? s(Math.max(Math.min(v, hi), lo)) : null),
    ticks: s.ticks(5).map((t) => ({ at: s(t), label: format(t) })),
  };
}

/** The inverse of a numeric axis' position, for brushing a range. */
export function invertScale(axis: Axis, length: number, log: boolean, at: number): number {
  if (log && axis.canLog) return scaleLog().domain([axis.min, axis.max === axis.min ? axis.min * 10 : axis.max]).range([0, length]).invert(at);
  const lo = axis.min === axis.max ? axis.min - 1 : axis.min;
  const hi = axis.min === axis.max ? axis.max + 1 : axis.max;
  return scaleLinear().domain([lo, hi]).range([0, length]).nice().invert(at);
}
