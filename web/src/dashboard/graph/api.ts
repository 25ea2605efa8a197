/**
 * Client of the graph endpoints of the data API (`data/graphs`, `data/graph/view`,
 * `data/graph/search`, `data/graph/node`; docs/DATA_API.md). Types come from the generated
 * OpenAPI types.
 */
import { getJson } from "../api";
import type { components } from "../../generated/api";

type Schemas = components["schemas"];
export type RunGraphs = Schemas["RunGraphs"];
export type GraphView = Schemas["GraphView"];
export type GraphItem = Schemas["GraphItem"];
export type GraphEdge = Schemas["GraphEdge"];
export type GraphSearch = Schemas["GraphSearch"];
export type GraphNodeDetail = Schemas["GraphNodeDetail"];
export type GraphSelector = Schemas["GraphSelector"];

export function fetchGraphs(): Promise<RunGraphs[]> {
  return getJson<RunGraphs[]>("data/graphs");
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
