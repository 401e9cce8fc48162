/**
 * Exponential backoff with full jitter (the "full jitter" variant: a uniform draw between 0
 * and the capped exponential), so processes that lost the database together do not come
 * back in lockstep and hit it together again.
 */

/** The delay before retry number `failures` (1 for the first), in ms. */
export function backoffMs(
  failures: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const base = options.baseMs ?? 100;
  const max = options.maxMs ?? 5000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(failures, 30) - 1));
  // At least a tenth of the ceiling: a zero delay would spin.
  return Math.round(ceiling * (0.1 + 0.9 * (options.random ?? Math.random)()));
}
