import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import type { CompiledDefinition } from "./compile-definition.js";
import {
  evaluateCondition,
  evaluateExpression,
  evaluateMap,
  evaluateShape,
} from "./expressions.js";
import { ExpressionFailure } from "./expressions.js";
import type { ExpressionContext } from "./expressions.js";
import { createRandomSource, randomAt, seedFromRunId } from "./seeded-random.js";
import { RUN, T0, compile } from "./test-support/run-fixture.js";

/** A definition whose only purpose is to hold `texts` as compiled expressions. */
function compileExpressions(...texts: string[]): CompiledDefinition {
  const assign = Object.fromEntries(texts.map((text, index) => [`e${index}`, text]));
  return compile({
    start: "hold",
    nodes: { hold: { type: "set", assign, next: "done" }, done: { type: "end" } },
  });
}

function context(extra: Partial<ExpressionContext> = {}): ExpressionContext {
  return {
    input: { original: true },
    run: RUN,
    now: new Date(T0),
    random: createRandomSource(RUN.id, 0),
    ...extra,
  };
}

const site = { node: "hold", field: "assign.e0" };

async function evaluate(text: string, state = {}, extra: Partial<ExpressionContext> = {}) {
  return evaluateExpression(compileExpressions(text), text, state, context(extra), site);
}

describe("JSONata itself", () => {
  it("lets evaluation bindings shadow its built-ins", async () => {
    const expression = jsonata("[$now(), $millis(), $random()]");
    const bindings = { now: () => "then", millis: () => 7, random: () => 0.25 };
    expect(await expression.evaluate({}, bindings)).toEqual(["then", 7, 0.25]);
  });
});

describe("bindings", () => {
  it("reads the state as $ and binds $input and $run", async () => {
    const text = "{ 'a': a, 'whole': $, 'input': $input, 'run': $run }";
    expect(await evaluate(text, { a: 1 })).toEqual({
      a: 1,
      whole: { a: 1 },
      input: { original: true },
      run: RUN,
    });
  });

  it("binds $result, $signal and $error where given", async () => {
    const text = "[$result.ok, $signal.by, $error.message]";
    const error = { node: "t", message: "down", attempts: 2 };
    const value = await evaluate(text, {}, { result: { ok: 1 }, signal: { by: "ana" }, error });
    expect(value).toEqual([1, "ana", "down"]);
  });

  it("leaves JSONata's $error() working where no task error is bound", async () => {
    const failure = await evaluate("$error('stop here')").catch((thrown: unknown) => thrown);
    expect(failure).toBeInstanceOf(ExpressionFailure);
    expect((failure as ExpressionFailure).failure.message).toContain("stop here");
  });
});

describe("deterministic built-ins", () => {
  it("pins $now() and $millis() to the step's time, in lambdas and $eval too", async () => {
    const text = "[$now(), $millis(), (function() { $now() })(), $eval('$millis()')]";
    expect(await evaluate(text)).toEqual([T0, Date.parse(T0), T0, Date.parse(T0)]);
  });

  it("formats $now() with a picture and a timezone", async () => {
    expect(await evaluate("$now('[Y0001]-[M01]-[D01] [H01]:[m01]', '+0200')")).toBe(
      "2024-03-01 14:00",
    );
  });

  it("fills the date parts a $toMillis picture leaves out from the step's time", async () => {
    expect(await evaluate("$toMillis('09:30', '[H01]:[m01]')")).toBe(
      Date.parse("2024-03-01T09:30:00Z"),
    );
    expect(await evaluate("('2020-01-02T00:00:00Z').$toMillis()")).toBe(Date.parse("2020-01-02"));
  });

  it("draws $random() from the run's seeded stream, counting draws", async () => {
    const random = createRandomSource(RUN.id, 5);
    const seed = seedFromRunId(RUN.id);
    expect(await evaluate("[$random(), $random()]", {}, { random })).toEqual([
      randomAt(seed, 5),
      randomAt(seed, 6),
    ]);
    expect(random.counter).toBe(7);
  });

  it("shuffles with the seeded stream", async () => {
    const text = "$shuffle([1, 2, 3, 4, 5, 6])";
    const first = await evaluate(text, {}, { random: createRandomSource(RUN.id, 0) });
    const again = await evaluate(text, {}, { random: createRandomSource(RUN.id, 0) });
    expect(again).toEqual(first);
    expect([...(first as number[])].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("keeps concurrent evaluations of one expression apart", async () => {
    const text = "($wait := $sum([1..1000]); $now())";
    const compiled = compileExpressions(text);
    const times = ["2020-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z", T0];
    const results = await Promise.all(
      times.map((time) =>
        evaluateExpression(compiled, text, {}, context({ now: new Date(time) }), site),
      ),
    );
    expect(results).toEqual(times);
  });

  it("still checks signatures", async () => {
    await expect(evaluate("$now(1)")).rejects.toThrow(/does not match function signature/);
  });
});

describe("failures", () => {
  it("become expression_failed with node, field and JSONata's message", async () => {
    const failure = await evaluate("nothing()").catch((thrown: unknown) => thrown);
    expect(failure).toBeInstanceOf(ExpressionFailure);
    expect((failure as ExpressionFailure).failure).toEqual({
      code: "expression_failed",
      message:
        "the expression of node 'hold', field 'assign.e0' failed: " +
        "Attempted to invoke a non-function (T1006 at character 8)",
      node: "hold",
      details: { field: "assign.e0", expression: "nothing()", jsonataCode: "T1006", position: 8 },
    });
  });
});

describe("evaluateCondition", () => {
  it("uses JSONata truthiness", async () => {
    const text = "items[price > 10]";
    const compiled = compileExpressions(text);
    const holds = (items: unknown[]) =>
      evaluateCondition(compiled, text, { items }, context(), site);
    expect(await holds([{ price: 5 }, { price: 20 }])).toBe(true);
    expect(await holds([{ price: 5 }])).toBe(false);
  });
});

describe("evaluateMap and evaluateShape", () => {
  it("evaluates a map in key order, whatever order it was written in", async () => {
    const compiled = compileExpressions("$random()");
    const map = { z: "$random()", a: "$random()" };
    const values = await evaluateMap(compiled, map, {}, context(), { node: "n", field: "assign" });
    const seed = seedFromRunId(RUN.id);
    expect(values).toEqual({ a: randomAt(seed, 0), z: randomAt(seed, 1) });
    expect(Object.keys(values)).toEqual(["a", "z"]);
  });

  it("shapes a single value, a map without its empty members, or the whole state", async () => {
    const compiled = compileExpressions("a", "missing");
    const state = { a: 1, b: [2] };
    const shape = (spec: string | Record<string, string> | undefined) =>
      evaluateShape(compiled, spec, state, context(), { node: "n", field: "output" });
    expect(await shape("a")).toBe(1);
    expect(await shape({ x: "a", y: "missing" })).toEqual({ x: 1 });
    const whole = await shape(undefined);
    expect(whole).toEqual(state);
    expect((whole as typeof state).b).not.toBe(state.b);
  });
});
