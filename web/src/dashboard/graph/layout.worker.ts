/**
 * Lays out a graph with ELK (layered, nested groups included) off the main thread. Receives
 * `{ id, graph }` (an ELK JSON graph), answers `{ id, graph }` with positions, or `{ id, error }`.
 */
import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api";

const elk = new ELK();

self.onmessage = async (event: MessageEvent<{ id: number; graph: ElkNode }>) => {
  const { id, graph } = event.data;
  try {
    const laidOut = await elk.layout(graph);
    self.postMessage({ id, graph: laidOut });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
