/**
 * Group commit: many concurrent callers each hand in a write, and the writes that arrive while
 * the previous transaction commits go to the database together in the next one. Each caller's
 * promise settles only after its own transaction committed, so durability is what it would be
 * with one transaction per write, at a fraction of the commits (one fsync on SQLite, one round
 * trip on PostgreSQL, for a whole batch).
 */

interface Waiter<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Batches items into one `flush` call per transaction. `flush` returns one result per item,
 * in order (for example whether a conditional update matched).
 */
export class GroupCommit<T, R = void> {
  #queue: Waiter<T, R>[] = [];
  #running = false;

  /**
   * With `overlap`, a batch is flushed as soon as it is gathered, while earlier ones may still
   * be committing: for a writer that queues what it is given and commits it in order by itself
   * (SQLite's write thread), so that it never sits idle waiting for this side to notice a
   * commit and hand over the next batch.
   */
  constructor(
    private readonly flush: (items: readonly T[]) => Promise<R[]>,
    private readonly options: { maxBatch?: number; overlap?: boolean } = {},
  ) {}

  /** Queues an item; resolves with its result once the transaction holding it committed. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // Let the callers of this tick queue their items first.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    const maxBatch = this.options.maxBatch ?? 2000;
    if (this.options.overlap === true) {
      const batches: Promise<void>[] = [];
      while (this.#queue.length > 0) batches.push(this.#commit(this.#queue.splice(0, maxBatch)));
      this.#running = false;
      await Promise.all(batches);
      return;
    }
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, maxBatch);
      await this.#commit(batch);
    }
    this.#running = false;
  }

  async #commit(batch: Waiter<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.flush(batch.map((waiter) => waiter.item));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One bad item must not fail its neighbours: commit each alone to find it.
      for (const waiter of batch) await this.#commit([waiter]);
      return;
    }
    batch.forEach((waiter, index) => waiter.resolve(results[index] as R));
  }
}
