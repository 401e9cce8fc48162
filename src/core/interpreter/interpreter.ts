/**
 * The pure interpreter (DESIGN.md §4; STYLE.md: the deterministic part). Given a run's
 * snapshot, the event that happened and the step's environment, {@link advance} decides what
 * the run does next: it executes pure nodes one after another until the run reaches an effect
 * (a task to call, a wait) or finishes, and returns the new snapshot and the trace entries.
 *
 * It reads no clock, draws no random number and does no I/O: time, randomness and the run's
 * identity come in through `env`, and effects go out as `snapshot.pending`. So the same
 * snapshot, event and env always give the same result, which is what re-execution after a
 * crash and replay rely on. The durable executor around it stores snapshots, calls handlers
 * and fires timers.
 */
import type { NodeId } from "../definition/definition.js";
import { applySignal, applyTaskFailed, applyTaskSucceeded, applyTimer } from "./apply-event.js";
import { closeCursor, failRun, failingOnExpression, nodeOf, openCursor } from "./advance-cursor.js";
import type { AdvanceCursor } from "./advance-cursor.js";
import type { CompiledDefinition } from "./compile-definition.js";
import { executeNode } from "./execute-node.js";
import { isJsonObject, toJsonValue } from "./json-value.js";
import type { RunEnv, RunEvent } from "./run-event.js";
import { runEventUnexpected, runFinished, runNotWaiting } from "./run-errors.js";
import type { PendingTask, PendingWait, RunSnapshot } from "./run-snapshot.js";
import { RUN_FAILURE_CODES } from "./run-snapshot.js";
import type { Advance } from "./trace-entry.js";

/**
 * The snapshot of a run that has not started: at `start`, with the state a copy of the input.
 * Only an object input can be a state (`assign` writes top-level keys); any other input (an
 * array, a number…) is kept as `$input` and the state starts empty. Input schemas normally ask
 * for an object anyway.
 */
export function initialSnapshot(compiled: CompiledDefinition, input: unknown): RunSnapshot {
  const json = toJsonValue(input) ?? null;
  return {
    status: "running",
    node: compiled.definition.start,
    state: isJsonObject(json) ? (toJsonValue(json) as Record<string, unknown>) : {},
    input: json,
    steps: 0,
    randomCounter: 0,
    visits: {},
    pending: null,
  };
}

/** Whether the run is waiting for the signal `name` (check before sending one). */
export function isWaitingFor(snapshot: RunSnapshot, name: string): boolean {
  return waitingOn(snapshot)?.signal === name;
}

/** Whether the run is waiting with a timer set (check before firing one). */
export function isWaitingForTimer(snapshot: RunSnapshot): boolean {
  return waitingOn(snapshot)?.deadline !== undefined;
}

/**
 * Applies `event` to the run and executes nodes until the run is blocked on an effect or
 * finished. Never changes `snapshot`. An expression that throws fails the run
 * (`expression_failed`), as does a run exceeding the step limit (`step_limit_exceeded`).
 * Throws `run_finished` for any event once the run completed or failed, `run_not_waiting` for
 * a signal or timer it is not waiting for, and `run_event_unexpected` for a start or task
 * event it cannot take.
 */
export async function advance(
  compiled: CompiledDefinition,
  snapshot: RunSnapshot,
  event: RunEvent,
  env: RunEnv,
): Promise<Advance> {
  if (snapshot.status === "completed" || snapshot.status === "failed") {
    throw runFinished(
      `the run has ${snapshot.status}: it takes no more events (got ${event.type})`,
    );
  }
  const cursor = openCursor(compiled, snapshot, env);
  if (event.type === "start") {
    assertStartable(snapshot);
    await runFrom(cursor, snapshot.node, "start");
  } else {
    const next = await applyEvent(cursor, event);
    await runFrom(cursor, next);
  }
  return closeCursor(cursor);
}

async function applyEvent(
  cursor: AdvanceCursor,
  event: Exclude<RunEvent, { type: "start" }>,
): Promise<NodeId | null> {
  const { snapshot } = cursor;
  switch (event.type) {
    case "task_succeeded": {
      const pending = pendingTask(snapshot, event.type);
      return failingOnExpression(cursor, pending.node, event.type, () =>
        applyTaskSucceeded(cursor, pending, event),
      );
    }
    case "task_failed":
      return applyTaskFailed(cursor, pendingTask(snapshot, event.type), event);
    case "signal": {
      const pending = waitingOn(snapshot);
      if (pending?.signal !== event.name) throw notWaiting(snapshot, `signal '${event.name}'`);
      return failingOnExpression(cursor, pending.node, event.type, () =>
        applySignal(cursor, pending, event),
      );
    }
    case "timer": {
      const pending = waitingOn(snapshot);
      if (pending?.deadline === undefined) throw notWaiting(snapshot, "a timer");
      return applyTimer(cursor, pending);
    }
  }
}

/** Executes nodes from `first` until one stops the run, failing it past the step limit. */
async function runFrom(cursor: AdvanceCursor, first: NodeId | null, event?: "start") {
  let current = first;
  let label = event;
  while (current !== null) {
    const id = current;
    if (cursor.snapshot.steps >= cursor.stepLimit) {
      failStepLimit(cursor, id);
      return;
    }
    current = await failingOnExpression(cursor, id, label, () => executeNode(cursor, id, label));
    label = undefined;
  }
}

function failStepLimit(cursor: AdvanceCursor, id: NodeId): void {
  const limit = cursor.stepLimit;
  const failure = {
    code: RUN_FAILURE_CODES.stepLimitExceeded,
    message:
      `the run took more than its limit of ${limit} steps, at node '${id}'; a loop in the ` +
      "definition may never end (raise the step limit if the run really needs more steps)",
    node: id,
    details: { limit },
  };
  failRun(cursor, failure, { node: id, type: nodeOf(cursor, id).type });
}

function waitingOn(snapshot: RunSnapshot): PendingWait | undefined {
  return snapshot.status === "waiting" && snapshot.pending?.type === "wait"
    ? snapshot.pending
    : undefined;
}

function assertStartable(snapshot: RunSnapshot): void {
  if (snapshot.status !== "running" || snapshot.pending !== null || snapshot.steps !== 0) {
    throw runEventUnexpected(
      `cannot start a run that has already started (it is ${describe(snapshot)})`,
    );
  }
}

function pendingTask(snapshot: RunSnapshot, event: string): PendingTask {
  if (snapshot.status === "running" && snapshot.pending?.type === "task") return snapshot.pending;
  throw runEventUnexpected(
    `cannot apply ${event}: the run has no task pending (it is ${describe(snapshot)})`,
  );
}

function notWaiting(snapshot: RunSnapshot, what: string) {
  return runNotWaiting(`the run is not waiting for ${what} (it is ${describe(snapshot)})`);
}

/** The run's position in words, for error messages. */
function describe(snapshot: RunSnapshot): string {
  const { status, pending, node } = snapshot;
  if (pending?.type === "task") return `${status}, calling task '${pending.node}'`;
  if (pending?.type === "wait") {
    const signal = pending.signal === undefined ? "no signal" : `signal '${pending.signal}'`;
    const timer = pending.deadline === undefined ? "no timer" : `a timer at ${pending.deadline}`;
    return `waiting at '${pending.node}' for ${signal} and ${timer}`;
  }
  return node === null ? status : `${status} at '${node}'`;
}
