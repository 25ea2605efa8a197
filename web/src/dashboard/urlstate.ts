/**
 * The dashboard's view state, kept in the page URL's query so that a view can be shared as a
 * link: `?tab=scalars&run=a&run=b&tags=loss&smoothing=0.6&x=step&logy=1&outliers=1&runFilter=..`.
 *
 * `run` is repeated, one per selected run, and absent when every run is selected (new runs that
 * appear later are then shown too). A selection of more than {@link MAX_NAMED_RUNS} runs is
 * written compactly instead, as `runsel=<n>.<bits>` (`multirun.ts`: one bit per run of the `n`
 * runs in name order), which the store reads once the runs are known. Grouping is
 * `group=re:<regex>` or `group=hp:<hparam>`, with `agg=median`, `band=std|none` and `hide=<group>`
 * repeated. Defaults are left out of the URL to keep links short.
 */
import { decodeSelection, encodeSelection, type Band, type Stat } from "./multirun";
import type { XAxisMode } from "./series";

export const TABS = [
  "scalars",
  "custom_scalars",
  "histograms",
  "distributions",
  "images",
  "text",
  "tensors",
  "pr_curves",
  "hparams",
  "graphs",
] as const;
export type Tab = (typeof TABS)[number];

export interface ViewState {
  tab: Tab;
  /** Selected runs; null means all. */
  runs: string[] | null;
  runFilter: string;
  tagFilter: string;
  smoothing: number;
  xAxis: XAxisMode;
  logY: boolean;
  ignoreOutliers: boolean;
  /** "" (no grouping), `re:<regex>` (by its first capture) or `hp:<name>` (by an hparam's value). */
  groupBy: string;
  stat: Stat;
  band: Band;
  hiddenGroups: string[];
  /** How histograms are drawn. */
  histMode: HistMode;
  /** Collapsed tag groups, as `tab:prefix`. */
  folded: string[];
  /** Scalar tags pinned to the "Pinned" section at the top. */
  pinned: string[];
  /** Scalar tags whose chart spans the full width. */
  wide: string[];
  /** A compact selection code from the URL not yet read against the runs (see the module docs). */
  runsCode: string | null;
}

/** Selections of more runs than this go into the URL as a compact code. */
export const MAX_NAMED_RUNS = 50;

export const DEFAULT_STATE: ViewState = {
  tab: "scalars",
  runs: null,
  runFilter: "",
  tagFilter: "",
  smoothing: 0.6,
  xAxis: "step",
  logY: false,
  ignoreOutliers: false,
  groupBy: "",
  stat: "mean",
  band: "minmax",
  hiddenGroups: [],
  histMode: "offset",
  folded: [],
  pinned: [],
  wide: [],
  runsCode: null,
};

export type HistMode = "offset" | "overlay";

/**
 * The URL query of a view. `allRunsSorted` (every run, in name order) lets a large selection be
 * written as a compact code; without it the selection is written by name.
 */
export function encodeState(state: ViewState, allRunsSorted: readonly string[] | null = null): string {
  const q = new URLSearchParams();
  if (state.tab !== DEFAULT_STATE.tab) q.set("tab", state.tab);
  if (state.runsCode !== null) {
    q.set("runsel", state.runsCode);
  } else if (state.runs !== null) {
    if (state.runs.length === 0) q.set("norun", "1");
    if (state.runs.length > MAX_NAMED_RUNS && allRunsSorted) q.set("runsel", encodeSelection(allRunsSorted, new Set(state.runs)));
    else for (const run of state.runs) q.append("run", run);
  }
  if (state.runFilter) q.set("runFilter", state.runFilter);
  if (state.tagFilter) q.set("tags", state.tagFilter);
  if (state.smoothing !== DEFAULT_STATE.smoothing) q.set("smoothing", String(state.smoothing));
  if (state.xAxis !== DEFAULT_STATE.xAxis) q.set("x", state.xAxis);
  if (state.logY) q.set("logy", "1");
  if (state.ignoreOutliers) q.set("outliers", "1");
  if (state.groupBy) q.set("group", state.groupBy);
  if (state.stat !== DEFAULT_STATE.stat) q.set("agg", state.stat);
  if (state.band !== DEFAULT_STATE.band) q.set("band", state.band);
  for (const g of state.hiddenGroups) q.append("hide", g);
  if (state.histMode !== DEFAULT_STATE.histMode) q.set("hist", state.histMode);
  for (const f of state.folded) q.append("fold", f);
  for (const t of state.pinned) q.append("pin", t);
  for (const t of state.wide) q.append("wide", t);
  const text = q.toString();
  return text ? `?${text}` : "";
}

export function decodeState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const tab = q.get("tab");
  const x = q.get("x");
  const smoothing = Number.parseFloat(q.get("smoothing") ?? "");
  const runs = q.getAll("run");
  const group = q.get("group") ?? "";
  const band = q.get("band");
  return {
    tab: (TABS as readonly string[]).includes(tab ?? "") ? (tab as Tab) : DEFAULT_STATE.tab,
    runs: runs.length > 0 ? runs : q.get("norun") === "1" ? [] : null,
    runFilter: q.get("runFilter") ?? "",
    tagFilter: q.get("tags") ?? "",
    smoothing:
      Number.isFinite(smoothing) && smoothing >= 0 && smoothing < 1 ? smoothing : DEFAULT_STATE.smoothing,
    xAxis: x === "relative" || x === "wall" ? x : "step",
    logY: q.get("logy") === "1",
    ignoreOutliers: q.get("outliers") === "1",
    groupBy: group.startsWith("re:") || group.startsWith("hp:") ? group : "",
    stat: q.get("agg") === "median" ? "median" : "mean",
    band: band === "std" || band === "none" ? band : "minmax",
    hiddenGroups: q.getAll("hide"),
    histMode: q.get("hist") === "overlay" ? "overlay" : "offset",
    folded: q.getAll("fold"),
    pinned: q.getAll("pin"),
    wide: q.getAll("wide"),
    runsCode: q.get("runsel"),
  };
}

/** The selection a `runsel` code names among the runs now known (null: all runs, when it cannot be read). */
export function resolveRunsCode(code: string, allRunsSorted: readonly string[]): string[] | null {
  return decodeSelection(code, allRunsSorted);
}

/** A case-insensitive regex from user input; null when empty or not a valid pattern. */
export function userRegex(pattern: string): RegExp | null {
  if (!pattern) return null;
  try {
    return new RegExp(pattern, "i");
  } catch {
    return null;
  }
}

/** Whether `name` passes a filter pattern (an invalid pattern matches as a plain substring). */
export function matchesFilter(name: string, pattern: string): boolean {
  if (!pattern) return true;
  const re = userRegex(pattern);
  return re ? re.test(name) : name.toLowerCase().includes(pattern.toLowerCase());
}
