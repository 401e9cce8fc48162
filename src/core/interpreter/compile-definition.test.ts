import { describe, expect, it } from "vitest";
import { isStrataError } from "../errors.js";
import type { Definition } from "../definition/definition.js";
import { compileDefinition, compiledDefinitionCache } from "./compile-definition.js";
import { loadLoanDefinition } from "./test-support/run-fixture.js";

describe("compileDefinition", () => {
  it("compiles every expression of the loan example once", async () => {
    const compiled = compileDefinition(await loadLoanDefinition());
    expect([...compiled.expressions.keys()].sort()).toEqual(
      [
        "applicant.id",
        "$round(applicant.income / 1000) - applicant.age",
        "amount > 10000 and score < 50",
        "applicant.country in ['DE','FR','NL']",
        "$signal.by",
        "'https://notify.example.com/loans'",
        "$",
        "'approve'",
        "'reject'",
        "score",
      ].sort(),
    );
  });

  it("freezes its own copy of the definition", async () => {
    const def = await loadLoanDefinition();
    const compiled = compileDefinition(def);
    expect(compiled.definition).toEqual(def);
    expect(compiled.definition).not.toBe(def);
    expect(Object.isFrozen(compiled.definition.nodes.score)).toBe(true);
  });

  it("refuses an invalid definition with definition_invalid and every problem", () => {
    const def = {
      start: "a",
      nodes: { a: { type: "set", assign: { x: "(" }, next: "nowhere" } },
    } as unknown as Definition;
    let thrown: unknown;
    try {
      compileDefinition(def);
    } catch (error) {
      thrown = error;
    }
    expect(isStrataError(thrown, "definition_invalid")).toBe(true);
    expect((thrown as { details: unknown[] }).details.length).toBeGreaterThan(1);
  });
});

describe("compiledDefinitionCache", () => {
  it("compiles a version once and drops the least recently used beyond its limit", async () => {
    const def = await loadLoanDefinition();
    const cache = compiledDefinitionCache(2);
    let compiles = 0;
    const load = () => {
      compiles++;
      return def;
    };
    const first = cache.get("v1", load);
    expect(cache.get("v1", load)).toBe(first);
    cache.get("v2", load);
    cache.get("v1", load); // v1 is now the most recently used
    cache.get("v3", load); // so v2 goes
    expect(cache.size).toBe(2);
    expect(compiles).toBe(3);
    expect(cache.get("v1", load)).toBe(first);
    cache.get("v2", load);
    expect(compiles).toBe(4);
  });

  it("refuses a limit below one", () => {
    expect(() => compiledDefinitionCache(0)).toThrow(/positive integer/);
  });
});
