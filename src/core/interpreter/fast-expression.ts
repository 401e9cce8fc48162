/**
 * Direct evaluation of simple expressions. JSONata's evaluator is asynchronous and generic: it
 * costs 6–16 µs an expression here even for `amount > 10000`, which made expression
 * evaluation most of a decision's cost. Definitions are full of literals, plain paths,
 * arithmetic, comparisons and `in [...]` lists; those are compiled from JSONata's own parse
 * tree into plain synchronous functions.
 *
 * The rule that keeps this safe: the fast function answers only when it is certain to give
 * JSONata's result — operands of the expected types, finite numbers — and otherwise returns
 * `undefined`, and JSONata evaluates the expression as usual (and raises its own errors). A
 * property test compares both on random expressions and data.
 */
import jsonata from "jsonata";

/** The outcome of a fast evaluation: the value, or undefined to ask JSONata instead. */
export type FastResult = { value: unknown } | undefined;

/** A direct evaluator for one expression. */
export type FastEvaluator = (state: Record<string, unknown>) => FastResult;

/** Returned inside the compiled tree when JSONata must decide. */
const FALLBACK = Symbol("fallback");
/** A compiled node: its value, or FALLBACK (the union is `unknown`, FALLBACK is a sentinel). */
type Compiled = (state: Record<string, unknown>) => unknown;

/** A JSONata parse-tree node, as far as this compiler reads it. */
interface AstNode {
  type: string;
  value?: unknown;
  lhs?: AstNode;
  rhs?: AstNode;
  steps?: AstNode[];
  expressions?: AstNode[];
  expression?: AstNode;
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  [other: string]: unknown;
}

/** The direct evaluator for `text`, or undefined when only JSONata can evaluate it. */
export function fastEvaluator(text: string): FastEvaluator | undefined {
  let ast: AstNode;
  try {
    ast = jsonata(text).ast() as AstNode;
  } catch {
    return undefined;
  }
  const compiled = compile(ast);
  if (compiled === undefined) return undefined;
  return (state) => {
    const value = compiled(state);
    return value === FALLBACK ? undefined : { value };
  };
}

/** The keys a node may have for this compiler to understand it fully. */
const PLAIN_KEYS = new Set([
  "type",
  "value",
  "position",
  "lhs",
  "rhs",
  "steps",
  "expressions",
  "expression",
  "condition",
  "then",
  "else",
  "arguments",
  "procedure",
]);

/** Whether a node carries nothing this compiler would ignore (keys set to undefined are fine). */
function isPlain(node: AstNode): boolean {
  return Object.entries(node).every(([key, value]) => value === undefined || PLAIN_KEYS.has(key));
}

function compile(node: AstNode): Compiled | undefined {
  if (!isPlain(node)) return undefined; // predicates, stages, focus…
  switch (node.type) {
    case "number":
    case "string":
    case "value":
      return constant(node.value);
    case "path":
      return compilePath(node.steps ?? []);
    case "binary":
      return compileBinary(node);
    case "unary":
      return node.value === "-" && node.expression !== undefined
        ? negate(compile(node.expression))
        : undefined;
    case "condition":
      return compileCondition(node);
    case "function":
      return compileFunction(node);
    case "block": // parentheses around one expression
      return node.expressions?.length === 1 && node.expressions[0] !== undefined
        ? compile(node.expressions[0])
        : undefined;
    default:
      return undefined;
  }
}

function constant(value: unknown): Compiled {
  return () => value;
}

function compilePath(steps: AstNode[]): Compiled | undefined {
  if (steps.length === 0 || steps.some((step) => step.type !== "name" || !isPlain(step))) {
    return undefined;
  }
  const names = steps.map((step) => String(step.value));
  return (state) => {
    let current: unknown = state;
    for (const name of names) {
      if (current === null || typeof current !== "object" || Array.isArray(current)) {
        return current === undefined || typeof current !== "object" ? undefined : FALLBACK; // null, arrays: JSONata's rules
      }
      current = Object.hasOwn(current, name)
        ? (current as Record<string, unknown>)[name]
        : undefined;
      if (current === undefined) return undefined;
    }
    return current !== null && typeof current === "object" ? FALLBACK : current;
  };
}

function negate(operand: Compiled | undefined): Compiled | undefined {
  if (operand === undefined) return undefined;
  return (state) => {
    const value = operand(state);
    return typeof value === "number" ? -value : FALLBACK;
  };
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
  "%": (a, b) => a % b,
};

