/**
 * Kysely's driver for Strata's one better-sqlite3 connection.
 *
 * Kysely's own SQLite driver guards the connection with a mutex whose waiters all wake up each
 * time it is released and all but one go back to sleep: with n queries waiting, handing the
 * connection on costs n wake-ups, so a server with 32 requests in flight spent more time waking
 * waiters than querying (20,000 concurrent token lookups took 1.2 ms each instead of 10 µs).
 * This driver queues waiters and wakes exactly the next one. It also begins transactions with
 * BEGIN IMMEDIATE: every Strata transaction writes, and a deferred BEGIN would take the write
 * lock only at the first write, where another process holding it fails the statement with
 * SQLITE_BUSY at once instead of waiting out `busy_timeout`.
 */
import { CompiledQuery } from "kysely";
import type { DatabaseConnection, Driver, QueryResult, SqliteDatabase } from "kysely";

/** A FIFO lock: `release` hands the lock straight to the longest waiter. */
export class FifoLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Whether someone is waiting for the lock. */
  get contended(): boolean {
    return this.#waiters.length > 0;
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#held = false;
    else next();
  }
}

class SqliteConnection implements DatabaseConnection {
  constructor(private readonly database: SqliteDatabase) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.database.prepare(compiledQuery.sql);
    const parameters = compiledQuery.parameters;
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastInsertRowid),
      rows: [],
    });
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.database.prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters)) {
      yield await Promise.resolve({ rows: [row as R] });
    }
  }
}

/** The driver: one connection, handed to one query or transaction at a time, in order. */
export class StrataSqliteDriver implements Driver {
  readonly #lock = new FifoLock();
  readonly #connection: SqliteConnection;

  constructor(private readonly database: SqliteDatabase) {
    this.#connection = new SqliteConnection(database);
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  releaseConnection(): Promise<void> {
    this.#lock.release();
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`));
  }

  destroy(): Promise<void> {
    this.database.close();
    return Promise.resolve();
  }
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A driver whose every statement runs elsewhere, by itself: on the write thread, for
 * `Store.relaxedWrite`. There is no connection to hold, so none is locked; there are no
 * transactions, since each statement commits alone.
 */
export class RelayDriver implements Driver {
  readonly #connection: DatabaseConnection;

  constructor(run: (query: CompiledQuery) => Promise<{ rows: unknown[]; changes: number }>) {
    this.#connection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const { rows, changes } = await run(query);
        return { rows: rows as R[], numAffectedRows: BigInt(changes) };
      },
      streamQuery: () => {
        throw new Error("a relaxed write cannot stream rows");
      },
    };
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.resolve(this.#connection);
  }

  releaseConnection(): Promise<void> {
    return Promise.resolve();
  }

  beginTransaction(): Promise<void> {
    return Promise.reject(
      new Error("a relaxed write runs each statement by itself; use Store.transaction for more"),
    );
  }

  commitTransaction(): Promise<void> {
    return Promise.resolve();
  }

  rollbackTransaction(): Promise<void> {
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    return Promise.resolve();
  }
}
