/**
 * What the executor feeds the interpreter: the event that happened and the environment of
 * the step (its time and the run's identity), so the interpreter never reads a clock itself.
 */
import type { RunKind } from "../model.js";
import type { TaskError } from "./run-snapshot.js";

/** Something that happened to a run. */
export type RunEvent =
  | { type: "start" }
  | { type: "task_succeeded"; result: unknown }
  /** `retryable` defaults to true; false skips the remaining attempts. */
  | { type: "task_failed"; error: TaskError; retryable?: boolean }
  | { type: "signal"; name: string; payload: unknown }
  | { type: "timer" };

/** The run's identity, bound in expressions as `$run`. */
export interface RunInfo {
  id: string;
  versionId: string;
  /** Null when a test run executes a draft, which has no number yet. */
  versionNumber: number | null;
  kind: RunKind;
}

/** The step's environment: everything that is not in the snapshot or the event. */
export interface RunEnv {
  /** The time of the step, recorded by the executor; `$now()` and `$millis()` return it. */
  now: Date;
  run: RunInfo;
  /** The most steps a run may take in its life (default {@link DEFAULT_STEP_LIMIT}). */
  stepLimit?: number;
}

/** The step limit when the environment does not set one. */
export const DEFAULT_STEP_LIMIT = 1000;
