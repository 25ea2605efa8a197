/**
 * The Graphs tab: one run's graph (op graph or Keras model) drawn from the server's hierarchy.
 * The page starts from the top-level scopes and asks the server for the children of a scope
 * when it is expanded (`data/graph/view` with the expanded ids), so even a 100,000-node graph
 * only ever lays out what is on screen; layouts run in a Web Worker (`layout.ts`).
 *
 * Pan by dragging, zoom with the wheel, Fit; search by name (the match is expanded to,
 * highlighted and centred); the side panel shows the selected node's op, device, attributes,
 * inputs and outputs (clickable); colours by op type, device or compute time (run metadata);
 * the view downloads as SVG or PNG.
 */
import "./graph.css";
import { el } from "../../common/dom";
import { DataError } from "../api";
import type { Panel } from "../panel";
import type { Store } from "../store";
import {
  fetchGraphs,
  fetchNode,
  fetchView,
  searchGraph,
  type GraphItem,
  type GraphNodeDetail,
  type GraphSelector,
  type GraphView,
  type RunGraphs,
} from "./api";
import type { ColorMode } from "./colors";
import { downloadPng, downloadSvg } from "./export";
import { type Layout, LayoutWorker } from "./layout";
import { markers, render, svg, SVG_NS } from "./render";

interface Transform {
  x: number;
  y: number;
  k: number;
}

export class GraphsPanel implements Panel {
  readonly root = el("section", { class: "graphs-panel", "aria-label": "Graphs" });
  private readonly runSelect = el("select", { id: "graph-run", "aria-label": "Run" });
  private readonly kindSelect = el("select", { id: "graph-kind", "aria-label": "Graph" });
  private readonly colorSelect = el("select", { id: "graph-color", "aria-label": "Colour by" });
  private readonly statsSelect = el("select", { id: "graph-stats", "aria-label": "Run metadata", hidden: true });
  private readonly searchInput = el("input", {
    type: "search",
    id: "graph-search",
    placeholder: "Search a node by name",
    autocomplete: "off",
  });
  private readonly searchResults = el("ul", { class: "graph-search-results", id: "graph-search-results", hidden: true });
  private readonly message = el("div", { class: "graph-message", role: "status" });
  private readonly status = el("span", { class: "muted graph-status", id: "graph-status" });
  private readonly side = el("aside", { class: "graph-side", id: "graph-side", "aria-label": "Selected node" });
  private readonly svgRoot: SVGSVGElement;
  private readonly scene: SVGGElement;
  private readonly viewport = el("div", { class: "graph-viewport", id: "graph-viewport" });

  private readonly worker = new LayoutWorker();
  private graphs: RunGraphs[] = [];
  private run: string | null = null;
  private kind: GraphSelector = "op";
  private colorMode: ColorMode = "op";
  private statsTag: string | null = null;
  private expanded = new Set<string>();
  private view: GraphView | null = null;
  private layout: Layout | null = null;
  private selected: string | null = null;
  private highlighted: string | null = null;
  private transform: Transform = { x: 20, y: 20, k: 1 };
  private generation = 0;
  private searchTimer: number | undefined;
  private drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
  private visibleRuns: string | null = null;

