/**
 * Checks a definition against `schema/definition.schema.json` and turns Ajv's errors into
 * problems a person can act on: one line per mistake, at the field it concerns. Ajv reports
 * some mistakes several times over (an `if`/`then` wrapper, the branches of an `anyOf`, the
 * `propertyNames` wrapper); those echoes are dropped here.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { NODE_TYPES } from "./definition.js";
import { pointerSegments, problemAt, valueAt } from "./definition-problem.js";
import type { DefinitionProblem, PathSegment } from "./definition-problem.js";
import { DURATION_PATTERN, explainInvalidDuration } from "./duration.js";

let validator: ValidateFunction | undefined;

/** The definition schema as JSON (the file ships in the package beside `dist/`). */
export function loadDefinitionSchema(): Record<string, unknown> {
  // The same relative URL works from src/core/definition/ and dist/core/definition/.
  const url = new URL("../../../schema/definition.schema.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
}

/** The compiled validator, built on first use: compiling costs far more than validating. */
function definitionValidator(): ValidateFunction {
  if (validator === undefined) {
    // verbose: errors carry their parent schema, which lists the fields a node allows.
    // strictRequired is off because the wait node's anyOf names fields defined beside it.
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    validator = ajv.compile(loadDefinitionSchema());
  }
  return validator;
}

/** Every way `def` departs from the definition schema, as `schema` problems. */
export function schemaProblems(def: unknown): DefinitionProblem[] {
  const validate = definitionValidator();
  if (validate(def)) return [];
  const errors = dropEchoes(validate.errors ?? []);
  const problems = errors.map((error) => toProblem(error, def));
  return uniqueProblems(problems);
}

/** Removes errors that only repeat another error in other words. */
function dropEchoes(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfs = errors.filter((error) => error.keyword === "anyOf");
  return errors.filter((error) => {
    if (error.keyword === "if" || error.keyword === "propertyNames") return false;
    return !anyOfs.some(
      (anyOf) =>
        anyOf.instancePath === error.instancePath &&
        error.schemaPath.startsWith(`${anyOf.schemaPath}/`),
    );
  });
}

/** Drops exact repeats, keeping the first of each. */
function uniqueProblems(problems: readonly DefinitionProblem[]): DefinitionProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One Ajv error as a problem at the field it concerns. */
function toProblem(error: ErrorObject, def: unknown): DefinitionProblem {
  const at = pointerSegments(error.instancePath, def);
  const { keyword, params } = error as ErrorObject<string, Record<string, unknown>>;
  const subject = describeSubject(at, def);
  switch (keyword) {
    case "required":
      return problemAt(
        [...at, String(params.missingProperty)],
        "schema",
        `${subject} needs '${String(params.missingProperty)}'`,
      );
    case "additionalProperties":
      return problemAt(
        [...at, String(params.additionalProperty)],
        "schema",
        `unknown field '${String(params.additionalProperty)}' in ${subject} (allowed: ${allowedFields(error).join(", ")})`,
      );
    case "dependentRequired":
      return problemAt(
        [...at, String(params.property)],
        "schema",
        `'${String(params.property)}' is only allowed together with '${String(params.missingProperty)}'`,
      );
    case "anyOf":
      // Only the wait node has an anyOf: it needs a signal, a timer, or both.
      return problemAt(at, "schema", `${subject} needs a 'signal', a 'timeout', or both`);
    default:
      return valueProblem(error, at, def);
  }
}

/** Problems with a value itself (its type, pattern, size or range). */
function valueProblem(error: ErrorObject, at: PathSegment[], def: unknown): DefinitionProblem {
  const params = error.params as Record<string, unknown>;
  const value = valueAt(def, at);
  if (error.keyword === "enum" && isNodeTypePath(at)) {
    const expected = NODE_TYPES.join(", ");
    return problemAt(at, "schema", `unknown node type '${String(value)}' (expected ${expected})`);
  }
  if (error.keyword === "pattern" && error.propertyName !== undefined) {
    const id = error.propertyName;
    return problemAt(
      [...at, id],
      "schema",
      `node id '${id}' is not valid: use letters, digits, '_' and '-', starting with a letter or '_'`,
    );
  }
  if (error.keyword === "pattern" && params.pattern === DURATION_PATTERN) {
    return problemAt(at, "schema", explainInvalidDuration(String(value)));
  }
  return problemAt(at, "schema", plainMessage(error));
}

/** Ajv's message with its JSON Schema jargon made plain. */
function plainMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "type": {
      const types = Array.isArray(params.type) ? params.type : [params.type];
      return `must be ${types.map((type) => `${article(String(type))} ${String(type)}`).join(" or ")}`;
    }
    case "minProperties":
      return "needs at least one node";
    case "minItems":
      return "needs at least one case";
    case "minLength":
      return "must not be empty";
    default:
      return error.message ?? `does not match the schema (${error.keyword})`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? "an" : "a";
}

/** The fields the failing schema allows, from its `properties`. */
function allowedFields(error: ErrorObject): string[] {
  const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}

/** "a task node", "the definition", "a case", "the retry policy"… for messages. */
function describeSubject(at: readonly PathSegment[], def: unknown): string {
  if (at.length === 0) return "the definition";
  if (at.length === 2 && at[0] === "nodes") {
    const type = (valueAt(def, at) as { type?: unknown } | undefined)?.type;
    return typeof type === "string" ? `${article(type)} ${type} node` : "a node";
  }
  const last = at[at.length - 1];
  if (typeof last === "number") return "a case";
  if (last === "retry") return "the retry policy";
  return `'${String(last)}'`;
}

function isNodeTypePath(at: readonly PathSegment[]): boolean {
  return at.length === 3 && at[0] === "nodes" && at[2] === "type";
}
