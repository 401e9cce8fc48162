/**
 * ISO-8601 durations as definitions write them (`PT30S`, `PT72H`, `P1D`, `PT0.5S`). Only units
 * of fixed length are accepted: weeks, days, hours, minutes, seconds. Months and years are
 * refused because their length depends on the calendar date they start from, so a timer could
 * not be computed from the duration alone. A day counts as 24 hours (no DST adjustment).
 */
import { StrataError } from "../errors.js";

/**
 * The accepted duration syntax as a regular expression source; the definition schema uses the
 * same pattern (a test keeps them equal). Every component may carry a decimal fraction.
 */
export const DURATION_PATTERN =
  "^P(?!$)(?:\\d+(?:\\.\\d+)?W)?(?:\\d+(?:\\.\\d+)?D)?(?:T(?!$)(?:\\d+(?:\\.\\d+)?H)?(?:\\d+(?:\\.\\d+)?M)?(?:\\d+(?:\\.\\d+)?S)?)?$";

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
const DURATION = new RegExp(
  `^P(?!$)(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?!$)(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);

const MS_PER_UNIT = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;

/** Parses an ISO-8601 duration into milliseconds (rounded to a whole millisecond). */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (match === null) throw new StrataError("validation_failed", explainInvalidDuration(text));
  let total = 0;
  MS_PER_UNIT.forEach((unitMs, index) => {
    const value = match[index + 1];
    if (value !== undefined) total += Number(value) * unitMs;
  });
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) {
    throw new StrataError("validation_failed", `duration '${text}' is too long`);
  }
  return ms;
}

/** Whether `text` is a duration {@link parseDuration} accepts. */
export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/** Why `text` is not an accepted duration; says so plainly when it uses months or years. */
export function explainInvalidDuration(text: string): string {
  const datePart = /^P([^T]*)/.exec(text)?.[1] ?? "";
  if (/[YM]/.test(datePart)) {
    return `duration '${text}' uses months or years, whose length varies; use days instead (for example P30D)`;
  }
  return `'${text}' is not an ISO-8601 duration such as PT30S, PT72H, P1D or PT0.5S`;
}
