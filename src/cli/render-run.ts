/**
 * The human forms of runs: a run as a `key: value` block (the JSON field names, as in
 * render.ts), its trace one line per entry, and the runs table of `strata run list`.
 */
import type { TraceEntry } from "../core/interpreter/trace-entry.js";
import type { Run, RunError, RunRoute } from "../core/model.js";
import { formatBlock, formatTable, indent, shortTime } from "./output.js";

/** How much of a run to show, and the key of its workflow when it was looked up. */
export interface RunView {
  workflowKey?: string;
  /** Adds the trace below the block (`run show`). */
  trace?: boolean;
}

/** A run as a block: what it is, where it stands (waiting for, pending task, output, error). */
export function renderRun(run: Run, view: RunView = {}): string {
  const block = formatBlock([
    ["id", run.id],
    [
      "workflowId",
      view.workflowKey === undefined ? run.workflowId : `${run.workflowId} (${view.workflowKey})`,
    ],
    ["versionNumber", run.versionNumber ?? "draft"],
    ["kind", run.kind],
    ["status", run.status],
    ["waitingFor", describeWait(run.waitingFor)],
    ["pendingTask", describePendingTask(run.pendingTask)],
    ["output", run.output === null ? null : JSON.stringify(run.output)],
    ["error", describeError(run.error)],
    ["input", JSON.stringify(run.input)],
    ["route", describeRoute(run.route)],
    ["routingKey", run.routingKey],
    ["createdBy", run.createdBy],
    ["createdAt", run.createdAt],
    ["updatedAt", run.updatedAt],
    ["endedAt", run.endedAt],
    // Moves to other versions (`strata migrate`): the run is on versionNumber since the last.
    ["migrations", run.migrations.length === 0 ? "none" : run.migrations.length],
  ]);
  const migrations = run.migrations.map(
    (m) => `v${m.fromVersion} ${m.fromNode} → v${m.toVersion} ${m.toNode} at ${m.at} by ${m.by}`,
  );
  if (view.trace !== true) return [block, ...indent(migrations)].join("\n");
  return [
    block,
    ...indent(migrations),
    "trace:",
    ...indent(renderTrace(run.trace as TraceEntry[]).split("\n")),
  ].join("\n");
}

/** A trace as a table: one line per entry, with the branch taken and any error. */
export function renderTrace(trace: readonly TraceEntry[]): string {
  if (trace.length === 0) return "-";
  return formatTable(
    ["SEQ", "NODE", "TYPE", "EVENT", "BRANCH", "ATTEMPT", "ERROR"],
    trace.map((entry) => [
      entry.seq,
      entry.node,
      entry.type,
      entry.event,
      describeBranch(entry),
      entry.attempt,
      describeEntryError(entry),
    ]),
  );
}

/**
 * Runs as a table, newest first. `workflowKeys` maps workflow ids to keys; `more` says the list
 * was cut at the limit, and `hint` replaces the empty table.
 */
export function renderRunTable(
  runs: readonly Run[],
  workflowKeys: ReadonlyMap<string, string>,
  options: { more: boolean; hint: string },
): string {
  if (runs.length === 0) return options.hint;
  const table = formatTable(
    ["ID", "WORKFLOW", "VERSION", "KIND", "STATUS", "CREATED"],
    runs.map((run) => [
      run.id,
      workflowKeys.get(run.workflowId) ?? run.workflowId,
      run.versionNumber === null ? "draft" : `v${run.versionNumber}`,
      run.kind,
      run.status,
      shortTime(run.createdAt),
    ]),
  );
  return options.more ? `${table}\n(more runs: raise --limit, or filter)` : table;
}

/** `signal review, times out at <time>`, `timer until <time>`, or nothing. */
function describeWait(waitingFor: Run["waitingFor"]): string | null {
  if (waitingFor === null) return null;
  const { signal, deadline } = waitingFor;
  if (signal === undefined) return deadline === undefined ? null : `timer until ${deadline}`;
  return deadline === undefined ? `signal ${signal}` : `signal ${signal}, times out at ${deadline}`;
}

/** `notify (http), attempt 2, not before <time>`. */
function describePendingTask(task: Run["pendingTask"]): string | null {
  if (task === null) return null;
  const parts = [`${task.node} (${task.handler})`, `attempt ${task.attempt}`];
  if (task.notBefore !== undefined) parts.push(`not before ${task.notBefore}`);
  return parts.join(", ");
}

/** `code at node: message`. */
function describeError(error: RunError | null): string | null {
  if (error === null) return null;
  return `${error.code}${error.node === undefined ? "" : ` at ${error.node}`}: ${error.message}`;
}

/** The selector, then how a rollout or binding routed the run, if one did. */
function describeRoute(route: RunRoute): string {
  const parts = [route.selector];
  if (route.binding !== undefined) parts.push(`binding ${route.binding}`);
  if (route.rolloutId !== undefined) {
    parts.push(
      `rollout ${route.rolloutId}${route.bucket === undefined ? "" : ` bucket ${route.bucket}`}`,
    );
  }
  return parts.join(", ");
}

/** A switch's branch says which case it took (`cases[0]`, or `default`); others the next node. */
function describeBranch(entry: TraceEntry): string | undefined {
  if (entry.branch === undefined || entry.caseIndex === undefined) return entry.branch;
  const which = entry.caseIndex < 0 ? "default" : `cases[${entry.caseIndex}]`;
  return `${entry.branch} (${which})`;
}

/** A task attempt's error (with its retry time), and the run's failure when this step ended it. */
function describeEntryError(entry: TraceEntry): string | undefined {
  const parts: string[] = [];
  if (entry.error !== undefined) {
    const code = entry.error.code === undefined ? "" : `${entry.error.code}: `;
    parts.push(`${code}${entry.error.message}`);
    if (entry.retryAt !== undefined) parts.push(`(retry at ${entry.retryAt})`);
  }
  if (entry.failure !== undefined) {
    parts.push(
      entry.error === undefined
        ? `${entry.failure.code}: ${entry.failure.message}`
        : `(run failed: ${entry.failure.code})`,
    );
  }
  return parts.length === 0 ? undefined : parts.join(" ");
}
