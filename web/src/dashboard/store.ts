/**
 * The dashboard's shared state: the view state (mirrored into the URL), the runs and their tags
 * as last fetched. Panels subscribe and redraw on change.
 */
import type { RunInfo, RunTags } from "./api";
import type { TagKind } from "./tag-cards";
import { decodeState, encodeState, matchesFilter, type ViewState } from "./urlstate";

type Listener = (reason: ChangeReason) => void;
export type ChangeReason = "view" | "runs" | "data";

export class Store {
  view: ViewState;
  runs: RunInfo[] = [];
  tags: Record<string, RunTags> = {};
  private listeners = new Set<Listener>();

  constructor() {
    this.view = decodeState(window.location.search);
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
    const url = `${window.location.pathname}${encodeState(this.view)}${window.location.hash}`;
    window.history.replaceState(null, "", url);
    this.emit("view");
  }

  isSelected(run: string): boolean {
    return this.view.runs === null || this.view.runs.includes(run);
  }

  /** Runs that are selected and pass the run filter, in name order. */
  visibleRuns(): string[] {
    return this.runs
      .map((r) => r.name)
      .filter((name) => this.isSelected(name) && matchesFilter(name, this.view.runFilter));
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
