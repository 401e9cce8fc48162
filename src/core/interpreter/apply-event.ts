/**
 * Applying an event to the effect a run is blocked on: a task's outcome or a wait's signal or
 * timer. Each applied event is one trace entry; the result is the node to continue at, or null
 * when the run stays blocked (a retry) or finished (a task that failed for good).
 */
import type { ExpressionMap, NodeId } from "../definition/definition.js";
import { contextFor, failRun, nodeOfType, record, writeState } from "./advance-cursor.js";
import type { AdvanceCursor } from "./advance-cursor.js";
import { evaluateMap } from "./expressions.js";
import { toJsonValue } from "./json-value.js";
import { maxAttempts, retryDelayMs } from "./retry-delay.js";
import type { RunEvent } from "./run-event.js";
import type { HandledTaskError, PendingTask, PendingWait, TaskError } from "./run-snapshot.js";
import { RUN_FAILURE_CODES } from "./run-snapshot.js";

type EventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;

/**
 * Stores the result (through `assign` with `$result`, or as `state[node]` without one) and
 * moves on to `next`.
 */
export async function applyTaskSucceeded(
  cursor: AdvanceCursor,
  pending: PendingTask,
  event: EventOf<"task_succeeded">,
): Promise<NodeId> {
  const node = nodeOfType(cursor, pending.node, "task");
  const result = toJsonValue(event.result);
  const assigned = await assignOrStore(cursor, pending.node, node.assign, { result }, result);
  writeState(cursor, assigned);
  Object.assign(cursor.snapshot, { status: "running", pending: null });
  const { attempt } = pending;
  const fields = taskFields(pending, event.type);
  record(cursor, { ...fields, attempt, result, assigned, branch: node.next });
  return node.next;
}

/**
 * Schedules the next attempt after the backoff, or takes `onError` (binding `$error` from then
 * on), or fails the run with `task_failed`.
 */
export function applyTaskFailed(
  cursor: AdvanceCursor,
  pending: PendingTask,
  event: EventOf<"task_failed">,
): NodeId | null {
  const node = nodeOfType(cursor, pending.node, "task");
  const error = taskError(event.error);
  const fields = {
    ...taskFields(pending, event.type),
    attempt: pending.attempt,
    error,
    ...(event.retryable === false ? { permanent: true as const } : {}),
  };
  if ((event.retryable ?? true) && pending.attempt < maxAttempts(node.retry)) {
    const delay = retryDelayMs(node.retry, pending.attempt);
    const retryAt = new Date(cursor.env.now.getTime() + delay).toISOString();
    cursor.snapshot.pending = { ...pending, attempt: pending.attempt + 1, notBefore: retryAt };
    record(cursor, { ...fields, retryAt });
    return null;
  }
  const handled: HandledTaskError = { node: pending.node, ...error, attempts: pending.attempt };
  if (node.onError !== undefined) {
    Object.assign(cursor.snapshot, { status: "running", pending: null, lastError: handled });
    record(cursor, { ...fields, branch: node.onError });
    return node.onError;
  }
  const message =
    `task '${pending.node}' (handler '${pending.handler}') failed after ` +
    `${pending.attempt} attempt(s): ${error.message}`;
  const failure = {
    code: RUN_FAILURE_CODES.taskFailed,
    message,
    node: pending.node,
    details: handled,
  };
  failRun(cursor, failure, fields);
  return null;
}

/**
 * Stores the payload (through `assign` with `$signal`, or as `state[node]` without one, as a
 * task's result is) and moves on to `next`.
 */
export async function applySignal(
  cursor: AdvanceCursor,
  pending: PendingWait,
  event: EventOf<"signal">,
): Promise<NodeId> {
  const node = nodeOfType(cursor, pending.node, "wait");
  const payload = toJsonValue(event.payload);
  const signal = { name: event.name, payload };
  const assigned = await assignOrStore(
    cursor,
    pending.node,
    node.assign,
    { signal: payload },
    payload,
  );
  writeState(cursor, assigned);
  Object.assign(cursor.snapshot, { status: "running", pending: null });
  record(cursor, {
    node: pending.node,
    type: "wait",
    event: "signal",
    signal,
    assigned,
    branch: node.next,
  });
  return node.next;
}

/** The wait's timeout elapsed: take `onTimeout`, or `next` when there is none. */
export function applyTimer(cursor: AdvanceCursor, pending: PendingWait): NodeId {
  const node = nodeOfType(cursor, pending.node, "wait");
  const branch = node.onTimeout ?? node.next;
  Object.assign(cursor.snapshot, { status: "running", pending: null });
  record(cursor, { node: pending.node, type: "wait", event: "timer", branch });
  return branch;
}

/**
 * The keys an outcome writes: `assign` evaluated with `$result` or `$signal` bound, or without
 * `assign` the whole value under the node's id, so that no result is silently lost.
 */
async function assignOrStore(
  cursor: AdvanceCursor,
  nodeId: NodeId,
  assign: ExpressionMap | undefined,
  bound: { result: unknown } | { signal: unknown },
  value: unknown,
): Promise<Record<string, unknown>> {
  if (assign === undefined) return { [nodeId]: value };
  const { state } = cursor.snapshot;
  const site = { node: nodeId, field: "assign" };
  return evaluateMap(cursor.compiled, assign, state, contextFor(cursor, bound), site);
}

function taskFields(pending: PendingTask, event: "task_succeeded" | "task_failed") {
  return { node: pending.node, type: "task", event } as const;
}

/** The error as plain data, whatever the executor passed. */
function taskError(error: TaskError): TaskError {
  const message = typeof error.message === "string" ? error.message : String(error.message);
  return typeof error.code === "string" ? { message, code: error.code } : { message };
}
