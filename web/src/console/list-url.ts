/**
 * The jobs list's state in the console's address (`?q=…&status=running&page=2&per=20&sort=job_name&order=asc`),
 * so a reload, a bookmark or a shared link shows the same list. Defaults are left out of the
 * address; anything unknown or out of range falls back to its default rather than failing.
 */
import type { ListQuery, SortKey } from "./api";
import { MAX_SEARCH_CHARS } from "./validate";

export interface StatusFilter {
  /** The value in the address; empty for all. */
  key: string;
  label: string;
  codes: number[];
}

export const STATUS_FILTERS: StatusFilter[] = [
  { key: "", label: "All statuses", codes: [] },
  { key: "running", label: "Running", codes: [8] },
  { key: "starting", label: "Starting", codes: [1, 7] },
  { key: "stopped", label: "Stopped or ended", codes: [9, 10, 12, 13] },
  { key: "failed", label: "Failed", codes: [11, 14] },
];

export const PAGE_SIZES = [10, 20, 50, 100];
const SORT_KEYS: SortKey[] = ["job_id", "job_name", "job_desc", "create_time", "status", "duration"];

export const DEFAULT_QUERY: ListQuery = {
  page: 1,
  per_page: 10,
  sort_by: "create_time",
  order: "desc",
  search_content: "",
  status: [],
};

/** The status filter a query uses (the first whose codes match; "all" otherwise). */
export function statusFilterOf(q: ListQuery): StatusFilter {
  const key = q.status.join(",");
  return STATUS_FILTERS.find((f) => f.codes.join(",") === key) ?? STATUS_FILTERS[0]!;
}

export function queryFromSearch(search: string): ListQuery {
  const p = new URLSearchParams(search);
  const q: ListQuery = { ...DEFAULT_QUERY };
  const text = p.get("q");
  if (text) q.search_content = [...text].slice(0, MAX_SEARCH_CHARS).join("");
  const status = STATUS_FILTERS.find((f) => f.key !== "" && f.key === p.get("status"));
  if (status) q.status = status.codes;
  const page = Number(p.get("page"));
  if (Number.isSafeInteger(page) && page >= 1) q.page = page;
  const per = Number(p.get("per"));
  if (PAGE_SIZES.includes(per)) q.per_page = per;
  const sort = p.get("sort") as SortKey | null;
  if (sort && SORT_KEYS.includes(sort)) q.sort_by = sort;
  const order = p.get("order");
  if (order === "asc" || order === "desc") q.order = order;
  return q;
}

/** The address's query string (with its `?`, or empty) for a list state. */
export function searchOf(q: ListQuery): string {
  const p = new URLSearchParams();
  if (q.search_content) p.set("q", q.search_content);
  const status = statusFilterOf(q);
  if (status.key) p.set("status", status.key);
  if (q.page !== DEFAULT_QUERY.page) p.set("page", String(q.page));
  if (q.per_page !== DEFAULT_QUERY.per_page) p.set("per", String(q.per_page));
  if (q.sort_by !== DEFAULT_QUERY.sort_by) p.set("sort", q.sort_by);
  if (q.order !== DEFAULT_QUERY.order) p.set("order", q.order);
  const text = p.toString();
  return text ? `?${text}` : "";
}

/**
 * Where to go after logging in: the dashboard a logged-out visitor opened (`/?next=/vj/…`, set
 * by the server's landing page). Only a dashboard path of this server is accepted, so a crafted
 * link cannot send someone to another site.
 */
export function returnPath(search: string): string | null {
  const next = new URLSearchParams(search).get("next");
  if (!next) return null;
  return /^\/vj\/[A-Za-z0-9_-]{1,64}\/[0-9]{1,20}\/[^\\\s]*$/.test(next) && !next.includes("//") ? next : null;
}
