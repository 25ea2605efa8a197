/**
 * The HParams plots, in SVG: parallel coordinates (one vertical axis per hparam and metric, one
 * line per session, drag on a numeric axis to keep a range) and the scatter-plot matrix (a
 * metric against an hparam in each cell). Run names reach the page only as text nodes.
 */
import { runColor } from "./colors";
import { type Axis, axisScale, invertScale, type Session } from "./hparams-model";

const NS = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}

export interface PlotOptions {
  axes: Axis[];
  /** Every session; those not in `kept` are drawn faint. */
  sessions: Session[];
  kept: Set<string>;
  /** Axis keys drawn on a log scale. */
  logAxes: Set<string>;
  selected: string | null;
  onSelect: (run: string) => void;
  onToggleLog: (axisKey: string) => void;
  /** A range dragged on a numeric axis; null clears it. */
  onBrush: (axisKey: string, range: [number, number] | null) => void;
  ranges: Record<string, [number, number]>;
}

const AXIS_HEIGHT = 260;
const TOP = 44;
const MISSING_GAP = 18;

/** Parallel coordinates of every session across every axis. */
export function parallelCoordinates(o: PlotOptions, width: number): SVGSVGElement {
  const spacing = Math.max(110, (width - 60) / Math.max(1, o.axes.length - 1));
  const total = Math.max(width, 60 + spacing * (o.axes.length - 1) + 60);
  const height = TOP + AXIS_HEIGHT + MISSING_GAP + 30;
  const root = svg("svg", { class: "hp-parallel", width: total, height, viewBox: `0 0 ${total} ${height}`, role: "img", "aria-label": "Parallel coordinates of the sessions" });
  const x = (i: number) => 50 + i * spacing;
  const y = (at: number | null) => (at === null ? TOP + AXIS_HEIGHT + MISSING_GAP : TOP + AXIS_HEIGHT - at);
  const scales = o.axes.map((a) => axisScale(a, AXIS_HEIGHT, o.logAxes.has(a.key)));

  const lines = svg("g", { class: "hp-lines" });
  // Faint lines first, so kept ones are drawn over them.
  const ordered = [...o.sessions].sort((a, b) => Number(o.kept.has(a.run)) - Number(o.kept.has(b.run)) || Number(a.run === o.selected) - Number(b.run === o.selected));
  for (const s of ordered) {
    const points = o.axes.map((a, i) => `${x(i).toFixed(1)},${y(scales[i]!.scale(a.read(s))).toFixed(1)}`);
    const kept = o.kept.has(s.run);
    const path = svg(
      "polyline",
      {
        points: points.join(" "),
        class: `hp-line${kept ? "" : " hp-faint"}${s.run === o.selected ? " hp-selected" : ""}`,
        stroke: kept ? runColor(s.run) : "currentColor",
        "data-run": s.run,
      },
      svg("title", {}, s.run),
    );
    if (kept) path.addEventListener("click", () => o.onSelect(s.run));
    lines.append(path);
  }
  root.append(lines);

  o.axes.forEach((axis, i) => {
    const { ticks } = scales[i]!;
    const g = svg("g", { class: `hp-axis hp-${axis.kind}`, transform: `translate(${x(i)},0)`, "data-axis": axis.key });
    g.append(svg("line", { x1: 0, x2: 0, y1: TOP, y2: TOP + AXIS_HEIGHT, class: "hp-axis-line" }));
    for (const t of ticks) {
      g.append(svg("line", { x1: -4, x2: 0, y1: y(t.at), y2: y(t.at), class: "hp-tick" }));
      g.append(svg("text", { x: -6, y: y(t.at) + 3, "text-anchor": "end", class: "hp-tick-label" }, t.label));
    }
    g.append(svg("text", { x: 0, y: TOP - 24, "text-anchor": "middle", class: "hp-axis-label" }, axis.label));
    g.append(svg("text", { x: 0, y: y(null) + 4, "text-anchor": "middle", class: "hp-missing" }, "–"));
    if (axis.canLog) {
      const log = o.logAxes.has(axis.key);
      const toggle = svg("text", { x: 0, y: TOP - 8, "text-anchor": "middle", class: "hp-scale-toggle", role: "button", tabindex: 0, "aria-label": `${axis.label}: ${log ? "log" : "linear"} scale, switch` }, log ? "log" : "linear");
      toggle.addEventListener("click", () => o.onToggleLog(axis.key));
      toggle.addEventListener("keydown", (e) => {
        if ((e as KeyboardEvent).key === "Enter") o.onToggleLog(axis.key);
      });
      g.append(toggle);
    }
    if (axis.numeric) addBrush(g, axis, o, (at) => y(at));
    root.append(g);
  });
  return root;
}

