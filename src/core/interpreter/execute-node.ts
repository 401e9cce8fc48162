/**
 * Executing one node (DESIGN.md §4). Pure nodes (`set`, `switch`) return the next node to
 * execute; effect nodes (`task`, `wait`) leave a pending effect for the executor and stop;
 * `end` and `fail` finish the run. Every node executed is one trace entry.
 */
import type {
  EndNode,
  FailNode,
  NodeId,
  SetNode,
  SwitchNode,
  TaskNode,
  WaitNode,
} from "../definition/definition.js";
import { parseDuration } from "../definition/duration.js";
import { contextFor, failRun, nodeOf, record, writeState } from "./advance-cursor.js";
import type { AdvanceCursor, TraceFields } from "./advance-cursor.js";
import { getOwn, setOwn } from "./json-value.js";
import { evaluateCondition, evaluateMap, evaluateShape, evaluateValue } from "./expressions.js";
import type { PendingTask, PendingWait } from "./run-snapshot.js";
import { RUN_FAILURE_CODES } from "./run-snapshot.js";

/**
 * Executes node `id`: counts the visit, records the step, and returns the next node, or null
 * when the run stopped at an effect or finished. `event` labels the run's first step.
 */
export async function executeNode(
  cursor: AdvanceCursor,
  id: NodeId,
  event?: "start",
): Promise<NodeId | null> {
  const node = nodeOf(cursor, id);
  const { snapshot } = cursor;
  snapshot.node = id;
  setOwn(snapshot.visits, id, (getOwn(snapshot.visits, id) ?? 0) + 1);
  const fields: TraceFields = { node: id, type: node.type, ...(event ? { event } : {}) };
  switch (node.type) {
    case "set":
      return executeSet(cursor, node, fields);
    case "switch":
      return executeSwitch(cursor, node, fields);
    case "task":
      return executeTask(cursor, node, fields);
    case "wait":
      return executeWait(cursor, node, fields);
    case "end":
      return executeEnd(cursor, node, fields);
    case "fail":
      return executeFail(cursor, node, fields);
  }
}

/**
 * Every expression reads the state as it was before the node, then all are written: the
 * result cannot depend on the order of the keys, which stored (canonical, key-sorted)
 * definitions do not keep from the author's YAML anyway.
 */
async function executeSet(cursor: AdvanceCursor, node: SetNode, fields: TraceFields) {
  const site = { node: fields.node, field: "assign" };
  const { state } = cursor.snapshot;
  const assigned = await evaluateMap(
    cursor.compiled,
    node.assign,
    state,
    () => contextFor(cursor),
    site,
  );
  writeState(cursor, assigned);
  record(cursor, { ...fields, assigned, branch: node.next });
  return node.next;
}

/**
 * The first case whose condition holds wins; `caseIndex` is -1 for `default`.
 */
async function executeSwitch(cursor: AdvanceCursor, node: SwitchNode, fields: TraceFields) {
  const { compiled } = cursor;
  const { state } = cursor.snapshot;
  const { cases } = node;
  for (let index = 0; index < cases.length; index++) {
    const { when, next } = cases[index] as SwitchNode["cases"][number];
    const site = { node: fields.node, field: `cases[${index}].when` };
    if (await evaluateCondition(compiled, when, state, () => contextFor(cursor), site)) {
      record(cursor, { ...fields, caseIndex: index, branch: next });
      return next;
    }
  }
  record(cursor, { ...fields, caseIndex: -1, branch: node.default });
  return node.default;
}

/**
 * Schedules the task's first attempt. The idempotency key stays the same across retries but
 * changes on each later visit of the node, since a loop's second call is a different effect.
 */
async function executeTask(cursor: AdvanceCursor, node: TaskNode, fields: TraceFields) {
  const { snapshot, env } = cursor;
  const input = await shapeOf(cursor, node.input, { node: fields.node, field: "input" });
  const visit = getOwn(snapshot.visits, fields.node) ?? 1;
  const key = `${env.run.id}:${fields.node}`;
  const pending: PendingTask = {
    type: "task",
    node: fields.node,
    handler: node.handler,
    input,
    attempt: 1,
    idempotencyKey: visit === 1 ? key : `${key}:${visit}`,
    ...(node.timeout === undefined ? {} : { timeoutMs: parseDuration(node.timeout) }),
  };
  Object.assign(snapshot, { status: "running", pending });
  record(cursor, { ...fields, input, attempt: 1 });
  return null;
}

/** Waits for the signal and/or the timer; the deadline counts from the step's time. */
function executeWait(cursor: AdvanceCursor, node: WaitNode, fields: TraceFields) {
  const deadline =
    node.timeout === undefined
      ? undefined
      : new Date(cursor.env.now.getTime() + parseDuration(node.timeout)).toISOString();
  const pending: PendingWait = {
    type: "wait",
    node: fields.node,
    ...(node.signal === undefined ? {} : { signal: node.signal }),
    ...(deadline === undefined ? {} : { deadline }),
  };
  Object.assign(cursor.snapshot, { status: "waiting", pending });
  record(cursor, { ...fields, ...(deadline === undefined ? {} : { deadline }) });
  return null;
}

/** Completes the run; an output that evaluates to nothing is stored as null. */
async function executeEnd(cursor: AdvanceCursor, node: EndNode, fields: TraceFields) {
  const { snapshot } = cursor;
  const output = await shapeOf(cursor, node.output, { node: fields.node, field: "output" });
  Object.assign(snapshot, { status: "completed", pending: null, output });
  record(cursor, { ...fields, output });
  return null;
}

/** Fails the run with the node's code and message (a non-text message is written as JSON). */
async function executeFail(cursor: AdvanceCursor, node: FailNode, fields: TraceFields) {
  const site = { node: fields.node, field: "message" };
  const value =
    node.message === undefined
      ? undefined
      : await evaluateValue(
          cursor.compiled,
          node.message,
          cursor.snapshot.state,
          contextFor(cursor),
          site,
        );
  const text =
    typeof value === "string"
      ? value
      : value === undefined || value === null
        ? ""
        : JSON.stringify(value);
  const failure = {
    code: node.code ?? RUN_FAILURE_CODES.failed,
    message: text === "" ? `the workflow failed at ${fields.node}` : text,
    node: fields.node,
  };
  failRun(cursor, failure, fields);
  return null;
}

/** A task's input or an end's output (see `evaluateShape`); null when it gives nothing. */
async function shapeOf(
  cursor: AdvanceCursor,
  spec: Parameters<typeof evaluateShape>[1],
  site: { node: NodeId; field: string },
): Promise<unknown> {
  const { compiled, snapshot } = cursor;
  const value = await evaluateShape(compiled, spec, snapshot.state, () => contextFor(cursor), site);
  return value ?? null;
}
