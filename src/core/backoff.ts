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

/**
 * Runs `work` until it succeeds, waiting {@link backoffMs} between tries while `transient`
 * says the failure may pass (the database is away), for at most `forMs` in all. Any other
 * failure, or the last one once the time is up, is thrown.
 */
export async function retryWhile<T>(
  work: () => Promise<T>,
  transient: (error: unknown) => boolean,
  options: { forMs: number; maxMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.forMs;
  for (let failures = 1; ; failures++) {
    try {
      return await work();
    } catch (error) {
      const wait = backoffMs(failures, { maxMs: options.maxMs ?? 2000 });
      if (!transient(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
