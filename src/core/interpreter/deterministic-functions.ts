/**
 * Deterministic stand-ins for the JSONata built-ins that read the clock or `Math.random`:
 * `$now()`, `$millis()`, `$random()`, `$shuffle()`, and `$toMillis()` (which fills the date parts
 * a picture leaves out from the current time). DESIGN.md §4: re-execution and replay must
 * decide exactly as the original run did, so time is the step's recorded time and randomness
 * comes from the run's seeded stream.
 *
 * They are registered on each compiled expression, which replaces the built-in in that
 * expression's scope, rather than passed as evaluation bindings (which would also shadow the
 * built-ins; a test shows both): a registered function keeps JSONata's signature checks and its
 * context argument (`stamp.$toMillis()`), and it sees the evaluation's environment. It reads the
 * step's time and random source from there, under {@link STEP_CONTEXT}, because a compiled
 * expression is shared by concurrent evaluations and nothing per step may live in a closure.
 */
import jsonata from "jsonata";
import type { RandomSource } from "./seeded-random.js";

/**
 * The binding that carries the {@link StepContext}. It contains a space, so no JSONata variable
 * can spell it: an expression can neither read nor shadow it.
 */
export const STEP_CONTEXT = "strata step";

/** What the deterministic functions read during one evaluation. */
export interface StepContext {
  now: Date;
  random: RandomSource;
}

type Focus = jsonata.Focus;

/** Replaces the clock- and random-reading built-ins of `expression` with deterministic ones. */
export function registerDeterministicFunctions(expression: jsonata.Expression): void {
  // Signatures copied from JSONata's own definitions of these functions.
  expression.registerFunction("now", now, "<s?s?:s>");
  expression.registerFunction("millis", millis, "<:n>");
  expression.registerFunction("random", random, "<:n>");
  expression.registerFunction("shuffle", shuffle, "<a:a>");
  expression.registerFunction("toMillis", toMillis, "<s-s?:n>");
}

function now(this: Focus, picture?: string, timezone?: string): unknown {
  const { now: time } = stepContext(this);
  if (picture === undefined && timezone === undefined) return time.toISOString();
  return builtin("fromMillis").then((original) =>
    original.implementation.call(this, time.getTime(), picture, timezone),
  );
}

function millis(this: Focus): number {
  return stepContext(this).now.getTime();
}

function random(this: Focus): number {
  return stepContext(this).random.next();
}

/** JSONata's own algorithm (inside-out Fisher–Yates), drawing from the run's stream. */
function shuffle(this: Focus, array: unknown[] | undefined): unknown[] | undefined {
  if (array === undefined || array.length <= 1) return array;
  const source = stepContext(this).random;
  const result = new Array<unknown>(array.length);
  for (let index = 0; index < array.length; index++) {
    const swap = Math.floor(source.next() * (index + 1));
    if (index !== swap) result[index] = result[swap];
    result[swap] = array[index];
  }
  return result;
}

async function toMillis(this: Focus, timestamp?: string, picture?: string): Promise<unknown> {
  const { now: time } = stepContext(this);
  const original = await builtin("toMillis");
  // The built-in takes missing date parts from `environment.timestamp`, the wall clock at the
  // start of the evaluation; pin it to the step's time.
  const environment = Object.create(this.environment, {
    timestamp: { value: time },
  }) as jsonata.Environment;
  return original.implementation.call({ ...this, environment }, timestamp, picture);
}

function stepContext(focus: Focus): StepContext {
  const context = focus.environment.lookup(STEP_CONTEXT) as StepContext | undefined;
  if (context === undefined) {
    throw new Error("a Strata expression was evaluated without its step context");
  }
  return context;
}

/** A JSONata built-in function as JSONata represents it. */
interface BuiltinFunction {
  implementation: (this: Focus, ...args: unknown[]) => unknown;
}

const builtins = new Map<string, Promise<BuiltinFunction>>();

/** The original built-in, reached through JSONata's public API: `$name` evaluates to it. */
function builtin(name: "fromMillis" | "toMillis"): Promise<BuiltinFunction> {
  let found = builtins.get(name);
  if (found === undefined) {
    found = jsonata(`$${name}`).evaluate(null) as Promise<BuiltinFunction>;
    builtins.set(name, found);
  }
  return found;
}
