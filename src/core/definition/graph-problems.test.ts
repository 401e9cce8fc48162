import { describe, it, expect } from "vitest";
import { validateDefinition } from "./validate-definition.js";
import { summary, variant } from "./test-support/definition-fixture.js";

describe("validateDefinition: graph", () => {
  it("reports every edge to a missing node, with its field", () => {
    const def = variant({
      "nodes.score.next": "rout",
      "nodes.route.cases.1.next": "nofity",
      "nodes.route.default": "nope",
      "nodes.review.onTimeout": "gone",
      "nodes.notify.onError": "missing",
    });
    const problems = validateDefinition(def).filter((problem) => problem.code === "unknown_node");
    expect(summary(problems)).toEqual([
      "unknown_node nodes.score.next",
      "unknown_node nodes.route.cases[1].next",
      "unknown_node nodes.route.default",
      "unknown_node nodes.review.onTimeout",
      "unknown_node nodes.notify.onError",
    ]);
    expect(problems[1]).toMatchObject({
      node: "route",
      field: "cases[1].next",
      message: "'cases.next' names node 'nofity', which does not exist",
    });
  });

  it("reports a start that names no node", () => {
    const def = variant({
      start: "begin",
    });
    expect(validateDefinition(def)).toEqual([
      {
        path: "start",
        field: "start",
        code: "missing_start",
        message: "start names node 'begin', which does not exist",
      },
    ]);
  });

  it("reports nodes unreachable from start", () => {
    const def = variant({
      "nodes.orphan": { type: "end" },
      "nodes.route.cases": [{ when: "score > 5", next: "notify" }],
    });
    expect(validateDefinition(def)).toEqual([
      expect.objectContaining({ path: "nodes.review", node: "review", code: "unreachable" }),
      expect.objectContaining({ path: "nodes.orphan", node: "orphan", code: "unreachable" }),
    ]);
  });

  it("reports nodes from which no end or fail is reachable, allowing loops with an exit", () => {
    const def = variant({
      "nodes.route.default": "spin",
      "nodes.spin": { type: "set", assign: {}, next: "spin2" },
      "nodes.spin2": { type: "set", assign: {}, next: "spin" },
      // A loop with a way out is fine.
      "nodes.score.next": "retryLoop",
      "nodes.retryLoop": {
        type: "switch",
        cases: [{ when: "score > 0", next: "route" }],
        default: "retryLoop",
      },
    });
    const problems = validateDefinition(def);
    expect(summary(problems)).toEqual([
      "no_terminal_path nodes.spin",
      "no_terminal_path nodes.spin2",
    ]);
    expect(problems[0]?.node).toBe("spin");
    expect(problems[0]?.message).toMatch(/end or fail/);
  });

  it("still checks the well-formed part of a graph around a malformed node", () => {
    const def = variant({
      "nodes.route": { type: "swich", cases: "all", default: "reject" },
      "nodes.approve.output": "'unclosed",
      "nodes.orphan": { type: "set", assign: {}, next: "nowhere" },
    });
    const problems = validateDefinition(def);
    expect(summary(problems)).toEqual([
      "schema nodes.route.type",
      "unknown_node nodes.orphan.next",
      // review, notify, approve, reject and broken hang off the malformed switch.
      "unreachable nodes.review",
      "unreachable nodes.notify",
      "unreachable nodes.approve",
      "unreachable nodes.reject",
      "unreachable nodes.broken",
      "unreachable nodes.orphan",
      "expression_invalid nodes.approve.output",
    ]);
  });
});
