/**
 * The seeded `$random()` of expressions (DESIGN.md §4). Counter-based rather than a stateful
 * generator: the n-th draw of a run is a pure function of (run id, n), so the only state to
 * keep is the counter in the snapshot, and re-executing from a snapshot draws the same numbers.
 */

/** The run's seed: a 32-bit FNV-1a hash of the run id's UTF-16 code units. */
export function seedFromRunId(runId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < runId.length; index++) {
    hash ^= runId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Draw number `counter` (from 0) of the stream `seed`, in [0, 1): splitmix32, that is the
 * murmur3 finaliser applied to `seed + (counter + 1) × golden ratio`. Consecutive counters give
 * well-mixed, independent-looking values, which a plain hash of `seed + counter` would not.
 */
export function randomAt(seed: number, counter: number): number {
  let z = (seed + Math.imul(counter + 1, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return (z >>> 0) / 0x1_0000_0000;
}

/** The random numbers of one `advance`: draws in order and counts them. */
export interface RandomSource {
  /** The next number in [0, 1). */
  next(): number;
  /** Draws made in the run so far, this source's included: store it in the snapshot. */
  readonly counter: number;
}

/** A source continuing the run's stream after `counter` earlier draws. */
export function createRandomSource(runId: string, counter: number): RandomSource {
  return new RunRandom(runId, counter);
}

/** A class, not an object literal with a getter: one is made for every step of every run. */
class RunRandom implements RandomSource {
  // Hashed at the first draw: most runs draw nothing.
  #seed: number | undefined;
  #drawn: number;

  constructor(
    private readonly runId: string,
    counter: number,
  ) {
    this.#drawn = counter;
  }

  next(): number {
    this.#seed ??= seedFromRunId(this.runId);
    return randomAt(this.#seed, this.#drawn++);
  }

  get counter(): number {
    return this.#drawn;
  }
}
