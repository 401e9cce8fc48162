/**
 * For the backtest bench: a compiled definition whose expressions add the time they take to a
 * counter, to report the share of replay time spent evaluating expressions. Replays run one
 * after another in a worker, so the time between an evaluation's start and its end is its own.
 */
import type jsonata from "jsonata";
import type { CompiledDefinition } from "../core/interpreter/compile-definition.js";
import type { FastEvaluator } from "../core/interpreter/fast-expression.js";

/** A copy of `compiled` whose expression evaluations add their nanoseconds to `timing.ns`. */
export function instrumentExpressions(
  compiled: CompiledDefinition,
  timing: { ns: number },
): CompiledDefinition {
  const expressions = new Map<string, jsonata.Expression>();
  for (const [text, expression] of compiled.expressions) {
    const timed = Object.create(expression) as jsonata.Expression;
    const evaluate = async (input: unknown, bindings?: Record<string, unknown>) => {
      const start = process.hrtime.bigint();
      try {
        return (await expression.evaluate(input, bindings)) as unknown;
      } finally {
        timing.ns += Number(process.hrtime.bigint() - start);
      }
    };
    timed.evaluate = evaluate as jsonata.Expression["evaluate"];
    expressions.set(text, timed);
  }
  const fast = new Map<string, FastEvaluator>();
  for (const [text, evaluator] of compiled.fast) {
    fast.set(text, (state) => {
      const start = process.hrtime.bigint();
      try {
        return evaluator(state);
      } finally {
        timing.ns += Number(process.hrtime.bigint() - start);
      }
    });
  }
  return { definition: compiled.definition, expressions, fast };
}
