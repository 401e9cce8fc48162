/** A clock the test moves by hand, so timers and retries fire when the test says. */
import type { Clock } from "../../src/core/clock.js";

/** A settable clock starting at a fixed time. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start = Date.parse("2026-01-01T00:00:00.000Z")) {
    this.#ms = start;
  }
  now(): Date {
    return new Date(this.#ms);
  }
  /** Moves the clock forward. */
  advance(ms: number): void {
    this.#ms += ms;
  }
}
