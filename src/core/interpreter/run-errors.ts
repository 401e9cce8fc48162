/**
 * Errors for events a run cannot take: the executor's mistakes or races (a signal for a run
 * that finished meanwhile), not failures of the run itself. All map to 409.
 *
 * `run_event_unexpected` is not in `ERROR_STATUS` of `../errors.ts` yet; until it is, its code
 * is cast here, and only here.
 */
import type { ErrorCode } from "../errors.js";
import { StrataError } from "../errors.js";

/** Any event for a run that has completed or failed. */
export function runFinished(message: string): StrataError {
  return new StrataError("run_finished", message);
}

/** A signal or timer for an in-flight run that is not waiting for it. */
export function runNotWaiting(message: string): StrataError {
  return new StrataError("run_not_waiting", message);
}

/** A `start` or task event an in-flight run is not in a state to take. */
export function runEventUnexpected(message: string): StrataError {
  return new StrataError("run_event_unexpected" as string as ErrorCode, message);
}
