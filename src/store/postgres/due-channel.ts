/**
 * LISTEN/NOTIFY for due work (issue 16): a process that makes a run due now (a start that
 * reaches a task, a retry due at once) notifies `strata_due` in the same transaction, and
 * every process listening wakes its worker at once instead of at its next poll. Polling stays
 * as the fallback: a notification is a hint, never the only way work is found.
 *
 * One dedicated connection per process, outside the pool (a LISTEN must stay on its
 * session), opened on the first subscriber. When it is lost (a restart, a failover, a proxy)
 * it reconnects with jittered backoff and then wakes every subscriber once, since
 * notifications sent meanwhile are gone.
 */
import pg from "pg";
import { backoffMs } from "../../core/backoff.js";

/** The channel's name. */
export const DUE_CHANNEL = "strata_due";

/** A process's LISTEN connection, shared by its subscribers. */
export class DueChannel {
  readonly #listeners = new Set<() => void>();
  #client: pg.Client | null = null;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | null = null;
  #connecting = false;

  constructor(private readonly url: string) {}

  /** Calls `listener` on every notification; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (this.#client === null && this.#retry === null) void this.#connect();
    return () => this.#listeners.delete(listener);
  }

  /** Whether the LISTEN connection is up (for readiness and tests). */
  get listening(): boolean {
    return this.#client !== null;
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#connecting) return;
    this.#connecting = true;
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5000,
    });
    // Any error ends this connection: drop it and connect again later.
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    client.on("notification", () => this.#wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${DUE_CHANNEL}`);
    } catch {
      this.#connecting = false;
      this.#lost(client);
      return;
    }
    this.#connecting = false;
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    // Whatever was notified while there was no connection is lost: look once.
    if (this.#failures > 0) this.#wake();
    this.#failures = 0;
  }

  #lost(client: pg.Client): void {
    void client.end().catch(() => undefined);
    // A late event of a connection already replaced (or still connecting) changes nothing.
    if (this.#client !== null && this.#client !== client) return;
    if (this.#client === client) this.#client = null;
    if (this.#closed || this.#retry !== null || this.#connecting) return;
    this.#failures++;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect();
    }, backoffMs(this.#failures));
    this.#retry.unref();
  }

  #wake(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Closes the connection; no reconnect afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}
