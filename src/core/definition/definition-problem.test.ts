import { describe, it, expect } from "vitest";
import { formatPath, pointerSegments, problemAt, valueAt } from "./definition-problem.js";

describe("formatPath", () => {
  it("writes keys with dots, indexes in brackets and odd keys quoted", () => {
    expect(formatPath(["nodes", "route", "cases", 1, "when"])).toBe("nodes.route.cases[1].when");
    expect(formatPath(["nodes", "notify-user", "next"])).toBe("nodes.notify-user.next");
    expect(formatPath(["nodes", "a b", "assign", "x.y"])).toBe('nodes["a b"].assign["x.y"]');
    expect(formatPath([])).toBe("");
  });
});

describe("problemAt", () => {
  it("derives the node and the field within it", () => {
    expect(problemAt(["nodes", "route", "cases", 0, "next"], "unknown_node", "m")).toEqual({
      path: "nodes.route.cases[0].next",
      node: "route",
      field: "cases[0].next",
      code: "unknown_node",
      message: "m",
    });
    expect(problemAt(["nodes", "route"], "unreachable", "m")).toEqual({
      path: "nodes.route",
      node: "route",
      code: "unreachable",
      message: "m",
    });
    expect(problemAt(["start"], "missing_start", "m")).toEqual({
      path: "start",
      field: "start",
      code: "missing_start",
      message: "m",
    });
  });
});

describe("pointerSegments", () => {
  it("decodes RFC 6901 escapes and makes indexes numbers only inside arrays", () => {
    const data = { a: [{ "1": { "x/y": { "~": true } } }] };
    expect(pointerSegments("/a/0/1/x~1y/~0", data)).toEqual(["a", 0, "1", "x/y", "~"]);
    expect(valueAt(data, ["a", 0, "1", "x/y", "~"])).toBe(true);
    expect(valueAt(data, ["a", "constructor"])).toBeUndefined();
  });
});
