import { describe, it, expect } from "vitest";
import { isMalformedNode, listNodeEdges, nodeTypeOf } from "./node-edges.js";

describe("listNodeEdges", () => {
  it("lists every edge of each node type, in field order", () => {
    const route = {
      type: "switch",
      cases: [
        { when: "a", next: "x" },
        { when: "b", next: "y" },
      ],
      default: "z",
    };
    expect(listNodeEdges(route)).toEqual([
      { field: ["cases", 0, "next"], target: "x" },
      { field: ["cases", 1, "next"], target: "y" },
      { field: ["default"], target: "z" },
    ]);
    expect(listNodeEdges({ type: "task", handler: "h", next: "a", onError: "b" })).toEqual([
      { field: ["next"], target: "a" },
      { field: ["onError"], target: "b" },
    ]);
    expect(listNodeEdges({ type: "wait", signal: "s", next: "a", onTimeout: "b" })).toEqual([
      { field: ["next"], target: "a" },
      { field: ["onTimeout"], target: "b" },
    ]);
    expect(listNodeEdges({ type: "end" })).toEqual([]);
  });

  it("ignores fields a type does not define and values that are not strings", () => {
    expect(listNodeEdges({ type: "set", next: "a", default: "b", onError: "c" })).toEqual([
      { field: ["next"], target: "a" },
    ]);
    expect(listNodeEdges({ type: "switch", cases: [null, { next: 5 }], default: 3 })).toEqual([]);
    expect(listNodeEdges({ type: "bogus", next: "a" })).toEqual([]);
    expect(listNodeEdges("set")).toEqual([]);
  });
});

describe("nodeTypeOf and isMalformedNode", () => {
  it("tell known, well-formed nodes from the rest", () => {
    expect(nodeTypeOf({ type: "wait" })).toBe("wait");
    expect(nodeTypeOf({ type: "Wait" })).toBeUndefined();
    expect(isMalformedNode({ type: "set", next: "a" })).toBe(false);
    expect(isMalformedNode({ type: "end" })).toBe(false);
    expect(isMalformedNode({ type: "set" })).toBe(true);
    expect(isMalformedNode({ type: "switch", cases: [] })).toBe(true);
    expect(isMalformedNode([])).toBe(true);
  });
});
