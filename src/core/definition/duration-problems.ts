/**
 * Bounds on durations. A timer further than ten years away would be stored as a time past the
 * year 9999, which no longer sorts as text with the others (and fires at once); a task timeout
 * longer than 2^31-1 ms (about 24.8 days) overflows Node's timers, which then fire at once.
 */
import { problemAt } from "./definition-problem.js";
import type { DefinitionProblem } from "./definition-problem.js";
import { DURATION_PATTERN, parseDuration } from "./duration.js";

/** The longest wait timeout or retry interval: ten years. */
export const MAX_WAIT_MS = 3650 * 24 * 3600 * 1000;
/** The longest task timeout Node's timers can hold. */
export const MAX_TASK_TIMEOUT_MS = 2 ** 31 - 1;

const FIELDS: ReadonlyArray<{ path: readonly string[]; max: number; what: string }> = [
  { path: ["timeout"], max: MAX_WAIT_MS, what: "ten years" },
  { path: ["retry", "initialInterval"], max: MAX_WAIT_MS, what: "ten years" },
  { path: ["retry", "maximumInterval"], max: MAX_WAIT_MS, what: "ten years" },
];

/** A `duration_out_of_range` problem for each duration longer than its bound. */
export function durationProblems(def: unknown): DefinitionProblem[] {
  const nodes = (def as { nodes?: unknown } | null)?.nodes;
  if (nodes === null || typeof nodes !== "object" || Array.isArray(nodes)) return [];
  const problems: DefinitionProblem[] = [];
  for (const [id, node] of Object.entries(nodes as Record<string, unknown>)) {
    if (node === null || typeof node !== "object") continue;
    const isTask = (node as { type?: unknown }).type === "task";
    for (const field of FIELDS) {
      const text = field.path.reduce<unknown>(
        (value, key) => (value as Record<string, unknown> | undefined)?.[key],
        node,
      );
      if (typeof text !== "string" || !new RegExp(DURATION_PATTERN).test(text)) continue; // the schema reports it
      const max = isTask && field.path.length === 1 ? MAX_TASK_TIMEOUT_MS : field.max;
      const limit = isTask && field.path.length === 1 ? "about 24.8 days (2^31-1 ms)" : field.what;
      let ms: number;
      try {
        ms = parseDuration(text);
      } catch {
        ms = Infinity;
      }
      if (ms > max) {
        problems.push(
          problemAt(
            ["nodes", id, ...field.path],
            "duration_out_of_range",
            `duration '${text}' is longer than the limit of ${limit}`,
          ),
        );
      }
    }
  }
  return problems;
}