const ORDER: Record<string, (a: number | string, b: number | string) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function compileBinary(node: AstNode): Compiled | undefined {
  const op = String(node.value);
  if (node.lhs === undefined || node.rhs === undefined) return undefined;
  if (op === "in") return compileIn(node.lhs, node.rhs);
  const lhs = compile(node.lhs);
  const rhs = compile(node.rhs);
  if (lhs === undefined || rhs === undefined) return undefined;
  const arithmetic = ARITHMETIC[op];
  if (arithmetic !== undefined) {
    return (state) => {
      const a = lhs(state);
      const b = rhs(state);
      if (typeof a !== "number" || typeof b !== "number") return FALLBACK;
      const result = arithmetic(a, b);
      return Number.isFinite(result) ? result : FALLBACK;
    };
  }
  const order = ORDER[op];
  if (order !== undefined) {
    return (state) => {
      const a = lhs(state);
      const b = rhs(state);
      const comparable =
        (typeof a === "number" && typeof b === "number") ||
        (typeof a === "string" && typeof b === "string");
      return comparable ? order(a, b) : FALLBACK;
    };
  }
  if (op === "=" || op === "!=") return compileEquality(lhs, rhs, op === "=");
  if (op === "and" || op === "or") return compileLogical(lhs, rhs, op === "and");
  return undefined;
}

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  );
}

function compileEquality(lhs: Compiled, rhs: Compiled, equal: boolean): Compiled {
  return (state) => {
    const a = lhs(state);
    const b = rhs(state);
    if (!isPrimitive(a) || !isPrimitive(b)) return FALLBACK;
    return (a === b) === equal;
  };
}

function compileLogical(lhs: Compiled, rhs: Compiled, and: boolean): Compiled {
  return (state) => {
    const a = lhs(state);
    const b = rhs(state);
    if (typeof a !== "boolean" || typeof b !== "boolean") return FALLBACK;
    return and ? a && b : a || b;
  };
}

/** `x in [literal, …]`: the list must be an array constructor of literals. */
function compileIn(lhsNode: AstNode, rhsNode: AstNode): Compiled | undefined {
  const lhs = compile(lhsNode);
  if (lhs === undefined || rhsNode.type !== "unary" || rhsNode.value !== "[") return undefined;
  const members = rhsNode.expressions ?? [];
  if (
    members.some(
      (member) => !["number", "string", "value"].includes(member.type) || !isPlain(member),
    )
  ) {
    return undefined;
  }
  const values = members.map((member) => member.value);
  return (state) => {
    const value = lhs(state);
    if (!isPrimitive(value)) return FALLBACK;
    return values.includes(value);
  };
}

/** `$round(x)`: JSONata rounds half to even, and never answers -0. */
function roundHalfToEven(value: number): number {
  let result = Math.round(value);
  if (Math.abs(result - value) === 0.5 && Math.abs(result % 2) === 1) result -= 1;
  return Object.is(result, -0) ? 0 : result;
}

/** Built-in functions compiled directly: one numeric argument, JSONata's own rule. */
const FUNCTIONS: Record<string, (value: number) => number> = { round: roundHalfToEven };

function compileFunction(node: AstNode): Compiled | undefined {
  const procedure = node.procedure as AstNode | undefined;
  const args = node.arguments as AstNode[] | undefined;
  const fn = procedure?.type === "variable" ? FUNCTIONS[String(procedure.value)] : undefined;
  if (fn === undefined || args?.length !== 1 || args[0] === undefined || node.value !== "(")
    return undefined;
  const argument = compile(args[0]);
  if (argument === undefined) return undefined;
  return (state) => {
    const value = argument(state);
    return typeof value === "number" ? fn(value) : FALLBACK;
  };
}

function compileCondition(node: AstNode): Compiled | undefined {
  if (node.condition === undefined || node.then === undefined) return undefined;
  const condition = compile(node.condition);
  const then = compile(node.then);
  const otherwise = node.else === undefined ? constant(undefined) : compile(node.else);
  if (condition === undefined || then === undefined || otherwise === undefined) return undefined;
  return (state) => {
    const test = condition(state);
    if (typeof test !== "boolean") return FALLBACK;
    return test ? then(state) : otherwise(state);
  };
}
