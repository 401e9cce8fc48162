/**
 * Backoff between the attempts of a task (DESIGN.md §4: "retries back off"): exponential,
 * capped, and without jitter, because the delay is part of the run's recorded decisions and
 * must come out the same on replay.
 */
import type { RetryPolicy } from "../definition/definition.js";
import { parseDuration } from "../definition/duration.js";

/** The policy a task gets for what its `retry` block leaves out (no block: one attempt). */
export const RETRY_DEFAULTS = {
  maxAttempts: 1,
  initialInterval: "PT1S",
  backoffCoefficient: 2,
  maximumInterval: "PT1M",
} as const;

/** How many attempts a task gets in all, the first included. */
export function maxAttempts(retry: RetryPolicy | undefined): number {
  return retry?.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
}

/**
 * Milliseconds to wait after failed attempt `attempt` (from 1) before the next one:
 * `initialInterval × backoffCoefficient^(attempt − 1)`, capped at `maximumInterval`, rounded
 * to a whole millisecond. Without an explicit maximum the cap is one minute or the initial
 * interval, whichever is longer, so a default never shortens an interval the author wrote.
 */
export function retryDelayMs(retry: RetryPolicy | undefined, attempt: number): number {
  const initial = parseDuration(retry?.initialInterval ?? RETRY_DEFAULTS.initialInterval);
  const coefficient = retry?.backoffCoefficient ?? RETRY_DEFAULTS.backoffCoefficient;
  const maximum =
    retry?.maximumInterval === undefined
      ? Math.max(parseDuration(RETRY_DEFAULTS.maximumInterval), initial)
      : parseDuration(retry.maximumInterval);
  // A large attempt overflows to Infinity, which the cap turns back into the maximum.
  const delay = initial * coefficient ** Math.max(0, attempt - 1);
  return Math.round(Math.min(delay, maximum));
}
