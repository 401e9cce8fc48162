/**
 * Group commit: many concurrent callers each hand in a write, and the writes that arrive while
 * the previous transaction commits go to the database together in the next one. Each caller's
 * promise settles only after its own transaction committed, so durability is what it would be
 * with one transaction per write, at a fraction of the commits (one fsync on SQLite, one round
 * trip on PostgreSQL, for a whole batch).
 */
import { isStrataError } from "../core/errors.js";

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
  #scheduled = false;
  #flushing = 0;

  /**
   * `inFlight` (default 1) is how many flushes may be under way at once. With more than one, a
   * batch gathered while another commits is handed over at once: for a writer that queues
   * what it is given and commits it in order by itself (SQLite's write thread), so that the
   * next batch is already waiting when a commit ends, and the writer never sits idle until
   * this side notices the commit.
   *
   * `eager` hands a batch over as soon as the code that queued its first item yields (a
   * microtask) rather than after every callback of this turn of the event loop has run. A
   * batch then waits less but holds fewer items: for a writer that gathers what queues up
   * while it commits by itself (the write thread again), which keeps the batches large.
   */
  constructor(
    private readonly flush: (items: readonly T[]) => Promise<R[]>,
    private readonly options: { maxBatch?: number; inFlight?: number; eager?: boolean } = {},
  ) {}

  /** Queues an item; resolves with its result once the transaction holding it committed. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#scheduled && this.#flushing < (this.options.inFlight ?? 1)) {
        this.#scheduled = true;
        // Let the callers of this tick (eager: of this callback) queue their items first.
        (this.options.eager === true ? queueMicrotask : setImmediate)(() => {
          this.#scheduled = false;
          this.#flushMore();
        });
      }
    });
  }

  /** Starts flushes of what is queued, as many as may be under way. */
  #flushMore(): void {
    const maxBatch = this.options.maxBatch ?? 2000;
    while (this.#queue.length > 0 && this.#flushing < (this.options.inFlight ?? 1)) {
      this.#flushing++;
      void this.#commit(this.#queue.splice(0, maxBatch)).then(() => {
        this.#flushing--;
        // What queued up meanwhile goes next, at once.
        this.#flushMore();
      });
    }
  }

  async #commit(batch: Waiter<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.flush(batch.map((waiter) => waiter.item));
    } catch (error) {
      // Alone, or the database itself is away: every item fails alike.
      if (batch.length === 1 || isStrataError(error, "store_unavailable")) {
        for (const waiter of batch) waiter.reject(error);
        return;
      }
      // One bad item must not fail its neighbours: commit each alone to find it.
      for (const waiter of batch) await this.#commit([waiter]);
      return;
    }
    batch.forEach((waiter, index) => waiter.resolve(results[index] as R));
  }
}
