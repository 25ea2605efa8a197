/**
 * The dashboard's view state, kept in the page URL's query so that a view can be shared as a
 * link: `?tab=scalars&run=a&run=b&tags=loss&smoothing=0.6&x=step&logy=1&outliers=1&runFilter=..`.
 *
 * `run` is repeated, one per selected run, and absent when every run is selected (new runs that
 * appear later are then shown too). Defaults are left out of the URL to keep links short.
 */
import type { XAxisMode } from "./series";

export const TABS = [
  "scalars",
  "histograms",
  "distributions",
  "images",
  "text",
  "tensors",
  "pr_curves",
  "hparams",
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
}

export const DEFAULT_STATE: ViewState = {
  tab: "scalars",
  runs: null,
  runFilter: "",
  tagFilter: "",
  smoothing: 0.6,
  xAxis: "step",
  logY: false,
  ignoreOutliers: false,
};

export function encodeState(state: ViewState): string {
  const q = new URLSearchParams();
  if (state.tab !== DEFAULT_STATE.tab) q.set("tab", state.tab);
  if (state.runs !== null) {
    if (state.runs.length === 0) q.set("norun", "1");
    for (const run of state.runs) q.append("run", run);
  }
  if (state.runFilter) q.set("runFilter", state.runFilter);
  if (state.tagFilter) q.set("tags", state.tagFilter);
  if (state.smoothing !== DEFAULT_STATE.smoothing) q.set("smoothing", String(state.smoothing));
  if (state.xAxis !== DEFAULT_STATE.xAxis) q.set("x", state.xAxis);
  if (state.logY) q.set("logy", "1");
  if (state.ignoreOutliers) q.set("outliers", "1");
  const text = q.toString();
  return text ? `?${text}` : "";
}

export function decodeState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const tab = q.get("tab");
  const x = q.get("x");
  const smoothing = Number.parseFloat(q.get("smoothing") ?? "");
  const runs = q.getAll("run");
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
  };
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