  constructor(private readonly store: Store) {
    this.svgRoot = svg("svg", { class: "graph-svg", id: "graph-svg", role: "img", "aria-label": "Model graph" });
    this.svgRoot.append(markers());
    this.scene = svg("g", { class: "graph-scene" });
    this.svgRoot.append(this.scene);
    this.viewport.append(this.svgRoot);
    for (const [value, label] of [
      ["op", "Op type"],
      ["device", "Device"],
      ["compute", "Compute time"],
    ] as const) {
      this.colorSelect.append(el("option", { value }, label));
    }
    this.runSelect.addEventListener("change", () => void this.openRun(this.runSelect.value, "op"));
    this.kindSelect.addEventListener("change", () => void this.openRun(this.run ?? "", this.kindSelect.value as GraphSelector));
    this.colorSelect.addEventListener("change", () => {
      this.colorMode = this.colorSelect.value as ColorMode;
      this.statsSelect.hidden = this.colorMode !== "compute";
      if (this.colorMode === "compute" && !this.statsTag) this.statsTag = this.statsSelect.value || null;
      void this.refreshView();
    });
    this.statsSelect.addEventListener("change", () => {
      this.statsTag = this.statsSelect.value || null;
      void this.refreshView();
    });
    this.searchInput.addEventListener("input", () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => void this.search(), 150);
    });
    this.searchInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        // Enter goes to the best hit: the pending as-you-type search would reopen the list.
        window.clearTimeout(this.searchTimer);
        void this.search(true);
      } else if (e.key === "Escape") {
        this.searchResults.hidden = true;
      }
    });
    this.searchInput.addEventListener("blur", () => {
      // After a click on a hit (which blurs the input first) has been handled.
      window.setTimeout(() => (this.searchResults.hidden = true), 200);
    });
    const toolbar = el(
      "div",
      { class: "graph-toolbar" },
      el("label", { htmlFor: "graph-run" }, "Run"),
      this.runSelect,
      el("label", { htmlFor: "graph-kind" }, "Graph"),
      this.kindSelect,
      el("label", { htmlFor: "graph-color" }, "Colour"),
      this.colorSelect,
      this.statsSelect,
      el("div", { class: "graph-search" }, this.searchInput, this.searchResults),
      el("button", { type: "button", class: "small", id: "graph-fit", onclick: () => this.fit() }, "Fit"),
      el("button", { type: "button", class: "small", id: "graph-download-svg", onclick: () => this.download("svg") }, "SVG"),
      el("button", { type: "button", class: "small", id: "graph-download-png", onclick: () => this.download("png") }, "PNG"),
      this.status,
    );
    this.root.append(toolbar, this.message, el("div", { class: "graph-main" }, this.viewport, this.side));
    this.installPanZoom();
    this.renderSide(null);
  }

  render(): void {
    // The run selection or filter changed: list the graphs of the runs now visible.
    const visible = this.store.visibleRuns().join("\n");
    if (visible !== this.visibleRuns) {
      const first = this.visibleRuns === null;
      this.visibleRuns = visible;
      if (!first) void this.refresh();
    }
  }

  async refresh(): Promise<void> {
    let graphs: RunGraphs[];
    try {
      graphs = await fetchGraphs();
    } catch (error) {
      this.showMessage(`Could not list the graphs: ${String(error)}`, true);
      return;
    }
    const visible = new Set(this.store.visibleRuns());
    graphs = graphs.filter((g) => visible.has(g.run) && (g.op || g.keras));
    const changed = JSON.stringify(graphs) !== JSON.stringify(this.graphs);
    this.graphs = graphs;
    if (!changed && this.view) return;
    this.runSelect.replaceChildren(...graphs.map((g) => el("option", { value: g.run }, g.run)));
    if (graphs.length === 0) {
      this.run = null;
      this.clearDrawing();
      this.showMessage("No run of this job holds a graph. TensorBoard graphs come from `graph_def` events (e.g. `write_graph=True`), Keras models from `tf.summary` model configs, MindSpore graphs from `SummaryRecord(network=...)`.", false);
      return;
    }
    const run = this.run && graphs.some((g) => g.run === this.run) ? this.run : graphs[0]!.run;
    const kind = this.run === run ? this.kind : "op";
    await this.openRun(run, kind, !changed || this.run !== run);
  }

  destroy(): void {
    this.generation++;
    this.worker.terminate();
    window.clearTimeout(this.searchTimer);
  }

  private async openRun(run: string, kind: GraphSelector, reset = true): Promise<void> {
    const info = this.graphs.find((g) => g.run === run);
    if (!info) return;
    if (kind === "op" && !info.op && info.keras) kind = "keras";
    const runChanged = run !== this.run || kind !== this.kind;
    this.run = run;
    this.kind = kind;
    this.runSelect.value = run;
    this.kindSelect.replaceChildren();
    if (info.op) this.kindSelect.append(el("option", { value: "op" }, info.op.kind === "mindspore" ? "MindSpore graph" : "Op graph"));
    if (info.keras) this.kindSelect.append(el("option", { value: "keras" }, "Keras model"));
    this.kindSelect.value = kind;
    this.kindSelect.disabled = this.kindSelect.options.length < 2;
    this.statsSelect.replaceChildren(...info.run_metadata.map((m) => el("option", { value: m.tag }, `${m.tag} (step ${m.step})`)));
    const computeOption = this.colorSelect.querySelector<HTMLOptionElement>('option[value="compute"]');
    if (computeOption) computeOption.disabled = info.run_metadata.length === 0;
    if (info.run_metadata.length === 0 && this.colorMode === "compute") {
      this.colorMode = "op";
      this.colorSelect.value = "op";
    }
    this.statsTag = this.colorMode === "compute" ? this.statsSelect.value || null : null;
    this.statsSelect.hidden = this.colorMode !== "compute";
    const summary = kind === "op" ? info.op : info.keras;
    if (summary?.error) {
      this.clearDrawing();
      this.showMessage(`This run's ${kind === "op" ? "graph" : "Keras model"} cannot be shown: ${summary.error}`, true);
      return;
    }
    if (runChanged || reset) {
      this.searchResults.hidden = true;
      this.searchResults.replaceChildren();
      this.expanded.clear();
      this.selected = null;
      this.highlighted = null;
      this.renderSide(null);
      this.transform = { x: 20, y: 20, k: 1 };
    }
    await this.refreshView(runChanged || reset);
  }

  private clearDrawing(): void {
    this.view = null;
    this.layout = null;
    this.scene.replaceChildren();
    this.renderSide(null);
  }

  private showMessage(text: string, error: boolean): void {
    this.message.replaceChildren();
    if (text) this.message.append(el("p", { class: error ? "banner error graph-error" : "empty-state" }, text));
  }

  /** Fetches the view for the expanded set, lays it out off the main thread, draws it. */
  private async refreshView(fitAfter = false): Promise<void> {
    if (!this.run) return;
    const generation = ++this.generation;
    const started = performance.now();
    this.status.textContent = "Loading…";
    this.root.dataset.state = "loading";
    try {
      const view = await fetchView(this.run, this.kind, this.expanded, this.colorMode === "compute" ? this.statsTag : null);
      if (generation !== this.generation) return;
      const layout = await this.worker.layout(view);
      if (generation !== this.generation) return;
      this.view = view;
      this.layout = layout;
      this.showMessage("", false);
      this.draw();
      if (fitAfter) this.fit();
      const ms = Math.round(performance.now() - started);
      const truncated = view.truncated ? " (some groups left closed: too many nodes at once)" : "";
      this.status.textContent = `${view.items.length} items of ${view.total_nodes} nodes · ${ms} ms${truncated}`;
      this.root.dataset.state = "ready";
      this.root.dataset.drawn = String(generation);
      // For bench/graphs/measure.mjs: when each view was on screen.
      performance.mark("vizjobs-graph-drawn");
    } catch (error) {
      if (generation !== this.generation) return;
      this.root.dataset.state = "error";
      this.status.textContent = "";
      const text = error instanceof DataError ? error.message : String(error);
      this.clearDrawing();
      this.showMessage(`This graph cannot be shown: ${text}`, true);
    }
  }

  private draw(): void {
    if (!this.view || !this.layout) return;
    const maxCompute = Math.max(0, ...this.view.items.map((i) => Number(i.stats?.compute_micros ?? 0)));
    render(this.scene, this.view.items, this.layout, {
      colorMode: this.colorMode,
      maxCompute,
      selected: this.selected,
      highlighted: this.highlighted,
    });
    this.applyTransform();
  }

  private item(id: string): GraphItem | undefined {
    return this.view?.items.find((i) => i.id === id);
  }

  private async onItemClick(id: string): Promise<void> {
    const item = this.item(id);
    if (!item) return;
    if (item.kind === "op") {
      await this.select(id);
      return;
    }
    // A group: open or close it; the side panel shows what it holds.
    if (item.expanded) {
      this.expanded.delete(id);
      for (const other of [...this.expanded]) if (!this.view?.items.some((i) => i.id === other)) this.expanded.delete(other);
    } else {
      this.expanded.add(id);
    }
    this.selected = id;
    this.renderSide(null, item);
    await this.refreshView();
    // Keep the group that was clicked in view: it grew (or shrank) around its corner.
    if (!item.expanded) this.centreOn(id, false);
  }

  private async select(id: string): Promise<void> {
    if (!this.run) return;
    this.selected = id;
    this.draw();
    try {
      const detail = await fetchNode(this.run, this.kind, id, this.colorMode === "compute" ? this.statsTag : null);
      if (this.selected === id) this.renderSide(detail);
    } catch (error) {
      this.side.replaceChildren(el("p", { class: "muted" }, `Cannot show this node: ${String(error)}`));
    }
  }

  /** Expands the groups holding a node, selects it, centres on it. */
  async reveal(id: string, path: string[]): Promise<void> {
    for (const group of path) this.expanded.add(group);
    this.highlighted = id;
    await this.refreshView();
    await this.select(id);
    this.centreOn(id);
  }

  private async revealById(id: string): Promise<void> {
    if (!this.run) return;
    try {
      const detail = await fetchNode(this.run, this.kind, id, null);
      await this.reveal(detail.id, detail.path);
    } catch (error) {
      this.status.textContent = `Cannot find ${id}: ${String(error)}`;
    }
  }

  private async search(pickFirst = false): Promise<void> {
    const q = this.searchInput.value.trim();
    if (!this.run || !q) {
      this.searchResults.hidden = true;
      return;
    }
    const started = performance.now();
    try {
      const found = await searchGraph(this.run, this.kind, q);
      if (q !== this.searchInput.value.trim()) return;
      this.root.dataset.searchMs = String(Math.round(performance.now() - started));
      this.searchResults.replaceChildren(
        ...found.hits.map((hit) =>
          el(
            "li",
            {},
            el(
              "button",
              {
                type: "button",
                class: "link graph-hit",
                onclick: () => {
                  this.searchResults.hidden = true;
                  void this.reveal(hit.id, hit.path);
                },
              },
              el("span", { class: "graph-hit-name" }, hit.name),
              el("span", { class: "muted" }, ` ${hit.op}`),
            ),
          ),
        ),
      );
      if (found.hits.length === 0) this.searchResults.append(el("li", { class: "muted" }, "No node matches"));
      else if (found.total > found.hits.length) {
        this.searchResults.append(el("li", { class: "muted" }, `${found.total - found.hits.length} more…`));
      }
      this.searchResults.hidden = false;
      const first = found.hits[0];
      if (pickFirst && first) {
        this.searchResults.hidden = true;
        await this.reveal(first.id, first.path);
      }
    } catch (error) {
      this.searchResults.replaceChildren(el("li", { class: "muted" }, String(error)));
      this.searchResults.hidden = false;
    }
  }

  private nodeLink(id: string | null | undefined, label: string): HTMLElement {
    if (!id) return el("span", { class: "graph-missing", title: "names no node of the graph" }, `${label} (missing)`);
    return el("button", { type: "button", class: "link graph-link", onclick: () => void this.revealById(id) }, label);
  }

  private renderSide(detail: GraphNodeDetail | null, group?: GraphItem): void {
    if (group) {
      this.side.replaceChildren(
        el("h3", {}, group.label),
        el("dl", {}, ...pairs([
          ["Kind", group.kind],
          ["Nodes", String(group.node_count)],
          ["Direct children", String(group.child_count)],
          ["Most frequent op", group.op],
          ["Device", group.device || "—"],
        ])),
      );
      return;
    }
    if (!detail) {
      this.side.replaceChildren(el("p", { class: "muted" }, "Click a node to see its attributes, inputs and outputs; click a group to open or close it."));
      return;
    }
    const attrs = Object.entries(detail.attrs).map(([k, v]) => [k, String(v)] as [string, string]);
    const stats = detail.stats
      ? [
          ["Compute time", `${Number(detail.stats.compute_micros).toLocaleString()} µs`] as [string, string],
          ["Memory", `${detail.stats.memory_bytes.toLocaleString()} bytes`] as [string, string],
        ]
      : [];
    this.side.replaceChildren(
      el("h3", { class: "graph-side-name" }, detail.name),
      el("dl", {}, ...pairs([["Op", detail.op], ["Device", detail.device || "—"], ...(detail.scope ? [["Scope", detail.scope] as [string, string]] : []), ["Output shapes", detail.output_shapes.join(" ") || "—"], ...stats])),
      el("h4", {}, `Inputs (${detail.inputs.length})`),
      el(
        "ul",
        { class: "graph-inputs" },
        ...detail.inputs.map((i) =>
          el("li", {}, this.nodeLink(i.source, i.input), i.control ? el("span", { class: "muted" }, " control") : null, i.shape ? el("span", { class: "muted" }, ` ${i.shape}`) : null),
        ),
      ),
      el("h4", {}, `Outputs (${detail.outputs.length})`),
      el(
        "ul",
        { class: "graph-outputs" },
        ...detail.outputs.map((o) => el("li", {}, this.nodeLink(o.id, o.name), o.control ? el("span", { class: "muted" }, " control") : null)),
      ),
      el("h4", {}, `Attributes (${attrs.length})`),
      el("dl", { class: "graph-attrs" }, ...pairs(attrs)),
    );
  }

  // ---- pan, zoom, fit

  private applyTransform(): void {
    const { x, y, k } = this.transform;
    this.scene.setAttribute("transform", `translate(${x},${y}) scale(${k})`);
  }

  private installPanZoom(): void {
    this.svgRoot.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const rect = this.svgRoot.getBoundingClientRect();
        const px = e.clientX - rect.left;
        const py = e.clientY - rect.top;
        const factor = Math.exp(-e.deltaY * 0.0015);
        const k = Math.min(4, Math.max(0.02, this.transform.k * factor));
        const ratio = k / this.transform.k;
        this.transform = { k, x: px - (px - this.transform.x) * ratio, y: py - (py - this.transform.y) * ratio };
        this.applyTransform();
      },
      { passive: false },
    );
    this.svgRoot.addEventListener("pointerdown", (e) => {
      this.drag = { x: e.clientX, y: e.clientY, tx: this.transform.x, ty: this.transform.y, moved: false };
    });
    this.svgRoot.addEventListener("pointermove", (e) => {
      if (!this.drag) return;
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (!this.drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!this.drag.moved) this.svgRoot.setPointerCapture(e.pointerId);
      this.drag.moved = true;
      this.transform = { ...this.transform, x: this.drag.tx + dx, y: this.drag.ty + dy };
      this.applyTransform();
    });
    this.svgRoot.addEventListener("pointerup", (e) => {
      const drag = this.drag;
      this.drag = null;
      if (drag?.moved) return;
      const target = (e.target as Element).closest?.("[data-id]");
      const id = target?.getAttribute("data-id");
      if (id) void this.onItemClick(id);
    });
  }

  fit(): void {
    if (!this.layout) return;
    const rect = this.svgRoot.getBoundingClientRect();
    const width = Math.max(1, this.layout.width);
    const height = Math.max(1, this.layout.height);
    const k = Math.min(2, Math.max(0.02, Math.min((rect.width - 40) / width, (rect.height - 40) / height)));
    this.transform = { k, x: (rect.width - width * k) / 2, y: Math.max(20, (rect.height - height * k) / 2) };
    this.applyTransform();
  }

  private centreOn(id: string, zoomIn = true): void {
    const box = this.layout?.boxes.get(id);
    if (!box) return;
    const rect = this.svgRoot.getBoundingClientRect();
    const k = zoomIn ? Math.max(this.transform.k, 0.8) : this.transform.k;
    // Centred, or for a box larger than the viewport, its top left corner near the top left.
    const x = box.width * k > rect.width ? 20 - box.x * k : rect.width / 2 - (box.x + box.width / 2) * k;
    const y = box.height * k > rect.height ? 20 - box.y * k : rect.height / 2 - (box.y + box.height / 2) * k;
    this.transform = { k, x, y };
    this.applyTransform();
  }

  private download(format: "svg" | "png"): void {
    if (!this.layout) return;
    const name = `${this.run ?? "graph"}-${this.kind}`.replace(/[^\w.-]+/g, "_");
    const clone = this.svgRoot.cloneNode(true) as SVGSVGElement;
    const scene = clone.querySelector("g.graph-scene");
    const pad = 20;
    scene?.setAttribute("transform", `translate(${pad},${pad})`);
    const width = Math.ceil(this.layout.width + 2 * pad);
    const height = Math.ceil(this.layout.height + 2 * pad);
    clone.setAttribute("xmlns", SVG_NS);
    clone.setAttribute("width", String(width));
    clone.setAttribute("height", String(height));
    clone.setAttribute("viewBox", `0 0 ${width} ${height}`);
    clone.removeAttribute("class");
    clone.insertBefore(svg("rect", { width, height, fill: "#ffffff" }), clone.firstChild);
    if (format === "svg") downloadSvg(clone, `${name}.svg`);
    else void downloadPng(clone, width, height, `${name}.png`);
  }
}

function pairs(entries: [string, string][]): HTMLElement[] {
  return entries.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]);
}
