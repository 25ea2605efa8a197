import { describe, expect, it } from "vitest";
import type { GraphItem, GraphView } from "./api";
import { fromElk, toElk } from "./layout";

function item(id: string, parent: string | null, expanded = false): GraphItem {
  return {
    child_count: 0,
    dangling_inputs: [],
    device: "",
    expanded,
    id,
    kind: id.startsWith("o:") ? "op" : "scope",
    label: id.slice(2),
    node_count: 1,
    op: "Op",
    output_shape: null,
    parent,
    stats: null,
  };
}

const view: GraphView = {
  kind: "tensorboard",
  total_nodes: 4,
  truncated: false,
  items: [item("g:a", null, true), item("o:in", null), item("o:a/x", "g:a"), item("o:a/y", "g:a")],
  edges: [
    { source: "o:a/x", target: "o:a/y", control: false, count: 1, shape: null },
    { source: "o:in", target: "o:a/x", control: true, count: 1, shape: null },
  ],
};

describe("toElk", () => {
  it("nests expanded groups and routes an edge in the container of both ends", () => {
    const { graph } = toElk(view);
    const a = graph.children?.find((c) => c.id === "g:a");
    expect(a?.children?.map((c) => c.id)).toEqual(["o:a/x", "o:a/y"]);
    expect(a?.edges?.map((e) => e.id)).toEqual(["e0"]);
  });

  it("lifts an edge crossing a group border to the children of the common container", () => {
    const { graph } = toElk(view);
    expect(graph.edges).toEqual([{ id: "l1", sources: ["o:in"], targets: ["g:a"] }]);
  });
});

describe("fromElk", () => {
  it("draws an edge ELK did not route from the source's bottom to the target's top", () => {
    const laidOut = {
      id: "__root__",
      width: 300,
      height: 300,
      children: [
        { id: "o:in", x: 0, y: 0, width: 40, height: 20 },
        { id: "g:a", x: 0, y: 100, width: 200, height: 150, children: [{ id: "o:a/x", x: 10, y: 140, width: 40, height: 20 }] },
      ],
      edges: [],
    };
    const layout = fromElk(laidOut, [view.edges[1]!]);
    expect(layout.boxes.get("o:a/x")).toEqual({ x: 10, y: 140, width: 40, height: 20 });
    expect(layout.edges[0]?.points[0]).toEqual({ x: 20, y: 20 });
    expect(layout.edges[0]?.points.at(-1)).toEqual({ x: 30, y: 140 });
  });
});
