/**
 * A bounded map that forgets the least recently used entry first (a Map keeps insertion
 * order, so a hit re-inserts its key at the end and the first key is always the oldest use).
 * For caches a long-running process fills from what it is asked: compiled definitions,
 * compiled input adapters. Without a bound they keep something of every distinct request.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError("limit must be 1 or more");
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value`, dropping the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /** How many entries it holds. */
  get size(): number {
    return this.#entries.size;
  }
}
