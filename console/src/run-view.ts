/**
 * Reading a run for the runs pages: the marks its trace puts on the version's graph, each step
 * told in a line (what the node decided), and its route in words. Pure (no DOM), unit-tested
 * under Node (test/console-run-view.test.ts); the `.js` suffixes suit both the console's
 * bundler resolution and the server's NodeNext.
 */
import type { TraceEntry } from "../../src/core/interpreter/trace-entry.js";
import type { Run, RunRoute } from "../../src/core/model.js";

/** The graph marks of a path: see DefinitionGraph's `marks` (styles.css draws them). */
export interface PathMarks {
  /** Nodes the run entered. */
  visited: readonly string[];
  /** Nodes that decided differently (a replay's changed switches). */
  changed?: readonly string[];
  /** Where the run stands (waits, or runs a task), if anywhere. */
  current?: string | null;
}

/** A mark per node: `current` over `changed` over `visited`. */
export function marksOf({
  visited,
  changed = [],
  current = null,
}: PathMarks): Record<string, string> {
  const marks: Record<string, string> = {};
  for (const node of visited) marks[node] = "visited";
  for (const node of changed) marks[node] = "changed";
  if (current !== null) marks[current] = "current";
  return marks;
}

/** The nodes a trace entered, in order (an entry that applies an event stays at its node). */
export function pathOfTrace(trace: readonly TraceEntry[]): string[] {
  return trace
    .filter((entry) => entry.event === undefined || entry.event === "start")
    .map((entry) => entry.node);
}

/** The node a run in flight stands at: the wait it waits at, or the task it runs next. */
export function currentNodeOf(run: Pick<Run, "status" | "trace" | "pendingTask">): string | null {
  if (run.status === "running" && run.pendingTask !== null) return run.pendingTask.node;
  if (run.status !== "waiting") return null;
  const last = (run.trace as TraceEntry[]).at(-1);
  return last?.node ?? null;
}

/** Compact JSON, cut to `max` characters (the page offers the whole trace apart). */
export function briefJson(value: unknown, max = 160): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A node of a definition, if the definition has it (tolerates anything). */
function nodeIn(definition: unknown, id: string): Record<string, unknown> | undefined {
  const nodes = (definition as { nodes?: unknown } | null | undefined)?.nodes;
  if (nodes === null || typeof nodes !== "object") return undefined;
  const node = (nodes as Record<string, unknown>)[id];
  return node !== null && typeof node === "object" ? (node as Record<string, unknown>) : undefined;
}

/**
 * A switch decision in words: `cases[0] (amount > 10000 and score < 50)` or `default`, with
 * the condition read from `definition` when it has that case.
 */
export function caseText(definition: unknown, node: string, caseIndex: number | null): string {
  if (caseIndex === null) return "no decision";
  if (caseIndex < 0) return "default";
  const cases = nodeIn(definition, node)?.cases;
  const when = Array.isArray(cases)
    ? (cases[caseIndex] as { when?: unknown } | undefined)?.when
    : undefined;
  return typeof when === "string" ? `cases[${caseIndex}] (${when})` : `cases[${caseIndex}]`;
}

/** `a = 1, b = "x"` for the keys a step wrote. */
function assignedText(assigned: Record<string, unknown> | undefined): string | null {
  if (assigned === undefined) return null;
  const keys = Object.entries(assigned);
  if (keys.length === 0) return null;
  return keys.map(([key, value]) => `${key} = ${briefJson(value, 80)}`).join(", ");
}

/** What one step of a trace did or decided, in a line. */
export function describeStep(entry: TraceEntry, definition?: unknown): string {
  const parts: string[] = [];
  const node = nodeIn(definition, entry.node);
  switch (entry.event ?? "start") {
    case "start":
      if (entry.type === "switch")
        parts.push(caseText(definition, entry.node, entry.caseIndex ?? null));
      if (entry.type === "task") {
        const handler = typeof node?.handler === "string" ? `${node.handler} ` : "";
        parts.push(
          `calls ${handler}(attempt ${entry.attempt ?? 1}) with ${briefJson(entry.input)}`,
        );
      }
      if (entry.type === "wait") {
        const what = typeof node?.signal === "string" ? `signal ${node.signal}` : "its timer";
        const until = entry.deadline === undefined ? "" : ` until ${entry.deadline}`;
        parts.push(`waits for ${what}${until}`);
      }
      if (entry.type === "end") parts.push(`output ${briefJson(entry.output)}`);
      break;
    case "task_succeeded":
      parts.push(`attempt ${entry.attempt ?? 1} succeeded: ${briefJson(entry.result)}`);
      break;
    case "task_failed":
      parts.push(
        `attempt ${entry.attempt ?? 1} failed: ${entry.error?.message ?? "?"}` +
          (entry.error?.code === undefined ? "" : ` (${entry.error.code})`) +
          (entry.permanent === true ? ", permanently" : "") +
          (entry.retryAt === undefined ? "" : `; retry at ${entry.retryAt}`),
      );
      break;
    case "signal":
      parts.push(
        `signal ${entry.signal?.name ?? "?"} with ${briefJson(entry.signal?.payload ?? null)}`,
      );
      break;
    case "timer":
      parts.push("timed out");
      break;
  }
  const assigned = assignedText(entry.assigned);
  if (assigned !== null) parts.push(assigned);
  if (entry.failure !== undefined) {
    parts.push(`failed: ${entry.failure.code}: ${entry.failure.message}`);
  }
  const text = parts.join("; ");
  if (entry.branch === undefined) return text;
  return text === "" ? `→ ${entry.branch}` : `${text} → ${entry.branch}`;
}

/** How a run was routed: its selector, the rollout arm it fell on, the binding it came by. */
export function describeRoute(route: RunRoute): string {
  const arm =
    route.arm === undefined
      ? []
      : [route.bucket === undefined ? route.arm : `${route.arm} (bucket ${route.bucket})`];
  const binding = route.binding === undefined ? [] : [`binding ${route.binding}`];
  // A number was asked for by number: name it as a version.
  const selector = /^[0-9]+$/.test(route.selector) ? `v${route.selector}` : route.selector;
  return [selector, ...arm, ...binding].join(" · ");
}
