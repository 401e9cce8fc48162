/**
 * Finds every JSONata expression of a definition and checks that it compiles. Compiling is
 * only parsing: whether an expression makes sense for the run's state shows at run time, or
 * in a backtest.
 */
import jsonata from "jsonata";
import type { PathSegment } from "./definition-problem.js";
import { problemAt } from "./definition-problem.js";
import type { DefinitionProblem } from "./definition-problem.js";
import { nodeTypeOf } from "./node-edges.js";

/** Where an expression is written, and its text. */
export interface ExpressionSite {
  path: PathSegment[];
  expression: string;
}

/** Every expression of `def` (values that are not strings are skipped: the schema flags them). */
export function listExpressions(def: unknown): ExpressionSite[] {
  if (def === null || typeof def !== "object") return [];
  const { routingKey, nodes } = def as { routingKey?: unknown; nodes?: unknown };
  const sites: ExpressionSite[] = [];
  collect(sites, ["routingKey"], routingKey);
  if (nodes !== null && typeof nodes === "object" && !Array.isArray(nodes)) {
    for (const [id, node] of Object.entries(nodes as Record<string, unknown>)) {
      sites.push(...nodeExpressions(["nodes", id], node));
    }
  }
  return sites;
}

function nodeExpressions(at: PathSegment[], node: unknown): ExpressionSite[] {
  const type = nodeTypeOf(node);
  if (type === undefined) return [];
  const fields = node as Record<string, unknown>;
  const sites: ExpressionSite[] = [];
  if (type === "set" || type === "task" || type === "wait") {
    collectMap(sites, [...at, "assign"], fields.assign);
  }
  if (type === "task") collectOneOrMap(sites, [...at, "input"], fields.input);
  if (type === "end") collectOneOrMap(sites, [...at, "output"], fields.output);
  if (type === "fail") collect(sites, [...at, "message"], fields.message);
  if (type === "switch" && Array.isArray(fields.cases)) {
    (fields.cases as unknown[]).forEach((entry, index) => {
      if (entry !== null && typeof entry === "object") {
        collect(sites, [...at, "cases", index, "when"], (entry as { when?: unknown }).when);
      }
    });
  }
  return sites;
}

function collect(sites: ExpressionSite[], path: PathSegment[], value: unknown): void {
  if (typeof value === "string") sites.push({ path, expression: value });
}

function collectMap(sites: ExpressionSite[], path: PathSegment[], value: unknown): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, expression] of Object.entries(value as Record<string, unknown>)) {
    collect(sites, [...path, key], expression);
  }
}

function collectOneOrMap(sites: ExpressionSite[], path: PathSegment[], value: unknown): void {
  if (typeof value === "string") collect(sites, path, value);
  else collectMap(sites, path, value);
}

/**
 * Compile outcomes by expression text. Compiling one JSONata expression costs ~0.2 ms here, so
 * re-validating a draft on every read would spend milliseconds on expressions that did not
 * change; an edit usually touches one or two. Bounded, oldest first out.
 */
const outcomes = new Map<string, string | undefined>();
const OUTCOME_LIMIT = 4096;

/** Why `expression` does not compile, or undefined when it does. */
export function expressionError(expression: string): string | undefined {
  if (outcomes.has(expression)) return outcomes.get(expression);
  const outcome = compileOutcome(expression);
  outcomes.set(expression, outcome);
  if (outcomes.size > OUTCOME_LIMIT) outcomes.delete(outcomes.keys().next().value ?? "");
  return outcome;
}

function compileOutcome(expression: string): string | undefined {
  if (expression.trim() === "") return "expression is empty";
  try {
    jsonata(expression);
    return undefined;
  } catch (thrown) {
    const { message, position } = thrown as { message?: unknown; position?: unknown };
    const where = typeof position === "number" ? ` (at character ${position})` : "";
    return `expression does not compile: ${String(message)}${where}`;
  }
}

/** An `expression_invalid` problem for every expression of `def` that does not compile. */
export function expressionProblems(def: unknown): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  for (const site of listExpressions(def)) {
    const error = expressionError(site.expression);
    if (error !== undefined) problems.push(problemAt(site.path, "expression_invalid", error));
  }
  return problems;
}
