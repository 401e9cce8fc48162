/**
 * Retention periods and prune cutoffs as people type them (DESIGN.md §10): `strata runs prune
 * --finished-before <ISO date | 90d>` and the `retention` setting (`STRATA_RETENTION=90d`).
 * Pure: the caller passes `now`.
 *
 * Stricter than the intervals of schedules (`./routing/interval.ts`) on purpose, since what
 * these decide is deleted: a unit is required (`90` alone is refused, not read as seconds or
 * days), `m` is minutes (never months), and a time needs its zone (`2026-01-01T12:00:00`
 * without `Z` would mean a different instant on each machine).
 */
import { isDuration, parseDuration } from "./definition/duration.js";
import { StrataError } from "./errors.js";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SHORT = /^(\d{1,9})(m|h|d)$/;
/** A date (midnight UTC), or a date and time with `Z` or an offset. */
const ISO_TIME = /^\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:\d\d))?$/;

/** The shortest retention: a minute (anything shorter is a typo rather than a policy). */
export const MIN_RETENTION_MS = 60_000;
/** The longest: a hundred years of 366 days, enough for any record-keeping rule. */
export const MAX_RETENTION_MS = 100 * 366 * 86_400_000;

const ACCEPTED_AGES = "an age such as 90d, 12h or 30m (days, hours, minutes) or P90D";

/**
 * Parses a retention period, `90d`, `12h`, `30m` or an ISO-8601 duration (`P90D`, `PT12H`),
 * into milliseconds, between a minute and a hundred years. Anything else is
 * `validation_failed`, with a message that says what is accepted.
 */
export function parseRetention(text: string): number {
  const trimmed = text.trim();
  const short = SHORT.exec(trimmed);
  let ms: number | undefined;
  if (short !== null) ms = Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS];
  else if (isDuration(trimmed)) ms = parseDuration(trimmed);
  if (ms === undefined) {
    throw new StrataError(
      "validation_failed",
      `a retention period is ${ACCEPTED_AGES}, not ${JSON.stringify(text)}`,
    );
  }
  assertRetentionMs(ms, text);
  return ms;
}

/** Refuses a retention in milliseconds outside a minute to a hundred years. */
export function assertRetentionMs(ms: number, shown: string | number = ms): void {
  if (!Number.isSafeInteger(ms) || ms < MIN_RETENTION_MS || ms > MAX_RETENTION_MS) {
    throw new StrataError(
      "validation_failed",
      `a retention period must be between 1m and 36600d, not ${JSON.stringify(shown)}`,
    );
  }
}

/**
 * The cutoff of a prune: runs that ended before it go. `text` is an ISO date
 * (`2026-01-01`, midnight UTC), an ISO time with its zone (`2026-01-01T12:00:00Z`), or an age
 * counted back from `now` (`90d`, `12h`, `30m`, `P90D`). A cutoff later than `now` is refused:
 * it would take runs that are still ending, and is more likely a wrong year than a wish.
 */
export function resolveFinishedBefore(value: string | Date, now: Date): Date {
  const cutoff = typeof value === "string" ? parseCutoff(value, now) : value;
  if (Number.isNaN(cutoff.getTime())) {
    throw new StrataError("validation_failed", "finishedBefore is not a valid time");
  }
  if (cutoff.getTime() > now.getTime()) {
    throw new StrataError(
      "validation_failed",
      `finishedBefore ${cutoff.toISOString()} is in the future; give a past time or an age such as 90d`,
    );
  }
  return cutoff;
}

function parseCutoff(text: string, now: Date): Date {
  const trimmed = text.trim();
  if (ISO_TIME.test(trimmed)) {
    const time = Date.parse(trimmed);
    // Date.parse rolls 2026-02-30 over to March 2; a day that does not exist is refused.
    const exists =
      !Number.isNaN(time) &&
      (trimmed.length !== 10 || new Date(time).toISOString().slice(0, 10) === trimmed);
    if (exists) return new Date(time);
  } else if (SHORT.test(trimmed) || isDuration(trimmed)) {
    return new Date(now.getTime() - parseRetention(trimmed));
  }
  throw new StrataError(
    "validation_failed",
    `finishedBefore is an ISO date (2026-01-01), an ISO time with its zone (2026-01-01T12:00:00Z) or ${ACCEPTED_AGES}, not ${JSON.stringify(text)}`,
  );
}
