/**
 * Shares one read among the requests of the same moment. Concurrent run starts of one
 * workflow all need the same lookup (the workflow's status and the version its selector
 * names); the ones that arrive in the same turn of the event loop are answered by one query.
 *
 * Freshness is kept: a request only joins a read that has not been sent yet, so every answer
 * comes from a query issued after the request arrived — never from a cache (DESIGN.md §3).
 */
export class ReadCoalescer<V> {
  readonly #waiting = new Map<string, Promise<V>>();

  /** The value of `load()` for `key`, shared with requests for `key` not yet sent. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const pending = this.#waiting.get(key);
    if (pending !== undefined) return pending;
    const promise = new Promise<V>((resolve, reject) => {
      setImmediate(() => {
        this.#waiting.delete(key); // from now on, new requests need a new read
        load().then(resolve, reject);
      });
    });
    this.#waiting.set(key, promise);
    return promise;
  }
}
