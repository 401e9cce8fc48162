import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { fastEvaluator } from "./fast-expression.js";

describe("fastEvaluator", () => {
  it("compiles literals, paths, arithmetic, comparisons and `in` lists; leaves the rest to JSONata", () => {
    expect(fastEvaluator("'approve'")?.({})).toEqual({ value: "approve" });
    expect(fastEvaluator("42")?.({})).toEqual({ value: 42 });
    expect(fastEvaluator("a.b")?.({ a: { b: 1 } })).toEqual({ value: 1 });
    const state = { amount: 20_000, score: 10, applicant: { country: "DE" } };
    expect(fastEvaluator("amount > 10000 and score < 50")?.(state)).toEqual({ value: true });
    expect(fastEvaluator("applicant.country in ['DE','FR','NL']")?.(state)).toEqual({
      value: true,
    });
    expect(fastEvaluator("score < 0 ? 'low' : 'ok'")?.(state)).toEqual({ value: "ok" });
    expect(fastEvaluator("a.b")?.({ a: [{ b: 1 }] })).toBeUndefined(); // arrays: JSONata decides
    expect(fastEvaluator("amount > 'x'")?.(state)).toBeUndefined(); // JSONata raises its own error
    expect(fastEvaluator("$round(a)")?.({ a: 2.5 })).toEqual({ value: 2 }); // half to even
    for (const text of [
      "$x",
      "a.b[0]",
      "$round(a, 1)",
      "$floor(a)",
      "a & b",
      "{'a': 1}",
      "a.b.$string()",
    ]) {
      expect(fastEvaluator(text), text).toBeUndefined();
    }
  });

  const name = fc.constantFrom("a", "b", "score", "n");
  // Small domains, so that equal values, boundaries and type mixes come up often.
  const literal = fc.oneof(
    fc.constantFrom("'a'", "'b'", "''"),
    fc.integer({ min: 0, max: 3 }).map(String),
    fc.constantFrom("0.5", "2.5", "1.5", "-0.5", "true", "false", "null"),
  );
  const path = fc.array(name, { minLength: 1, maxLength: 2 }).map((parts) => parts.join("."));
  const { expression } = fc.letrec((tie) => ({
    expression: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      literal,
      path,
      fc
        .tuple(
          tie("expression"),
          fc.constantFrom("+", "-", "*", "/", "%", "<", "<=", ">", ">=", "=", "!=", "and", "or"),
          tie("expression"),
        )
        .map(([l, op, r]) => `(${String(l)} ${op} ${String(r)})`),
      tie("expression").map((e) => `-(${String(e)})`),
      tie("expression").map((e) => `$round(${String(e)})`),
      fc
        .tuple(path, fc.array(literal, { maxLength: 3 }))
        .map(([p, list]) => `${p} in [${list.join(",")}]`),
      fc
        .tuple(tie("expression"), tie("expression"), tie("expression"))
        .map(([c, t, e]) => `(${String(c)} ? ${String(t)} : ${String(e)})`),
    ),
  }));
  const scalar = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -3, max: 3 }) },
    { weight: 2, arbitrary: fc.constantFrom("a", "b", "") },
    { weight: 1, arbitrary: fc.constantFrom(true, false, null, 0.5, 1e308) },
  );
  const value = fc.oneof(
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) },
    { weight: 2, arbitrary: fc.record({ a: scalar, b: scalar }, { requiredKeys: [] }) },
  );
  const state = fc.record({ a: value, b: value, score: value, n: value }, { requiredKeys: [] });

  it("agrees with JSONata on random expressions and data wherever it answers", async () => {
    await fc.assert(
      fc.asyncProperty(expression, state, async (text, data) => {
        const fast = fastEvaluator(String(text))?.(data);
        if (fast === undefined) return;
        const slow = await jsonata(String(text))
          .evaluate(data)
          .then(
            (result: unknown) => ({ result }),
            (error: unknown) => ({ error }),
          );
        expect(slow, `${String(text)} on ${JSON.stringify(data)}`).toEqual({ result: fast.value });
      }),
      { numRuns: 3000 },
    );
  });
});
