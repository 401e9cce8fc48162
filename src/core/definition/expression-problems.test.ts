import { describe, it, expect } from "vitest";
import { validateDefinition } from "./validate-definition.js";
import { formatPath } from "./definition-problem.js";
import { expressionError, listExpressions } from "./expression-problems.js";
import { base, variant } from "./test-support/definition-fixture.js";

describe("validateDefinition: expressions", () => {
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

describe("listExpressions and expressionError", () => {
  it("finds every expression of a definition, with its path", () => {
    const sites = listExpressions(base()).map((site) => formatPath(site.path));
    expect(sites).toEqual([
      "routingKey",
      "nodes.score.assign.score",
      "nodes.route.cases[0].when",
      "nodes.route.cases[1].when",
      "nodes.review.assign.reviewer",
      "nodes.notify.assign.status",
      "nodes.notify.input.url",
      "nodes.notify.input.body",
      "nodes.approve.output.decision",
      "nodes.reject.output",
      "nodes.broken.message",
    ]);
  });

  it("accepts valid JSONata and explains the rest", () => {
    expect(expressionError("$round(applicant.income / 1000) - applicant.age")).toBeUndefined();
    expect(expressionError("applicant.country in ['DE','FR','NL']")).toBeUndefined();
    expect(expressionError("   ")).toBe("expression is empty");
    expect(expressionError("a +")).toBe(
      "expression does not compile: Unexpected end of expression (at character 3)",
    );
  });
});
