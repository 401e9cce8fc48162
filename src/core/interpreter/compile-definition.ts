/**
 * Compiling a definition for execution (DESIGN.md §4: "expressions are compiled once per
 * version and cached"). A version is immutable, so its compiled form is too: compile it once,
 * keep it by version id, share it between runs.
 */
import jsonata from "jsonata";
import { StrataError } from "../errors.js";
import type { Definition } from "../definition/definition.js";
import { listExpressions } from "../definition/expression-problems.js";
import { assertValidDefinition } from "../definition/validate-definition.js";
import { registerDeterministicFunctions } from "./deterministic-functions.js";
import { fastEvaluator } from "./fast-expression.js";
import type { FastEvaluator } from "./fast-expression.js";

/** A validated, frozen definition with every expression compiled. */
export interface CompiledDefinition {
  /** A deep-frozen copy of the definition. */
  readonly definition: Definition;
  /** Compiled expressions by their text (one entry for text used at several sites). */
  readonly expressions: ReadonlyMap<string, jsonata.Expression>;
  /** Direct evaluators for literals and plain paths (see fast-expression.ts). */
  readonly fast: ReadonlyMap<string, FastEvaluator>;
}

/**
 * Validates `def` (throwing `definition_invalid` with every problem as details) and compiles
 * each of its expressions once, with the deterministic `$now`, `$millis`, `$random`,
 * `$shuffle` and `$toMillis` in place of JSONata's.
 */
export function compileDefinition(def: Definition): CompiledDefinition {
  assertValidDefinition(def);
  const definition = deepFreeze(structuredClone(def));
  const expressions = new Map<string, jsonata.Expression>();
  const fast = new Map<string, FastEvaluator>();
  for (const { expression } of listExpressions(definition)) {
    if (expressions.has(expression)) continue;
    const compiled = jsonata(expression);
    registerDeterministicFunctions(compiled);
    expressions.set(expression, compiled);
    const direct = fastEvaluator(expression);
    if (direct !== undefined) fast.set(expression, direct);
  }
  return { definition, expressions, fast };
}

/** The compiled form of `text`; only expressions of the definition itself are there. */
export function compiledExpression(compiled: CompiledDefinition, text: string): jsonata.Expression {
  const expression = compiled.expressions.get(text);
  if (expression === undefined) {
    throw new StrataError("internal", `expression ${JSON.stringify(text)} was not compiled`);
  }
  return expression;
}

/** A bounded cache of compiled definitions, keyed by version id. */
export interface CompiledDefinitionCache {
  /** The compiled definition of `key`, compiling `definition()` on a miss. */
  get(key: string, definition: () => Definition): CompiledDefinition;
  readonly size: number;
}

/**
 * A cache holding at most `limit` compiled definitions, dropping the least recently used.
 * Keys must name immutable definitions (a version id, not a draft's).
 */
export function compiledDefinitionCache(limit = 256): CompiledDefinitionCache {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new StrataError(
      "validation_failed",
      `cache limit must be a positive integer, not ${limit}`,
    );
  }
  const entries = new Map<string, CompiledDefinition>();
  return {
    get(key, definition) {
      const hit = entries.get(key);
      if (hit !== undefined) {
        // Re-inserting moves the key to the end: Map iteration order is insertion order.
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const compiled = compileDefinition(definition());
      entries.set(key, compiled);
      if (entries.size > limit) entries.delete(entries.keys().next().value ?? key);
      return compiled;
    },
    get size() {
      return entries.size;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
