/** The structural diff: fields, nodes per leaf, edges rewired, input-schema changes. */
import { describe, expect, it } from "vitest";
import { base as definitionFixture } from "./test-support/definition-fixture.js";
import { diffDefinitions } from "./diff-definitions.js";

describe("diffDefinitions", () => {
  it("finds nothing between a definition and itself", () => {
    const def = definitionFixture();
    expect(diffDefinitions(def, structuredClone(def))).toMatchObject({
      identical: true,
      fields: [],
      nodes: { added: [], removed: [], changed: [] },
      edges: [],
      inputSchema: [],
    });
  });

  it("lists node changes down to the leaf, added and removed nodes, and rewired edges", () => {
    const before = {
      start: "score",
      routingKey: "applicant.id",
      nodes: {
        score: { type: "set", assign: { score: "income / 1000" }, next: "route" },
        route: {
          type: "switch",
          cases: [{ when: "score > 50", next: "approve" }],
          default: "reject",
        },
        approve: { type: "end", output: { ok: "true" } },
        reject: { type: "end", output: { ok: "false" } },
      },
    };
    const after = {
      start: "score",
      routingKey: "applicant.email",
      nodes: {
        score: { type: "set", assign: { score: "income / 2000" }, next: "route" },
        route: {
          type: "switch",
          cases: [{ when: "score > 60", next: "review" }],
          default: "reject",
        },
        review: { type: "wait", signal: "review", next: "approve" },
        approve: { type: "end", output: { ok: "true" } },
        reject: { type: "end", output: { ok: "false" } },
      },
    };
    const diff = diffDefinitions(before, after);
    expect(diff.identical).toBe(false);
    expect(diff.fields).toEqual([
      { field: "routingKey", before: "applicant.id", after: "applicant.email" },
    ]);
    expect(diff.nodes.added).toEqual([{ id: "review", type: "wait" }]);
    expect(diff.nodes.removed).toEqual([]);
    expect(diff.nodes.changed).toEqual([
      {
        id: "route",
        type: "switch",
        fields: [
          { field: "cases[0].next", before: "approve", after: "review" },
          { field: "cases[0].when", before: "score > 50", after: "score > 60" },
        ],
      },
      {
        id: "score",
        type: "set",
        fields: [{ field: "assign.score", before: "income / 1000", after: "income / 2000" }],
      },
    ]);
    expect(diff.edges).toEqual([
      { from: "review", field: "next", before: null, after: "approve" },
      { from: "route", field: "cases[0].next", before: "approve", after: "review" },
    ]);
  });

  it("reports input-schema changes with what each breaks", () => {
    const before = { start: "a", nodes: {}, inputSchema: { type: "object", properties: {} } };
    const after = {
      start: "a",
      nodes: {},
      inputSchema: {
        type: "object",
        required: ["id"],
        properties: { id: { type: "string" } },
      },
    };
    expect(diffDefinitions(before, after).inputSchema).toMatchObject([
      { path: "/id", kind: "required_property_added", breaksBackward: true, breaksForward: false },
    ]);
  });

  it("reads malformed drafts without throwing", () => {
    expect(diffDefinitions({ nodes: "oops" }, { nodes: { a: 1 } }).nodes.added).toEqual([
      { id: "a", type: null },
    ]);
  });
});
