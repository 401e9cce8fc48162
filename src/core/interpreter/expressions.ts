/**
 * Evaluating a definition's expressions for a run (DESIGN.md §4). An expression reads the
 * run's state as its input (`$`), with `$input`, `$run`, and where they apply `$result`,
 * `$signal` and `$error` bound; `$now()`, `$millis()`, `$random()`, `$shuffle()` and
 * `$toMillis()` are the deterministic versions of `deterministic-functions.ts`.
 *
 * An expression that throws does not throw out of the interpreter: it becomes an
 * {@link ExpressionFailure}, which the interpreter records as the run's failure
 * (`expression_failed`), because a bad expression is a fact about the run, not a crash.
 */
import { coerceError } from "../errors.js";
import type { ExpressionMap, NodeId } from "../definition/definition.js";
import type { CompiledDefinition } from "./compile-definition.js";
import { compiledExpression } from "./compile-definition.js";
import { STEP_CONTEXT } from "./deterministic-functions.js";
import type { StepContext } from "./deterministic-functions.js";
import { setOwn, toJsonValue } from "./json-value.js";
import type { RunInfo } from "./run-event.js";
import type { HandledTaskError, RunFailure } from "./run-snapshot.js";
import { RUN_FAILURE_CODES } from "./run-snapshot.js";
import type { RandomSource } from "./seeded-random.js";
import { toBoolean } from "./to-boolean.js";

/** What an expression can see besides the state. */
export interface ExpressionContext {
  /** The run's original input, `$input`. */
  input: unknown;
  /** `$run`: the run's id, version and kind. */
  run: RunInfo;
  /** The step's time, for `$now()` and `$millis()`. */
  now: Date;
  /** The run's random stream, for `$random()` and `$shuffle()`. */
  random: RandomSource;
  /** `$result`, in a task's `assign`. */
  result?: unknown;
  /** `$signal`, in a wait's `assign`. */
  signal?: unknown;
  /** `$error`, after a task failure was routed to `onError`. */
  error?: HandledTaskError;
}

/** Where an expression is written: its node and field (`assign.score`, `cases[0].when`). */
export interface ExpressionSite {
  node: NodeId;
  field: string;
}

/** An expression threw; `failure` is the run failure to record. */
export class ExpressionFailure extends Error {
  override readonly name = "ExpressionFailure";
  readonly failure: RunFailure;

  constructor(failure: RunFailure, cause: unknown) {
    super(failure.message, { cause });
    this.failure = failure;
  }
}

/** The raw result of `text` over `state`; throws {@link ExpressionFailure}. */
export async function evaluateExpression(
  compiled: CompiledDefinition,
  text: string,
  state: Record<string, unknown>,
  context: ExpressionContext | (() => ExpressionContext),
  site: ExpressionSite,
): Promise<unknown> {
  const direct = compiled.fast.get(text)?.(state);
  if (direct !== undefined) return direct.value;
  const expression = compiledExpression(compiled, text);
  try {
    return (await expression.evaluate(state, bindingsFor(contextOf(context)))) as unknown;
  } catch (thrown) {
    throw new ExpressionFailure(describeFailure(thrown, text, site), thrown);
  }
}

/** The result of `text` as plain JSON (see `toJsonValue`); undefined when there is none. */
export async function evaluateValue(
  compiled: CompiledDefinition,
  text: string,
  state: Record<string, unknown>,
  context: ExpressionContext | (() => ExpressionContext),
  site: ExpressionSite,
): Promise<unknown> {
  return toJsonValue(await evaluateExpression(compiled, text, state, context, site));
}

/** Whether condition `text` holds, by JSONata's truthiness (`toBoolean`). */
export async function evaluateCondition(
  compiled: CompiledDefinition,
  text: string,
  state: Record<string, unknown>,
  context: ExpressionContext | (() => ExpressionContext),
  site: ExpressionSite,
): Promise<boolean> {
  return toBoolean(await evaluateExpression(compiled, text, state, context, site));
}

