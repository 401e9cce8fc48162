/**
 * Intervals as people type them for schedules and guards: `90s`, `15m`, `1h`, `2d`, `500ms`,
 * or an ISO-8601 duration (`PT1H`), as milliseconds.
 */
import { isDuration, parseDuration } from "../definition/duration.js";
import { StrataError } from "../errors.js";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SHORT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** The shortest interval accepted: automation looks at rollouts about once a second. */
export const MIN_INTERVAL_MS = 1_000;
/** The longest: a year. */
export const MAX_INTERVAL_MS = 366 * 86_400_000;

/** Parses `text` (`15m`, `1h`, `PT1H`…) into milliseconds, within the bounds above. */
export function parseInterval(text: string, what: string): number {
  const short = SHORT.exec(text.trim());
  let ms: number | undefined;
  if (short !== null) ms = Math.round(Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS]);
  else if (isDuration(text.trim())) ms = parseDuration(text.trim());
  if (ms === undefined) {
    throw new StrataError(
      "validation_failed",
      `${what} must be an interval such as 30s, 15m, 1h, 1d or PT1H, not ${JSON.stringify(text)}`,
    );
  }
  if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw new StrataError(
      "validation_failed",
      `${what} must be between 1s and 366d, not ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

/** An interval in milliseconds as the shortest exact short form (`1h`, `90s`, `1500ms`). */
export function formatInterval(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
