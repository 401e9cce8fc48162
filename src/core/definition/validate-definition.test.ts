import { fileURLToPath } from "node:url";
import { describe, it, expect } from "vitest";
import { StrataError } from "../errors.js";
import { loadDefinitionFile } from "./parse-definition.js";
import { assertValidDefinition, validateDefinition } from "./validate-definition.js";
import type { DefinitionProblem } from "./validate-definition.js";

type Json = Record<string, unknown>;

/** Marks a field for removal in {@link variant}. */
const REMOVE = Symbol("remove");

/** A small valid definition, using every node type and most optional fields. */
function base(): Json {
  return {
    inputSchema: { type: "object", properties: { amount: { type: "number" } } },
    routingKey: "applicant.id",
    start: "score",
    nodes: {
      score: { type: "set", assign: { score: "amount / 10" }, next: "route" },
      route: {
        type: "switch",
        cases: [
          { when: "score > 10", next: "review" },
          { when: "score > 5", next: "notify" },
        ],
        default: "reject",
      },
      review: {
        type: "wait",
        signal: "review",
        timeout: "PT72H",
        onTimeout: "reject",
        assign: { reviewer: "$signal.by" },
        next: "notify",
      },
      notify: {
        type: "task",
        handler: "http",
        input: { url: "'https://example.com'", body: "$" },
        assign: { status: "$result.status" },
        retry: { maxAttempts: 3, initialInterval: "PT1S", backoffCoefficient: 2 },
        timeout: "PT30S",
        next: "approve",
        onError: "broken",
      },
      approve: { type: "end", output: { decision: "'approve'" } },
      reject: { type: "end", output: "{ 'decision': 'reject' }" },
      broken: { type: "fail", code: "notify_failed", message: "'could not notify'" },
    },
  };
}

/**
 * A copy of {@link base} with changes applied, keyed by dotted path (`nodes.route.cases.1.next`);
 * a value of {@link REMOVE} deletes the field.
 */
function variant(changes: Record<string, unknown>): Json {
  const def = base();
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    const last = keys.pop() ?? "";
    let target = def;
    for (const key of keys) target = target[key] as Json;
    if (value === REMOVE) delete target[last];
    else target[last] = value;
  }
  return def;
}

/** Problems as `code path` strings, for compact assertions. */
function summary(problems: readonly DefinitionProblem[]): string[] {
  return problems.map((problem) => `${problem.code} ${problem.path}`);
}

