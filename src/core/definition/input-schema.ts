/**
 * Compiling a definition's `inputSchema` (JSON Schema draft 2020-12). Validation at publish and
 * the check of a run's input at start must agree on what a schema means, so both compile
 * through {@link compileInputSchema}.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { pointerSegments, problemAt } from "./definition-problem.js";
import type { DefinitionProblem, PathSegment } from "./definition-problem.js";

/**
 * Compiles an input schema; throws when Ajv cannot. Strict mode refuses unknown keywords, so a
 * typo such as `requried` is caught at publish instead of silently validating nothing. `format`
 * is an annotation only (no format validators are bundled). A fresh Ajv per schema keeps a
 * schema's `$id` from clashing with another version's.
 */
export function compileInputSchema(schema: unknown): ValidateFunction {
  return inputSchemaAjv().compile(schema as Record<string, unknown>);
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
  const ajv = inputSchemaAjv();
  // Checking against the meta-schema first locates each mistake; compiling then catches what
  // the meta-schema allows but strict mode refuses (unknown keywords, unresolvable $refs).
  if (ajv.validateSchema(schema) !== true) return metaSchemaProblems(ajv.errors ?? [], schema);
  try {
    ajv.compile(schema);
    return [];
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return [
      problemAt(
        ["inputSchema"],
        "input_schema_invalid",
        `input schema does not compile: ${message}`,
      ),
    ];
  }
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
