/** The source of time: injected so that tests and replays decide deterministically. */
export interface Clock {
  /** The current time. */
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Formats a time as the ISO-8601 UTC text that every table stores (sortable as text). */
export function toTimestamp(date: Date): string {
  return date.toISOString();
}
