/**
 * Draws a laid-out view as SVG. Every style is a presentation attribute (not a CSS class), so
 * the SVG downloads as a standalone picture. Names are set with textContent only.
 */
import type { GraphItem } from "./api";
import { type ColorMode, itemColor } from "./colors";
import { GROUP_HEADER, type Layout } from "./layout";

export const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): SVGTextElement {
  const t = svg("text", { x, y, "font-family": "sans-serif", "font-size": 12, fill: "#222", ...attrs });
  t.textContent = content;
  return t;
}

/** Cuts a label to fit `width` pixels at about `charWidth` px a character (12 px text: 7). */
function fit(label: string, width: number, charWidth = 7): string {
  const max = Math.max(3, Math.floor(width / charWidth));
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

/** The second line of a closed group: its size and most frequent op. */
export function groupDetail(item: GraphItem): string {
  return `${item.node_count} ${item.node_count === 1 ? "node" : "nodes"} · ${item.op}`;
}

export interface RenderOptions {
  colorMode: ColorMode;
  maxCompute: number;
  selected: string | null;
  highlighted: string | null;
}

/** The markers edges use; put once in the SVG's `<defs>`. */
export function markers(): SVGDefsElement {
  const defs = svg("defs");
  for (const [id, color] of [
    ["graph-arrow", "#555"],
    ["graph-arrow-control", "#999"],
  ] as const) {
    const marker = svg("marker", {
      id,
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      // In user units: a thick (merged) edge keeps a normal-sized head.
      markerUnits: "userSpaceOnUse",
      markerWidth: 9,
      markerHeight: 9,
      orient: "auto-start-reverse",
    });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }));
    defs.append(marker);
  }
  return defs;
}

/** Draws groups (outermost first), then edges, then the collapsed items on top. */
export function render(root: SVGGElement, items: GraphItem[], layout: Layout, options: RenderOptions): void {
  root.replaceChildren();
  const groupLayer = svg("g", { class: "groups" });
  const edgeLayer = svg("g", { class: "edges" });
  const nodeLayer = svg("g", { class: "nodes" });
  root.append(groupLayer, edgeLayer, nodeLayer);

  for (const item of items) {
    const box = layout.boxes.get(item.id);
    if (!box) continue;
    const selected = item.id === options.selected || item.id === options.highlighted;
    const g = svg("g", {
      class: `graph-item graph-${item.kind}${item.expanded ? " graph-expanded" : ""}${selected ? " graph-selected" : ""}`,
      "data-id": item.id,
      transform: `translate(${box.x},${box.y})`,
    });
    const title = svg("title");
    title.textContent = item.kind === "op" ? `${item.id.slice(2)} (${item.op})` : `${item.label}: ${item.node_count} nodes`;
    g.append(title);
    const stroke = selected ? "#d32f2f" : item.kind === "op" ? "#777" : "#666";
    const strokeWidth = selected ? 3 : 1;
    const fill = itemColor(item, options.colorMode, options.maxCompute);
    if (item.expanded) {
      g.append(
        svg("rect", { width: box.width, height: box.height, rx: 6, fill: "#fafafa", "fill-opacity": 0.9, stroke, "stroke-width": strokeWidth }),
        svg("rect", { class: "graph-header", width: box.width, height: GROUP_HEADER, rx: 6, fill, stroke: "none" }),
        text(8, 17, `− ${fit(item.label, box.width - 24)}`, { "font-weight": "bold" }),
      );
      groupLayer.append(g);
      continue;
    }
    if (item.kind === "op") {
      g.append(
        svg("rect", { width: box.width, height: box.height, rx: 14, fill, stroke, "stroke-width": strokeWidth }),
        text(box.width / 2, 18, fit(item.label, box.width - 12), { "text-anchor": "middle" }),
      );
    } else {
      if (item.kind === "series") {
        // A stack: the series' members drawn as cards behind each other.
        g.append(svg("rect", { x: 6, y: -6, width: box.width, height: box.height, rx: 6, fill, stroke: "#888" }));
      }
      g.append(
        svg("rect", { width: box.width, height: box.height, rx: 6, fill, stroke, "stroke-width": selected ? 3 : 1.5 }),
        text(8, 17, `+ ${fit(item.label, box.width - 24)}`, { "font-weight": "bold" }),
        text(8, 34, fit(groupDetail(item), box.width - 12, 5.6), { "font-size": 10, fill: "#555" }),
      );
    }
    if (item.dangling_inputs.length > 0) {
      // A dangling input: a short stub ending in a red mark above the item.
      const mark = svg("g", { class: "graph-dangling" });
      const tip = svg("title");
      tip.textContent = `inputs naming no node: ${item.dangling_inputs.join(", ")}`;
      mark.append(
        tip,
        svg("line", { x1: box.width - 14, y1: -16, x2: box.width - 14, y2: 0, stroke: "#d32f2f", "stroke-width": 1.5, "stroke-dasharray": "3 2" }),
        svg("circle", { cx: box.width - 14, cy: -19, r: 6, fill: "#fff", stroke: "#d32f2f", "stroke-width": 1.5 }),
        text(box.width - 14, -15, "?", { "text-anchor": "middle", "font-size": 10, fill: "#d32f2f", "font-weight": "bold" }),
      );
      g.append(mark);
    }
    nodeLayer.append(g);
  }

  for (const { edge, points } of layout.edges) {
    const d = points.map((p, i) => `${i === 0 ? "M" : "L"} ${p.x} ${p.y}`).join(" ");
    const width = edge.control ? 1 : Math.min(5, 1 + Math.log2(edge.count));
    const path = svg("path", {
      class: edge.control ? "graph-edge graph-edge-control" : "graph-edge",
      d,
      fill: "none",
      stroke: edge.control ? "#999" : "#555",
      "stroke-width": width,
      "marker-end": `url(#${edge.control ? "graph-arrow-control" : "graph-arrow"})`,
      "data-source": edge.source,
      "data-target": edge.target,
    });
    if (edge.control) path.setAttribute("stroke-dasharray", "4 3");
    edgeLayer.append(path);
    // Control edges carry no tensor; a data edge is labelled with its shape, or its count.
    const shape = edge.shape === "[]" ? "scalar" : edge.shape;
    const label = edge.control ? null : (shape ?? (edge.count > 1 ? `${edge.count} tensors` : null));
    if (label && points.length >= 2) {
      const mid = points[Math.floor((points.length - 1) / 2)]!;
      const next = points[Math.floor((points.length - 1) / 2) + 1] ?? mid;
      edgeLayer.append(
        text((mid.x + next.x) / 2 + 4, (mid.y + next.y) / 2, label, { "font-size": 9, fill: "#666", class: "graph-edge-label" }),
      );
    }
  }
}