/** A vertical drag on a numeric axis keeps the sessions whose value lies in the dragged range. */
function addBrush(g: SVGGElement, axis: Axis, o: PlotOptions, y: (at: number) => number): void {
  const log = o.logAxes.has(axis.key);
  const band = svg("rect", { x: -7, width: 14, class: "hp-brush", visibility: "hidden" });
  const range = o.ranges[axis.key];
  if (range) {
    const { scale } = axisScale(axis, AXIS_HEIGHT, log);
    const a = scale(range[0]) ?? 0;
    const b = scale(range[1]) ?? AXIS_HEIGHT;
    band.setAttribute("y", String(y(Math.max(a, b))));
    band.setAttribute("height", String(Math.abs(b - a)));
    band.setAttribute("visibility", "visible");
  }
  const hit = svg("rect", { x: -10, y: TOP, width: 20, height: AXIS_HEIGHT, class: "hp-brush-area" });
  let start: number | null = null;
  const localY = (e: PointerEvent) => {
    const box = hit.getBoundingClientRect();
    return Math.min(Math.max(e.clientY - box.top, 0), AXIS_HEIGHT);
  };
  hit.addEventListener("pointerdown", (e) => {
    start = localY(e);
    hit.setPointerCapture(e.pointerId);
  });
  hit.addEventListener("pointermove", (e) => {
    if (start === null) return;
    const now = localY(e);
    band.setAttribute("y", String(TOP + Math.min(start, now)));
    band.setAttribute("height", String(Math.abs(now - start)));
    band.setAttribute("visibility", "visible");
  });
  hit.addEventListener("pointerup", (e) => {
    if (start === null) return;
    const end = localY(e);
    const from = start;
    start = null;
    if (Math.abs(end - from) < 3) {
      o.onBrush(axis.key, null);
      return;
    }
    // Pixels from the top → positions from the bottom → values.
    const lo = invertScale(axis, AXIS_HEIGHT, log, AXIS_HEIGHT - Math.max(from, end));
    const hi = invertScale(axis, AXIS_HEIGHT, log, AXIS_HEIGHT - Math.min(from, end));
    o.onBrush(axis.key, [lo, hi]);
  });
  g.append(band, hit);
}

const CELL_W = 170;
const CELL_H = 130;
const PAD = 28;

/** Metrics (rows) against hparams (columns); a point per kept session. */
export function scatterMatrix(o: PlotOptions): SVGSVGElement {
  const hparams = o.axes.filter((a) => a.kind === "hparam");
  const metrics = o.axes.filter((a) => a.kind === "metric");
  const width = 110 + hparams.length * (CELL_W + PAD);
  const height = 20 + metrics.length * (CELL_H + PAD) + 30;
  const root = svg("svg", { class: "hp-scatter", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Scatter plots of metrics against hyperparameters" });
  metrics.forEach((m, row) => {
    const ys = axisScale(m, CELL_H, o.logAxes.has(m.key));
    hparams.forEach((h, col) => {
      const xs = axisScale(h, CELL_W, o.logAxes.has(h.key));
      const left = 110 + col * (CELL_W + PAD);
      const top = 20 + row * (CELL_H + PAD);
      const cell = svg("g", { class: "hp-cell", transform: `translate(${left},${top})`, "data-metric": m.key, "data-hparam": h.key });
      cell.append(svg("rect", { width: CELL_W, height: CELL_H, class: "hp-cell-frame" }));
      for (const s of o.sessions) {
        if (!o.kept.has(s.run)) continue;
        const px = xs.scale(h.read(s));
        const py = ys.scale(m.read(s));
        if (px === null || py === null) continue;
        const dot = svg("circle", { cx: px.toFixed(1), cy: (CELL_H - py).toFixed(1), r: s.run === o.selected ? 5 : 3.5, fill: runColor(s.run), class: `hp-dot${s.run === o.selected ? " hp-selected" : ""}`, "data-run": s.run }, svg("title", {}, s.run));
        dot.addEventListener("click", () => o.onSelect(s.run));
        cell.append(dot);
      }
      if (row === metrics.length - 1) {
        for (const t of xs.ticks) cell.append(svg("text", { x: t.at, y: CELL_H + 12, "text-anchor": "middle", class: "hp-tick-label" }, t.label));
        cell.append(svg("text", { x: CELL_W / 2, y: CELL_H + 25, "text-anchor": "middle", class: "hp-axis-label" }, h.label));
      }
      if (col === 0) {
        for (const t of ys.ticks) cell.append(svg("text", { x: -4, y: CELL_H - t.at + 3, "text-anchor": "end", class: "hp-tick-label" }, t.label));
        cell.append(svg("text", { x: -60, y: CELL_H / 2, "text-anchor": "middle", class: "hp-axis-label", transform: `rotate(-90 -60 ${CELL_H / 2})` }, m.label));
      }
      root.append(cell);
    });
  });
  return root;
}
