/**
 * The dashboard's shared state: the view state (mirrored into the URL), the runs and their tags
 * as last fetched. Panels subscribe and redraw on change.
 */
import type { RunInfo, RunTags } from "./api";
import type { TagKind } from "./tag-cards";
import { decodeState, encodeState, matchesFilter, resolveRunsCode, userRegex, type ViewState } from "./urlstate";

type Listener = (reason: ChangeReason) => void;
export type ChangeReason = "view" | "runs" | "data";

export class Store {
  view: ViewState;
  tags: Record<string, RunTags> = {};
  private runInfos: RunInfo[] = [];
  private sortedNames: string[] = [];
  private listeners = new Set<Listener>();
  /** `view.runs` as a set (null: all), rebuilt when the selection changes. */
  private selected: Set<string> | null = null;
  private selectedFrom: string[] | null = null;
  /** Memo of {@link visibleRuns}: recomputed when the runs, the selection or the filter change. */
  private visibleMemo: { runs: RunInfo[]; selection: string[] | null; filter: string; result: string[] } | null = null;

  /** When the last history entry was pushed for typing in a filter, and which filter. */
  private lastFilterPush: { key: string; at: number } | null = null;

  constructor() {
    this.view = decodeState(window.location.search);
    // Back and Forward step through tabs and filters: the address is the view.
    window.addEventListener("popstate", () => {
      this.view = decodeState(window.location.search);
      if (this.view.runsCode !== null && this.sortedNames.length > 0) {
        this.view = { ...this.view, runs: resolveRunsCode(this.view.runsCode, this.sortedNames), runsCode: null };
      }
      this.emit("view");
    });
  }

  /** The runs as last fetched, in name order. Setting them reads a compact selection of the URL. */
  get runs(): RunInfo[] {
    return this.runInfos;
  }

  set runs(runs: RunInfo[]) {
    this.runInfos = runs;
    this.sortedNames = runs.map((r) => r.name).sort();
    if (this.view.runsCode !== null && runs.length > 0) {
      const resolved = resolveRunsCode(this.view.runsCode, this.sortedNames);
      // A code made for another list of runs cannot say which run is which: show all.
      this.view = { ...this.view, runs: resolved, runsCode: null };
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(reason: ChangeReason): void {
    for (const l of this.listeners) l(reason);
  }

  update(patch: Partial<ViewState>): void {
    this.view = { ...this.view, ...patch };
    if ("runs" in patch) this.view.runsCode = null;
    const names = this.sortedNames.length > 0 ? this.sortedNames : null;
    const url = `${window.location.pathname}${encodeState(this.view, names)}${window.location.hash}`;
    if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
      if (this.makesHistoryEntry(patch)) window.history.pushState(null, "", url);
      else window.history.replaceState(null, "", url);
    }
    this.emit("view");
  }

  /**
   * A change of tab is a step of its own in the history; so is a filter, once per pause in
   * typing (the keystrokes of one word replace each other's entry). Other settings replace the
   * current entry, as a slider's every move would otherwise fill the history.
   */
  private makesHistoryEntry(patch: Partial<ViewState>): boolean {
    if ("tab" in patch) {
      this.lastFilterPush = null;
      return true;
    }
    const filter = "tagFilter" in patch ? "tagFilter" : "runFilter" in patch ? "runFilter" : null;
    if (!filter) return false;
    const now = Date.now();
    const typing = this.lastFilterPush !== null && this.lastFilterPush.key === filter && now - this.lastFilterPush.at < 1500;
    this.lastFilterPush = { key: filter, at: now };
    return !typing;
  }

  isSelected(run: string): boolean {
    const runs = this.view.runs;
    if (runs === null) return true;
    if (this.selectedFrom !== runs) {
      this.selected = new Set(runs);
      this.selectedFrom = runs;
    }
    return (this.selected as Set<string>).has(run);
  }

  /** Runs that are selected and pass the run filter, in name order. */
  visibleRuns(): string[] {
    const memo = this.visibleMemo;
    if (memo && memo.runs === this.runInfos && memo.selection === this.view.runs && memo.filter === this.view.runFilter) {
      return memo.result;
    }
    const match = filterMatcher(this.view.runFilter);
    const result = this.runInfos.map((r) => r.name).filter((name) => this.isSelected(name) && match(name));
    this.visibleMemo = { runs: this.runInfos, selection: this.view.runs, filter: this.view.runFilter, result };
    return result;
  }

  /** Whether every run of the logdir is visible (no selection, no filter): then one regex names them all. */
  allRunsVisible(): boolean {
    return this.view.runs === null && this.view.runFilter === "";
  }

  /** Visible runs holding `tag` under `kind`, with the tags of that kind. */
  runsWithTag(kind: "scalars" | TagKind, tag: string): string[] {
    return this.visibleRuns().filter((run) => this.tags[run]?.[kind]?.includes(tag));
  }

  /** Every tag of `kind` over the visible runs, sorted, passing the tag filter. */
  tagsOf(kind: "scalars" | TagKind): string[] {
    const all = new Set<string>();
    for (const run of this.visibleRuns()) for (const tag of this.tags[run]?.[kind] ?? []) all.add(tag);
    return [...all].filter((t) => matchesFilter(t, this.view.tagFilter)).sort();
  }
}

/** A name test for a filter pattern, compiled once (see {@link matchesFilter}). */
export function filterMatcher(pattern: string): (name: string) => boolean {
  if (!pattern) return () => true;
  const re = userRegex(pattern);
  if (re) return (name) => re.test(name);
  const needle = pattern.toLowerCase();
  return (name) => name.toLowerCase().includes(needle);
}

/** Groups tags by their first path component (`metrics/accuracy` → `metrics`). */
export function groupByPrefix(tags: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const tag of tags) {
    const slash = tag.indexOf("/");
    const prefix = slash > 0 ? tag.slice(0, slash) : tag;
    const list = groups.get(prefix) ?? [];
    list.push(tag);
    groups.set(prefix, list);
  }
  return groups;
}

/** Whether a tag group of a tab is collapsed (kept in the URL as `fold=tab:prefix`). */
export function isFolded(store: Store, tab: string, prefix: string): boolean {
  return store.view.folded.includes(`${tab}:${prefix}`);
}

/** Collapses or opens a tag group; a no-op when it already is so (a group drawn anew reports its state). */
export function setFolded(store: Store, tab: string, prefix: string, folded: boolean): void {
  const key = `${tab}:${prefix}`;
  if (store.view.folded.includes(key) === folded) return;
  store.update({ folded: folded ? [...store.view.folded, key] : store.view.folded.filter((f) => f !== key) });
}
