/**
 * Publish-time validation of a definition (DESIGN.md §4). Every problem is reported, not just
 * the first, each with its path, node and field, so an author can fix them all in one pass.
 * The checks are independent: a malformed node gets its schema problems while the rest of the
 * graph, its expressions and its input schema are still checked.
 */
import { StrataError } from "../errors.js";
import { BUILTIN_HANDLERS } from "./definition.js";
import type { Definition } from "./definition.js";
import { problemAt } from "./definition-problem.js";
import type { DefinitionProblem } from "./definition-problem.js";
import { durationProblems } from "./duration-problems.js";
import { expressionProblems } from "./expression-problems.js";
import { graphProblems } from "./graph-problems.js";
import { inputSchemaProblems } from "./input-schema.js";
import { nodeTypeOf } from "./node-edges.js";
import { schemaProblems } from "./schema-problems.js";

/** The problem type lives in its own file so each check can build problems; re-exported here. */
export type { DefinitionProblem, ProblemCode } from "./definition-problem.js";

/** Options of {@link validateDefinition}. */
export interface ValidateDefinitionOptions {
  /**
   * The task handlers the host registered. When given, a task naming any other handler is a
   * problem (the built-in `http` always counts as known); when absent, handlers are not checked.
   */
  handlers?: ReadonlySet<string>;
}

/**
 * Every problem of `def`, in this order: schema, graph, expressions, input schema, handlers.
 * An empty list means the definition can be published.
 */
export function validateDefinition(
  def: unknown,
  options: ValidateDefinitionOptions = {},
): DefinitionProblem[] {
  return [
    ...schemaProblems(def),
    ...graphProblems(def),
    ...expressionProblems(def),
    ...inputSchemaProblems(def),
    ...durationProblems(def),
    ...(options.handlers === undefined ? [] : handlerProblems(def, options.handlers)),
  ];
}

/** Throws `definition_invalid` with every problem as details unless `def` is valid. */
export function assertValidDefinition(
  def: unknown,
  options: ValidateDefinitionOptions = {},
): asserts def is Definition {
  const problems = validateDefinition(def, options);
  const [first] = problems;
  if (first === undefined) return;
  const where = first.path === "" ? "" : `${first.path}: `;
  throw new StrataError(
    "definition_invalid",
    `${problems.length} problem(s) in the definition: ${where}${first.message}` +
      `${problems.length > 1 ? "…" : ""}; fix them and publish again`,
    { details: problems },
  );
}

/** An `unknown_handler` problem for each task whose handler is neither registered nor built in. */
function handlerProblems(def: unknown, handlers: ReadonlySet<string>): DefinitionProblem[] {
  const nodes = (def as { nodes?: unknown } | null)?.nodes;
  if (nodes === null || typeof nodes !== "object" || Array.isArray(nodes)) return [];
  const problems: DefinitionProblem[] = [];
  for (const [id, node] of Object.entries(nodes as Record<string, unknown>)) {
    if (nodeTypeOf(node) !== "task") continue;
    const handler = (node as { handler?: unknown }).handler;
    if (typeof handler !== "string" || handler === "") continue;
    if (handlers.has(handler) || BUILTIN_HANDLERS.includes(handler)) continue;
    const known = [...new Set([...BUILTIN_HANDLERS, ...[...handlers].sort()])].join(", ");
    const message = `unknown handler '${handler}' (known: ${known}); register it in code first`;
    problems.push(problemAt(["nodes", id, "handler"], "unknown_handler", message));
  }
  return problems;
}
