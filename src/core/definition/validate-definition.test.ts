import { fileURLToPath } from "node:url";
import { describe, it, expect } from "vitest";
import { StrataError } from "../errors.js";
import { loadDefinitionFile } from "./parse-definition.js";
import { assertValidDefinition, validateDefinition } from "./validate-definition.js";
import type { DefinitionProblem } from "./validate-definition.js";
import { REMOVE, base, summary, variant } from "./test-support/definition-fixture.js";

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