describe("validateDefinition", () => {
  it("accepts a valid definition", () => {
    expect(validateDefinition(base())).toEqual([]);
  });

  it("accepts examples/loan.yaml with zero problems", async () => {
    const path = fileURLToPath(new URL("../../../examples/loan.yaml", import.meta.url));
    const loan = await loadDefinitionFile(path);
    expect(validateDefinition(loan, { handlers: new Set() })).toEqual([]);
  });

  describe("schema", () => {
    it("reports an unknown node type once, naming the expected types", () => {
      const def = variant({
        "nodes.score": { type: "compute", assign: 5, next: "route" },
      });
      const problems = validateDefinition(def).filter((problem) => problem.code === "schema");
      expect(problems).toEqual([
        {
          path: "nodes.score.type",
          node: "score",
          field: "type",
          code: "schema",
          message: "unknown node type 'compute' (expected set, switch, task, wait, end, fail)",
        },
      ]);
    });

    it("names unknown fields and what the node allows", () => {
      const def = variant({
        "nodes.score.nxt": "route",
        "nodes.route.cases.1.then": "x",
        colour: "blue",
      });
      const problems = validateDefinition(def);
      expect(summary(problems)).toEqual([
        "schema colour",
        "schema nodes.score.nxt",
        "schema nodes.route.cases[1].then",
      ]);
      expect(problems[1]).toMatchObject({ node: "score", field: "nxt" });
      expect(problems[1]?.message).toBe(
        "unknown field 'nxt' in a set node (allowed: type, description, assign, next)",
      );
      expect(problems[2]).toMatchObject({ node: "route", field: "cases[1].then" });
    });

    it("reports missing required fields at the field", () => {
      const def = variant({
        "nodes.notify.handler": REMOVE,
        start: REMOVE,
      });
      const problems = validateDefinition(def);
      expect(problems).toContainEqual({
        path: "nodes.notify.handler",
        node: "notify",
        field: "handler",
        code: "schema",
        message: "a task node needs 'handler'",
      });
      expect(problems).toContainEqual({
        path: "start",
        field: "start",
        code: "schema",
        message: "the definition needs 'start'",
      });
    });

    it("explains durations, with a reason for months", () => {
      const def = variant({
        "nodes.review.timeout": "P1M",
        "nodes.notify.retry.initialInterval": "1 second",
      });
      const problems = validateDefinition(def);
      expect(summary(problems)).toEqual([
        "schema nodes.review.timeout",
        "schema nodes.notify.retry.initialInterval",
      ]);
      expect(problems[0]?.message).toMatch(/months or years/);
      expect(problems[1]?.message).toMatch(/'1 second' is not an ISO-8601 duration/);
      expect(problems[1]?.field).toBe("retry.initialInterval");
    });

    it("reports a wait without signal or timeout, and onTimeout without timeout", () => {
      const def = variant({
        "nodes.review.signal": REMOVE,
        "nodes.review.timeout": REMOVE,
      });
      const problems = validateDefinition(def);
      expect(problems.map((problem) => [problem.path, problem.message])).toEqual([
        ["nodes.review", "a wait node needs a 'signal', a 'timeout', or both"],
        ["nodes.review.onTimeout", "'onTimeout' is only allowed together with 'timeout'"],
      ]);
    });

    it("checks values: types, ranges, empty lists and node ids", () => {
      const def = variant({
        "nodes.notify.retry.maxAttempts": 101,
        "nodes.notify.input.body": 42,
        "nodes.route.cases": [],
        "nodes.bad id": { type: "end" },
      });
      const problems = validateDefinition(def).filter((problem) => problem.code === "schema");
      expect(problems.map((problem) => [problem.path, problem.message])).toEqual([
        ['nodes["bad id"]', expect.stringMatching(/node id 'bad id' is not valid/)],
        ["nodes.route.cases", "needs at least one case"],
        ["nodes.notify.input.body", "must be a string"],
        ["nodes.notify.retry.maxAttempts", "must be <= 100"],
      ]);
    });

    it("reports a definition that is not an object, or has no nodes", () => {
      expect(validateDefinition("start: a")).toEqual([
        { path: "", code: "schema", message: "must be an object" },
      ]);
      expect(summary(validateDefinition({ start: "a", nodes: {} }))).toEqual([
        "schema nodes",
        "missing_start start",
      ]);
    });
  });

  describe("graph", () => {
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

  describe("expressions", () => {
    it("reports every expression that does not compile, wherever it is", () => {
      const def = variant({
        routingKey: "applicant.",
        "nodes.score.assign.score": "$round(",
        "nodes.route.cases.1.when": "score >",
        "nodes.review.assign.reviewer": "",
        "nodes.notify.input": "{ 'url': }",
        "nodes.notify.assign.status": "$result.",
        "nodes.approve.output.decision": "'approve",
        "nodes.reject.output": "[",
        "nodes.broken.message": "(",
      });
      const problems = validateDefinition(def);
      expect(problems.every((problem) => problem.code === "expression_invalid")).toBe(true);
      expect(problems.map((problem) => problem.path)).toEqual([
        "routingKey",
        "nodes.score.assign.score",
        "nodes.route.cases[1].when",
        "nodes.review.assign.reviewer",
        "nodes.notify.assign.status",
        "nodes.notify.input",
        "nodes.approve.output.decision",
        "nodes.reject.output",
        "nodes.broken.message",
      ]);
      expect(problems[1]).toMatchObject({ node: "score", field: "assign.score" });
      expect(problems[1]?.message).toMatch(/does not compile: .*\(at character 7\)/);
      expect(problems[3]?.message).toBe("expression is empty");
    });
  });

  describe("input schema", () => {
    it("reports a schema Ajv cannot compile, at the faulty keyword", () => {
      const def = variant({
        inputSchema: { type: "object", properties: { amount: { type: "numbr" } } },
      });
      const problems = validateDefinition(def);
      expect(summary(problems)).toEqual([
        "input_schema_invalid inputSchema.properties.amount.type",
      ]);
      expect(problems[0]?.message).toMatch(/allowed values.*number/);
      expect(problems[0]?.field).toBe("inputSchema.properties.amount.type");
    });

    it("refuses unknown keywords (a typo would otherwise validate nothing)", () => {
      const def = variant({
        inputSchema: { type: "object", requried: ["amount"] },
      });
      const problems = validateDefinition(def);
      expect(summary(problems)).toEqual(["input_schema_invalid inputSchema"]);
      expect(problems[0]?.message).toMatch(/requried/);
    });

    it("refuses numbers JSON cannot hold", () => {
      const def = variant({
        "inputSchema.properties.amount.maximum": Infinity,
      });
      expect(summary(validateDefinition(def))).toEqual([
        "input_schema_invalid inputSchema.properties.amount.maximum",
      ]);
    });
  });

  describe("handlers", () => {
    it("checks handlers only when the registered set is given; http is built in", () => {
      const def = variant({
        "nodes.notify.handler": "sendMail",
      });
      expect(validateDefinition(def)).toEqual([]);
      expect(validateDefinition(def, { handlers: new Set(["sendMail"]) })).toEqual([]);
      expect(validateDefinition(def, { handlers: new Set(["sms"]) })).toEqual([
        {
          path: "nodes.notify.handler",
          node: "notify",
          field: "handler",
          code: "unknown_handler",
          message: "unknown handler 'sendMail' (known: http, sms); register it in code first",
        },
      ]);
      expect(validateDefinition(base(), { handlers: new Set() })).toEqual([]);
    });
  });
});

describe("assertValidDefinition", () => {
  it("returns for a valid definition", () => {
    expect(() => assertValidDefinition(base())).not.toThrow();
  });

  it("throws definition_invalid with every problem as details", () => {
    const def = variant({
      start: "begin",
      "nodes.score.assign.score": "(",
    });
    let thrown: unknown;
    try {
      assertValidDefinition(def);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StrataError);
    const error = thrown as StrataError;
    expect(error.code).toBe("definition_invalid");
    expect(error.status).toBe(422);
    expect(error.message).toBe(
      "2 problem(s) in the definition: start: start names node 'begin', which does not exist…; fix them and publish again",
    );
    expect(summary(error.details as DefinitionProblem[])).toEqual([
      "missing_start start",
      "expression_invalid nodes.score.assign.score",
    ]);
  });
});
