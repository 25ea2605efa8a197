/**
 * The hparam values of each run, as text, for grouping and selecting runs by an hparam: read
 * from `data/hparams` (one session per run) on first use and again when asked after the runs
 * changed.
 */
import { fetchHparams } from "./api";

export interface HparamIndex {
  /** Hparam names, sorted. */
  names: string[];
  /** By run: hparam name → value as text. */
  byRun: Map<string, Map<string, string>>;
}

let cached: { key: string; index: Promise<HparamIndex> } | null = null;

/** The index; `key` names the state of the runs (fetched again when it changes). */
export function hparamIndex(key: string): Promise<HparamIndex> {
  if (cached && cached.key === key) return cached.index;
  const index = fetchHparams().then(
    (data) => {
      const names = new Set<string>();
      const byRun = new Map<string, Map<string, string>>();
      for (const session of data.sessions) {
        const values = new Map<string, string>();
        for (const [name, value] of Object.entries(session.hparams)) {
          names.add(name);
          values.set(name, value === null ? "–" : String(value));
        }
        byRun.set(session.run, values);
      }
      return { names: [...names].sort(), byRun };
    },
    () => ({ names: [], byRun: new Map<string, Map<string, string>>() }),
  );
  cached = { key, index };
  return index;
}

/** Values of one hparam over the runs that have it, sorted (numbers by value). */
export function hparamValues(index: HparamIndex, name: string): string[] {
  const values = new Set<string>();
  for (const v of index.byRun.values()) {
    const value = v.get(name);
    if (value !== undefined) values.add(value);
  }
  return [...values].sort((a, b) => {
    const x = Number(a);
    const y = Number(b);
    return Number.isFinite(x) && Number.isFinite(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
  });
}
