/**
 * From a view (visible items and edges) to positions: builds the ELK graph (expanded groups as
 * compound nodes holding their children) and runs ELK in a Web Worker, so a layout never blocks
 * the page. Only what is visible is laid out.
 */
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { GraphEdge, GraphItem, GraphView } from "./api";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge {
  edge: GraphEdge;
  points: { x: number; y: number }[];
}

export interface Layout {
  boxes: Map<string, Box>;
  edges: LaidOutEdge[];
  width: number;
  height: number;
}

export const GROUP_HEADER = 26;
const CHAR_WIDTH = 7;

/** The size of a collapsed item (an op, or a closed scope or series). */
export function itemSize(item: GraphItem): { width: number; height: number } {
  const label = item.label.length;
  if (item.kind === "op") return { width: Math.min(220, Math.max(56, label * CHAR_WIDTH + 24)), height: 28 };
  // The detail line (`12 nodes · Conv2D`) is drawn at 10 px, about 6 px a character.
  const detail = `${item.node_count} nodes · ${item.op}`.length * 6;
  return { width: Math.min(280, Math.max(96, label * CHAR_WIDTH + 36, detail + 20)), height: 44 };
}

/**
 * The ELK graph of a view. Each expanded group is laid out on its own (ELK's
 * `SEPARATE_CHILDREN`: a layout spanning the hierarchy costs seconds on a few hundred items
 * where this costs tens of milliseconds). An edge between two items of one container is routed
 * by ELK there; an edge crossing group borders is lifted, for the layout only, to the two
 * children of the innermost common container that hold its ends, and drawn straight.
 */
export function toElk(view: GraphView): { graph: ElkNode; edgeList: GraphEdge[]; parents: Map<string, string> } {
  const nodes = new Map<string, ElkNode>();
  const parents = new Map<string, string>();
  const ROOT = "__root__";
  const options = {
    "elk.algorithm": "layered",
    "elk.direction": "DOWN",
    "elk.layered.spacing.nodeNodeBetweenLayers": "36",
    "elk.spacing.nodeNode": "18",
    // Chosen for speed (bench/graphs): a view of 120 items and 250 edges lays out in about 50 ms
    // this way, 200-400 ms with ELK's defaults.
    "elk.layered.thoroughness": "1",
    "elk.layered.nodePlacement.strategy": "SIMPLE",
    "elk.layered.crossingMinimization.greedySwitch.type": "OFF",
    "elk.json.shapeCoords": "ROOT",
    "elk.json.edgeCoords": "ROOT",
  };
  const root: ElkNode = { id: ROOT, layoutOptions: { ...options, "elk.hierarchyHandling": "SEPARATE_CHILDREN" }, children: [], edges: [] };
  nodes.set(ROOT, root);
  for (const item of view.items) {
    const node: ElkNode = { id: item.id };
    if (item.expanded) {
      node.children = [];
      node.edges = [];
      node.layoutOptions = { ...options, "elk.padding": `[top=${GROUP_HEADER + 8},left=10,bottom=10,right=10]` };
    } else {
      Object.assign(node, itemSize(item));
    }
    nodes.set(item.id, node);
    const parent = item.parent && nodes.has(item.parent) ? item.parent : ROOT;
    parents.set(item.id, parent);
    nodes.get(parent)?.children?.push(node);
  }
  const chain = (id: string): string[] => {
    const out = [id];
    for (let p = parents.get(id); p; p = parents.get(p)) out.push(p);
    return out; // the item, its containers, then ROOT
  };
  const lifted = new Set<string>();
  view.edges.forEach((e, i) => {
    const sp = parents.get(e.source);
    const tp = parents.get(e.target);
    if (sp === undefined || tp === undefined) return;
    if (sp === tp) {
      nodes.get(sp)?.edges?.push({ id: `e${i}`, sources: [e.source], targets: [e.target] } as ElkExtendedEdge);
      return;
    }
    const up = chain(e.source);
    const down = chain(e.target);
    const common = up.find((c) => c !== e.source && down.includes(c));
    if (!common) return;
    const s = up[up.indexOf(common) - 1];
    const t = down[down.indexOf(common) - 1];
    if (!s || !t || s === t || lifted.has(`${s}\n${t}`)) return;
    lifted.add(`${s}\n${t}`);
    nodes.get(common)?.edges?.push({ id: `l${lifted.size}`, sources: [s], targets: [t] } as ElkExtendedEdge);
  });
  return { graph: root, edgeList: view.edges, parents };
}

/** A path for an edge ELK did not route: from the source's bottom to the target's top. */
function straight(from: Box, to: Box): { x: number; y: number }[] {
  const a = { x: from.x + from.width / 2, y: from.y + from.height };
  const b = { x: to.x + to.width / 2, y: to.y };
  if (b.y > a.y + 8) {
    const mid = (a.y + b.y) / 2;
    return [a, { x: a.x, y: mid }, { x: b.x, y: mid }, b];
  }
  return [a, b];
}

export function fromElk(laidOut: ElkNode, edgeList: GraphEdge[]): Layout {
  const boxes = new Map<string, Box>();
  const routed = new Map<number, { x: number; y: number }[]>();
  const walk = (node: ElkNode) => {
    for (const e of (node.edges ?? []) as ElkExtendedEdge[]) {
      const section = e.sections?.[0];
      if (e.id.startsWith("e") && section) {
        routed.set(Number(e.id.slice(1)), [section.startPoint, ...(section.bendPoints ?? []), section.endPoint]);
      }
    }
    for (const child of node.children ?? []) {
      boxes.set(child.id, { x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? 0, height: child.height ?? 0 });
      walk(child);
    }
  };
  walk(laidOut);
  const edges: LaidOutEdge[] = [];
  edgeList.forEach((edge, i) => {
    const points = routed.get(i);
    if (points) {
      edges.push({ edge, points });
      return;
    }
    const from = boxes.get(edge.source);
    const to = boxes.get(edge.target);
    if (from && to) edges.push({ edge, points: straight(from, to) });
  });
  return { boxes, edges, width: laidOut.width ?? 0, height: laidOut.height ?? 0 };
}

/** Runs layouts in one long-lived worker; a newer request does not cancel an older one, but
 * callers drop answers that are no longer wanted. */
export class LayoutWorker {
  private worker: Worker | null = null;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (n: ElkNode) => void; reject: (e: Error) => void }>();

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
      this.worker.onmessage = (event: MessageEvent<{ id: number; graph?: ElkNode; error?: string }>) => {
        const waiting = this.pending.get(event.data.id);
        if (!waiting) return;
        this.pending.delete(event.data.id);
        if (event.data.graph) waiting.resolve(event.data.graph);
        else waiting.reject(new Error(event.data.error ?? "layout failed"));
      };
      this.worker.onerror = (event) => {
        for (const waiting of this.pending.values()) waiting.reject(new Error(event.message || "layout worker failed"));
        this.pending.clear();
      };
    }
    return this.worker;
  }

  async layout(view: GraphView): Promise<Layout> {
    const { graph, edgeList } = toElk(view);
    const id = ++this.next;
    const laidOut = await new Promise<ElkNode>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ensure().postMessage({ id, graph });
    });
    return fromElk(laidOut, edgeList);
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.pending.clear();
  }
}
