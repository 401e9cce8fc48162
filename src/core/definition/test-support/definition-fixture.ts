/**
 * A small valid definition for validation tests, and a way to break one thing in a copy.
 */
import type { DefinitionProblem } from "../definition-problem.js";

export type Json = Record<string, unknown>;

/** Marks a field for removal in {@link variant}. */
export const REMOVE = Symbol("remove");

/** A small valid definition, using every node type and most optional fields. */
export function base(): Json {
  return {
    inputSchema: { type: "object", properties: { amount: { type: "number" } } },
    routingKey: "applicant.id",
    start: "score",
    nodes: {
      score: { type: "set", assign: { score: "amount / 10" }, next: "route" },
      route: {
        type: "switch",
        cases: [
          { when: "score > 10", next: "review" },
          { when: "score > 5", next: "notify" },
        ],
        default: "reject",
      },
      review: {
        type: "wait",
        signal: "review",
        timeout: "PT72H",
        onTimeout: "reject",
        assign: { reviewer: "$signal.by" },
        next: "notify",
      },
      notify: {
        type: "task",
        handler: "http",
        input: { url: "'https://example.com'", body: "$" },
        assign: { status: "$result.status" },
        retry: { maxAttempts: 3, initialInterval: "PT1S", backoffCoefficient: 2 },
        timeout: "PT30S",
        next: "approve",
        onError: "broken",
      },
      approve: { type: "end", output: { decision: "'approve'" } },
      reject: { type: "end", output: "{ 'decision': 'reject' }" },
      broken: { type: "fail", code: "notify_failed", message: "'could not notify'" },
    },
  };
}

/**
 * A copy of {@link base} with changes applied, keyed by dotted path (`nodes.route.cases.1.next`);
 * a value of {@link REMOVE} deletes the field.
 */
export function variant(changes: Record<string, unknown>): Json {
  const def = base();
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    const last = keys.pop() ?? "";
    let target = def;
    for (const key of keys) target = target[key] as Json;
    if (value === REMOVE) delete target[last];
    else target[last] = value;
  }
  return def;
}

/** Problems as `code path` strings, for compact assertions. */
export function summary(problems: readonly DefinitionProblem[]): string[] {
  return problems.map((problem) => `${problem.code} ${problem.path}`);
}
