/**
 * Errors for events a run cannot take: the executor's mistakes or races (a signal for a run
 * that finished meanwhile), not failures of the run itself.
 *
 * `run_not_waiting` and `run_event_unexpected` are not in `ERROR_STATUS` of `../errors.ts` yet
 * (both should map to 409); until they are, the codes are cast here, and only here.
 */
import type { ErrorCode } from "../errors.js";
import { StrataError } from "../errors.js";

/** A signal or timer for a run that is not waiting for it. */
export function runNotWaiting(message: string): StrataError {
  return new StrataError("run_not_waiting" as string as ErrorCode, message);
}

/** A `start` or task event the run is not in a state to take. */
export function runEventUnexpected(message: string): StrataError {
  return new StrataError("run_event_unexpected" as string as ErrorCode, message);
}
