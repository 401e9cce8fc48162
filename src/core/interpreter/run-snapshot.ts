/**
 * The durable form of a run as the pure interpreter sees it. The executor stores a
 * {@link RunSnapshot} at every effect (DESIGN.md §4, durability) and hands it back with the
 * next event; everything in it is plain JSON, so it survives a database round trip unchanged.
 */
import type { NodeId } from "../definition/definition.js";

/** Where a run is in the interpreter's view (cancelling is the executor's business). */
export type SnapshotStatus = "running" | "waiting" | "completed" | "failed";

/** Why a run failed: data recorded in the run and its trace, not an exception. */
export interface RunFailure {
  /** A built-in code of {@link RUN_FAILURE_CODES}, or a `fail` node's own code. */
  code: string;
  message: string;
  node?: NodeId;
  details?: unknown;
}

/** The failure codes the interpreter itself produces. */
export const RUN_FAILURE_CODES = {
  /** A JSONata expression threw while the run evaluated it. */
  expressionFailed: "expression_failed",
  /** A task failed on every attempt and its node has no `onError`. */
  taskFailed: "task_failed",
  /** The run took more steps than its limit allows (a runaway loop). */
  stepLimitExceeded: "step_limit_exceeded",
  /** A `fail` node without its own `code`. */
  failed: "failed",
} as const;

/** A task error as a handler reported it. */
export interface TaskError {
  message: string;
  code?: string;
}

/** The task failure an `onError` branch handles, bound there as `$error`. */
export interface HandledTaskError extends TaskError {
  node: NodeId;
  /** How many attempts were made before giving up. */
  attempts: number;
}

/** A task the executor must run: the handler gets `input` and `idempotencyKey`. */
export interface PendingTask {
  type: "task";
  node: NodeId;
  handler: string;
  input: unknown;
  /** 1 for the first attempt; retries keep the input and the idempotency key. */
  attempt: number;
  /** `runId:nodeId` on the node's first visit, `runId:nodeId:visit` on later ones (loops). */
  idempotencyKey: string;
  /** ISO time before which a retry must not start (absent on the first attempt). */
  notBefore?: string;
  /** How long one attempt may take; the executor reports an overrun as a `task_failed`. */
  timeoutMs?: number;
}

/** A wait for a named signal and/or a timer. */
export interface PendingWait {
  type: "wait";
  node: NodeId;
  signal?: string;
  /** ISO time when the `timer` event is due (present only when the node has a timeout). */
  deadline?: string;
}

/** The effect a run is blocked on. */
export type Pending = PendingTask | PendingWait;

/** Everything the interpreter needs to continue a run; JSON-serialisable by construction. */
export interface RunSnapshot {
  status: SnapshotStatus;
  /**
   * The node the run is at: the next node to execute before `start`, the node of the pending
   * effect while in flight, and the last node executed once finished.
   */
  node: NodeId | null;
  /** The run's state: the object expressions read as `$` and `assign` writes to. */
  state: Record<string, unknown>;
  /** The original input, bound as `$input`. */
  input: unknown;
  /**
   * Trace entries recorded so far: one per node executed and one per event applied to a
   * pending effect. The next entry's `seq` is `steps + 1`; the step limit counts these.
   */
  steps: number;
  /** `$random()` draws so far; re-executing from this snapshot draws the same numbers. */
  randomCounter: number;
  /** How many times each node was entered, for loop-aware idempotency keys. */
  visits: Record<NodeId, number>;
  pending: Pending | null;
  /** The output of an `end` node (null when its output evaluated to nothing). */
  output?: unknown;
  /** Why the run failed, when `status` is `failed`. */
  error?: RunFailure;
  /** The last task failure routed to an `onError` branch, bound as `$error` from then on. */
  lastError?: HandledTaskError;
}
