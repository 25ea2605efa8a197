/**
 * Client of the graph endpoints of the data API (`data/graphs`, `data/graph/view`,
 * `data/graph/search`, `data/graph/node`; docs/DATA_API.md). Types come from the generated
 * OpenAPI types.
 */
import { DataError } from "../api";
import type { components } from "../../generated/api";

type Schemas = components["schemas"];
export type RunGraphs = Schemas["RunGraphs"];
export type GraphView = Schemas["GraphView"];
export type GraphItem = Schemas["GraphItem"];
export type GraphEdge = Schemas["GraphEdge"];
export type GraphSearch = Schemas["GraphSearch"];
export type GraphNodeDetail = Schemas["GraphNodeDetail"];
export type GraphSelector = Schemas["GraphSelector"];

async function getJson<T>(path: string, params: Record<string, string>): Promise<T> {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${path}?${query}`, {
    cache: "no-cache",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new DataError(response.status, message);
  }
  return (await response.json()) as T;
}

export async function fetchGraphs(): Promise<RunGraphs[]> {
  const response = await fetch("data/graphs", { cache: "no-cache", credentials: "same-origin" });
  if (!response.ok) throw new DataError(response.status, response.statusText);
  return (await response.json()) as RunGraphs[];
}

export function fetchView(
  run: string,
  kind: GraphSelector,
  expanded: Iterable<string>,
  stats: string | null,
): Promise<GraphView> {
  const params: Record<string, string> = { run, kind, expanded: JSON.stringify([...expanded]) };
  if (stats) params.stats = stats;
  return getJson("data/graph/view", params);
}

export function searchGraph(run: string, kind: GraphSelector, q: string, limit = 20): Promise<GraphSearch> {
  return getJson("data/graph/search", { run, kind, q, limit: String(limit) });
}

export function fetchNode(
  run: string,
  kind: GraphSelector,
  node: string,
  stats: string | null,
): Promise<GraphNodeDetail> {
  const params: Record<string, string> = { run, kind, node };
  if (stats) params.stats = stats;
  return getJson("data/graph/node", params);
}
