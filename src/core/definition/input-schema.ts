/**
 * Compiling a definition's `inputSchema` (JSON Schema draft 2020-12). Validation at publish and
 * the check of a run's input at start must agree on what a schema means, so both compile
 * through {@link compileInputSchema}.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { canonicalJson } from "./canonical.js";
import { pointerSegments, problemAt } from "./definition-problem.js";
import type { DefinitionProblem, PathSegment } from "./definition-problem.js";

/**
 * Compiles an input schema; throws when Ajv cannot. Strict mode refuses unknown keywords, so a
 * typo such as `requried` is caught at publish instead of silently validating nothing. `format`
 * is an annotation only (no format validators are bundled). A fresh Ajv per distinct schema
 * keeps a schema's `$id` from clashing with another version's.
 */
export function compileInputSchema(schema: unknown): ValidateFunction {
  const compiled = compileCached(schema as object);
  if (compiled.validate === undefined) {
    throw new Error(compiled.problems[0]?.message ?? "input schema does not compile");
  }
  return compiled.validate;
}

/** A compiled schema, or the problems that kept it from compiling. */
interface CompiledSchema {
  validate?: ValidateFunction;
  problems: DefinitionProblem[];
}

/**
 * Compiled schemas by canonical JSON. A fresh Ajv costs ~20 ms to set up and compile (measured
 * here), far more than validating; versions are immutable, so one compile per distinct schema
 * serves every later publish check and run start. Least recently used entries go first.
 */
const compiled = new Map<string, CompiledSchema>();
const CACHE_LIMIT = 512;

function compileCached(schema: object): CompiledSchema {
  const key = canonicalJson(schema);
  const hit = compiled.get(key);
  if (hit !== undefined) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit;
  }
  const entry = compileFresh(schema);
  compiled.set(key, entry);
  if (compiled.size > CACHE_LIMIT) compiled.delete(compiled.keys().next().value ?? "");
  return entry;
}

function inputSchemaAjv(): Ajv2020 {
  return new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    strictTypes: false,
    strictTuples: false,
    allowUnionTypes: true,
    validateFormats: false,
  });
}

function compileFresh(schema: object): CompiledSchema {
  const ajv = inputSchemaAjv();
  // Checking against the meta-schema first locates each mistake; compiling then catches what
  // the meta-schema allows but strict mode refuses (unknown keywords, unresolvable $refs).
  if (ajv.validateSchema(schema) !== true) {
    return { problems: metaSchemaProblems(ajv.errors ?? [], schema) };
  }
  try {
    return { validate: ajv.compile(schema), problems: [] };
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const problem = problemAt(
      ["inputSchema"],
      "input_schema_invalid",
      `input schema does not compile: ${message}`,
    );
    return { problems: [problem] };
  }
}

/** An `input_schema_invalid` problem when `def.inputSchema` is present but does not compile. */
export function inputSchemaProblems(def: unknown): DefinitionProblem[] {
  if (def === null || typeof def !== "object") return [];
  const schema = (def as { inputSchema?: unknown }).inputSchema;
  // Anything but an object is the definition schema's to report.
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return [];
  const nonFinite = findNonFinite(schema, ["inputSchema"]);
  if (nonFinite !== undefined) {
    return [problemAt(nonFinite, "input_schema_invalid", "JSON has no Infinity or NaN")];
  }
  return compileCached(schema).problems;
}

/** One problem per place the meta-schema rejects (its first error there: the rest echo it). */
function metaSchemaProblems(errors: readonly ErrorObject[], schema: object): DefinitionProblem[] {
  const seen = new Set<string>();
  const problems: DefinitionProblem[] = [];
  for (const error of errors) {
    if (seen.has(error.instancePath)) continue;
    seen.add(error.instancePath);
    const allowed = (error.params as { allowedValues?: unknown }).allowedValues;
    const hint = Array.isArray(allowed) ? ` (${allowed.map(String).join(", ")})` : "";
    const message = `not a valid JSON Schema: ${error.message ?? error.keyword}${hint}`;
    const at = pointerSegments(error.instancePath, schema);
    problems.push(problemAt(["inputSchema", ...at], "input_schema_invalid", message));
  }
  return problems;
}

/** The path of the first number that is not finite (YAML has `.inf` and `.nan`; JSON does not). */
function findNonFinite(value: unknown, path: PathSegment[]): PathSegment[] | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== "object") return undefined;
  const entries: [PathSegment, unknown][] = Array.isArray(value)
    ? value.map((item, index): [PathSegment, unknown] => [index, item])
    : Object.entries(value as Record<string, unknown>);
  for (const [key, item] of entries) {
    const found = findNonFinite(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}
