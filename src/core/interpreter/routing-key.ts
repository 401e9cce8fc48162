/**
 * The definition's `routingKey` expression (DESIGN.md §3): evaluated over a new run's input
 * when the request names no key, so one customer (say `applicant.id`) stays on one side of a
 * rollout. It sees the input as the state and as `$input`; a string result is the key, a
 * number or boolean its text, anything else (nothing, null, objects) means no key.
 */
import type { CompiledDefinition } from "./compile-definition.js";
import { evaluateValue, ExpressionFailure } from "./expressions.js";
import { createRandomSource } from "./seeded-random.js";

/**
 * The key for `input`, or null when the definition has no routing key, the result is not a
 * scalar, or the expression fails (the run then gets a random bucket, like a keyless one).
 */
export async function evaluateRoutingKey(
  compiled: CompiledDefinition,
  input: unknown,
  now: Date,
): Promise<string | null> {
  const text = compiled.definition.routingKey;
  if (text === undefined) return null;
  const state =
    typeof input === "object" && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  // A plain path (`applicant.id`) is answered directly, without JSONata's async evaluation:
  // this runs on every start during a rollout.
  const direct = compiled.fast.get(text)?.(state);
  if (direct !== undefined) return keyOf(direct.value);
  try {
    const value = await evaluateValue(
      compiled,
      text,
      state,
      {
        input,
        run: { id: "", versionId: "", versionNumber: null, kind: "production" },
        now,
        random: createRandomSource("routing-key", 0),
      },
      { node: "(definition)", field: "routingKey" },
    );
    return keyOf(value);
  } catch (thrown) {
    if (thrown instanceof ExpressionFailure) return null;
    throw thrown;
  }
}

/** A scalar as a key; anything else (nothing, null, objects, arrays) is no key. */
function keyOf(value: unknown): string | null {
  if (typeof value === "string") return value === "" ? null : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}
