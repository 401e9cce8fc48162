import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { fastEvaluator } from "./fast-expression.js";

describe("fastEvaluator", () => {
  it("takes literals and plain paths, and leaves everything else to JSONata", () => {
    expect(fastEvaluator("'approve'")?.({})).toEqual({ value: "approve" });
    expect(fastEvaluator("42")?.({})).toEqual({ value: 42 });
    expect(fastEvaluator("true")?.({})).toEqual({ value: true });
    expect(fastEvaluator("a.b")?.({ a: { b: 1 } })).toEqual({ value: 1 });
    expect(fastEvaluator("a.b")?.({ a: [{ b: 1 }] })).toBeUndefined(); // arrays: JSONata decides
    for (const text of ["a + 1", "$x", "a.b[0]", "amount > 10", "in", "'it\\'s'"]) {
      expect(fastEvaluator(text), text).toBeUndefined();
    }
  });

  it("agrees with JSONata on random data wherever it answers", async () => {
    const name = fc.constantFrom("a", "b", "score", "applicant", "id", "x_1");
    const json = fc.jsonValue({ maxDepth: 3 });
    const state = fc.dictionary(name, fc.oneof(json, fc.dictionary(name, json)));
    const path = fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("."));
    const literal = fc.oneof(
      fc
        .string()
        .filter((s) => !/['\\]/.test(s))
        .map((s) => `'${s}'`),
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.constantFrom("true", "false", "null"),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(path, literal), state, async (text, data) => {
        const fast = fastEvaluator(text)?.(data);
        if (fast === undefined) return;
        const slow: unknown = await jsonata(text).evaluate(data);
        expect(fast.value).toEqual(slow);
      }),
      { numRuns: 2000 },
    );
  });
});
