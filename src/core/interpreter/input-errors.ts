/**
 * A run's input against its version's `inputSchema`: every error, with its path. Used when a
 * run starts (`input_invalid`) and when a past run's input is replayed through another version
 * (`input_schema_drift`). Validators are compiled once per compiled definition.
 */
import type { ValidateFunction } from "ajv";
import { compileInputSchema } from "../definition/input-schema.js";
import type { CompiledDefinition } from "./compile-definition.js";

/** One way the input fails the schema. */
export interface InputError {
  /** A JSON pointer into the input, `/` for the input itself. */
  path: string;
  message: string;
  keyword: string;
  params: unknown;
}

/** Validators per compiled definition (null: no schema), so a check never recompiles one. */
const validators = new WeakMap<CompiledDefinition, ValidateFunction | null>();

/** Every error of `input` against the definition's input schema; none when it fits. */
export function inputErrors(compiled: CompiledDefinition, input: unknown): InputError[] {
  let validate = validators.get(compiled);
  if (validate === undefined) {
    const schema = compiled.definition.inputSchema;
    validate = schema === undefined ? null : compileInputSchema(schema);
    validators.set(compiled, validate);
  }
  if (validate === null || validate(input)) return [];
  return (validate.errors ?? []).map((error) => ({
    path: error.instancePath === "" ? "/" : error.instancePath,
    message: error.message ?? error.keyword,
    keyword: error.keyword,
    params: error.params,
  }));
}

/** The errors in one line: how many, and the first. */
export function describeInputErrors(errors: readonly InputError[]): string {
  const first = errors[0];
  return `${errors.length} error(s)${first === undefined ? "" : `; ${first.path}: ${first.message}`}`;
}
