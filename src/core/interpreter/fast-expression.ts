/**
 * Direct evaluation of the simplest expressions. Many expressions in real definitions are a
 * literal (`'approve'`, `42`, `true`) or a plain path (`score`, `applicant.id`); JSONata's
 * asynchronous evaluator costs 6–16 µs for each even so. These are answered here directly,
 * with JSONata's result; anything else — or a path that meets an array, where JSONata's
 * sequence rules apply — goes to JSONata. A property test compares both on random data.
 */

/** The outcome of a fast evaluation: the value, or undefined to ask JSONata instead. */
export type FastResult = { value: unknown } | undefined;

/** A direct evaluator for one expression. */
export type FastEvaluator = (state: Record<string, unknown>) => FastResult;

const STRING = /^'([^'\\]*)'$|^"([^"\\]*)"$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const NAME = "[A-Za-z_][A-Za-z0-9_]*";
const PATH = new RegExp(`^${NAME}(?:\\.${NAME})*$`);
/** Words JSONata reads as operators or literals, never as field names in a bare path. */
const RESERVED = new Set(["and", "or", "in", "true", "false", "null", "function"]);

/** The direct evaluator for `text`, or undefined when only JSONata can evaluate it. */
export function fastEvaluator(text: string): FastEvaluator | undefined {
  const expression = text.trim();
  const string = STRING.exec(expression);
  if (string !== null) return constant(string[1] ?? string[2]);
  if (NUMBER.test(expression)) return constant(Number(expression));
  if (expression === "true" || expression === "false") return constant(expression === "true");
  if (expression === "null") return constant(null);
  if (!PATH.test(expression)) return undefined;
  const segments = expression.split(".");
  if (segments.some((segment) => RESERVED.has(segment))) return undefined;
  return (state) => lookup(state, segments);
}

function constant(value: unknown): FastEvaluator {
  const result = { value };
  return () => result;
}

function lookup(state: Record<string, unknown>, segments: readonly string[]): FastResult {
  let current: unknown = state;
  for (const segment of segments) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) {
      return current === undefined || (current !== null && typeof current !== "object")
        ? { value: undefined }
        : undefined; // null or an array: JSONata's rules, not ours
    }
    current = Object.hasOwn(current, segment)
      ? (current as Record<string, unknown>)[segment]
      : undefined;
    if (current === undefined) return { value: undefined };
  }
  if (Array.isArray(current) || (current !== null && typeof current === "object")) return undefined;
  return { value: current };
}
