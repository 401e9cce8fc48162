import { describe, it, expect } from "vitest";
import { summarizeChanges } from "./summarize-changes.js";

function loan(): Record<string, unknown> {
  return {
    inputSchema: { type: "object", required: ["amount"] },
    routingKey: "applicant.id",
    start: "score",
    nodes: {
      score: { type: "set", assign: { score: "amount / 10" }, next: "route" },
      route: {
        type: "switch",
        cases: [{ when: "score > 10", next: "review" }],
        default: "reject",
      },
      review: { type: "wait", signal: "review", next: "approve" },
      approve: { type: "end", output: "'approve'" },
      reject: { type: "end", output: "'reject'" },
    },
  };
}

/** A copy of `value` with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([key, item]) => [key, reverseKeys(item)]));
}

describe("summarizeChanges", () => {
  it("says 'first version' when there is no previous version", () => {
    expect(summarizeChanges(null, loan())).toEqual(["first version"]);
  });

  it("finds nothing between identical definitions, whatever their key order", () => {
    const reordered = reverseKeys(loan());
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(loan()));
    expect(summarizeChanges(loan(), loan())).toEqual([]);
    expect(summarizeChanges(reordered, loan())).toEqual([]);
    expect(summarizeChanges(loan(), { ...loan(), name: undefined })).toEqual([]);
  });

  it("lists node additions, removals and changed fields, by sorted node id", () => {
    const next = loan();
    const nodes = next.nodes as Record<string, Record<string, unknown>>;
    delete nodes.review;
    nodes.notify = { type: "task", handler: "http", next: "approve" };
    nodes.route = {
      type: "switch",
      cases: [{ when: "score > 20", next: "notify" }],
      default: "approve",
    };
    nodes.approve = { type: "end", output: "'approve'", description: "happy path" };
    expect(summarizeChanges(loan(), next)).toEqual([
      "node changed: approve (description)",
      "node added: notify (task)",
      "node removed: review",
      "node changed: route (cases, default)",
    ]);
  });

  it("reports start, input schema and routing key changes before node changes", () => {
    const next: Record<string, unknown> = { ...loan(), start: "intake", inputSchema: {} };
    delete next.routingKey;
    (next.nodes as Record<string, unknown>).intake = { type: "set", assign: {}, next: "score" };
    expect(summarizeChanges(loan(), next)).toEqual([
      "start changed: score → intake",
      "input schema changed",
      "routing key changed",
      "node added: intake (set)",
    ]);
  });

  it("puts a type change first among a node's changed fields", () => {
    const next = loan();
    (next.nodes as Record<string, unknown>).reject = { type: "fail", message: "'no'" };
    expect(summarizeChanges(loan(), next)).toEqual([
      "node changed: reject (type, message, output)",
    ]);
  });

  it("copes with malformed definitions (drafts may be invalid)", () => {
    expect(summarizeChanges({ nodes: "oops" }, { nodes: { a: 5 } })).toEqual(["node added: a"]);
    expect(summarizeChanges(loan(), 42)).toEqual([
      "start changed: score → (none)",
      "input schema changed",
      "routing key changed",
      "node removed: approve",
      "node removed: reject",
      "node removed: review",
      "node removed: route",
      "node removed: score",
    ]);
  });
});