/**
 * Every expression of `map` against the same `state`, one at a time in key order (UTF-16, as
 * canonical JSON sorts them): stored definitions keep no author's key order, and a fixed order
 * keeps `$random()` draws the same however the definition was written. A key whose expression
 * gives nothing maps to undefined.
 */
export async function evaluateMap(
  compiled: CompiledDefinition,
  map: ExpressionMap,
  state: Record<string, unknown>,
  context: ExpressionContext | (() => ExpressionContext),
  site: ExpressionSite,
): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const key of sortedKeys(map)) {
    const text = map[key] ?? "";
    // The compiled fast path needs no site: it cannot fail.
    const direct = compiled.fast.get(text)?.(state);
    const value =
      direct !== undefined
        ? toJsonValue(direct.value)
        : await evaluateValue(compiled, text, state, context, {
            node: site.node,
            field: `${site.field}.${key}`,
          });
    setOwn(values, key, value);
  }
  return values;
}

/** The keys of `map`, sorted once per map (definitions are compiled once and never change). */
const SORTED_KEYS = new WeakMap<ExpressionMap, readonly string[]>();
function sortedKeys(map: ExpressionMap): readonly string[] {
  let keys = SORTED_KEYS.get(map);
  if (keys === undefined) {
    keys = Object.keys(map).sort();
    SORTED_KEYS.set(map, keys);
  }
  return keys;
}

/**
 * A task input or end output: one expression gives the value, a map gives an object of values
 * (members that give nothing are left out), and no spec gives a copy of the whole state.
 */
export async function evaluateShape(
  compiled: CompiledDefinition,
  spec: string | ExpressionMap | undefined,
  state: Record<string, unknown>,
  context: ExpressionContext | (() => ExpressionContext),
  site: ExpressionSite,
): Promise<unknown> {
  if (spec === undefined) return toJsonValue(state);
  if (typeof spec === "string") return evaluateValue(compiled, spec, state, context, site);
  return toJsonValue(await evaluateMap(compiled, spec, state, context, site));
}

/**
 * A context passed as a function is built only when an expression needs JSONata: the compiled
 * fast path reads nothing but the state.
 */
function contextOf(context: ExpressionContext | (() => ExpressionContext)): ExpressionContext {
  return typeof context === "function" ? context() : context;
}

function bindingsFor(context: ExpressionContext): Record<string, unknown> {
  const step: StepContext = { now: context.now, random: context.random };
  const bindings: Record<string, unknown> = {
    input: context.input,
    run: context.run,
    [STEP_CONTEXT]: step,
  };
  if ("result" in context) bindings.result = context.result;
  if ("signal" in context) bindings.signal = context.signal;
  // `$error(message)` is also a JSONata built-in that raises an error: shadow it only where
  // there is a task error to read, so it keeps working everywhere else.
  if (context.error !== undefined) bindings.error = context.error;
  return bindings;
}

function describeFailure(thrown: unknown, text: string, site: ExpressionSite): RunFailure {
  // JSONata throws plain objects with `message`, `code` and `position`, not Error instances.
  const fields =
    typeof thrown === "object" && thrown !== null
      ? (thrown as Partial<Record<string, unknown>>)
      : {};
  const message = typeof fields.message === "string" ? fields.message : coerceError(thrown).message;
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const position = typeof fields.position === "number" ? fields.position : undefined;
  const at = position === undefined ? "" : ` at character ${position}`;
  const where = code === undefined ? "" : ` (${code}${at})`;
  return {
    code: RUN_FAILURE_CODES.expressionFailed,
    message: `the expression of node '${site.node}', field '${site.field}' failed: ${message}${where}`,
    node: site.node,
    details: {
      field: site.field,
      expression: text,
      ...(code === undefined ? {} : { jsonataCode: code }),
      ...(position === undefined ? {} : { position }),
    },
  };
}

/** The message of whatever JSONata threw (it throws plain objects with a `message`). */
export function jsonataMessage(thrown: unknown): string {
  if (typeof thrown === "object" && thrown !== null) {
    const message = (thrown as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  return String(thrown);
}
