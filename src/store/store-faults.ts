/**
 * The one place where a database that stops answering becomes `store_unavailable` (DESIGN.md
 * §10): a Kysely dialect wrapped so that every error its driver and connections raise passes
 * through the store's classifier. Services, the engine and the API never catch driver errors
 * themselves; they see a {@link StrataError} with a stable code, a 503 and a message that says
 * the request can be retried, and everything else unchanged.
 *
 * Why the driver and not each call site: a lost connection can surface in any statement, in
 * BEGIN, COMMIT or ROLLBACK, or while a connection is being taken from the pool, and Kysely
 * routes every one of them through the driver.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from "kysely";
import { StrataError } from "../core/errors.js";

/** Turns a driver error into `store_unavailable` when it means the database is unreachable. */
export type FaultClassifier = (error: unknown) => StrataError | undefined;

/** How long a client should wait before retrying a request refused with `store_unavailable`. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/** `store_unavailable` for `cause`, with what happened in words. */
export function storeUnavailable(what: string, cause: unknown): StrataError {
  return new StrataError(
    "store_unavailable",
    `the database is unavailable (${what}); nothing was changed by this request unless it says so, retry it in a few seconds`,
    { cause, details: { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS } },
  );
}

/**
 * `store_unavailable` for a transaction the database rolled back to end a deadlock or a
 * serialization conflict: nothing of it was applied, and it can be retried at once
 * (`details.conflict`, see {@link isTransactionConflict}).
 */
export function transactionConflict(code: string, cause: unknown): StrataError {
  return new StrataError(
    "store_unavailable",
    `the database ended this transaction to resolve a conflict with another (PostgreSQL ${code}); nothing was changed, retry it`,
    { cause, details: { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS, conflict: true } },
  );
}

/** Whether `error` is a {@link transactionConflict}: rolled back, safe to retry at once. */
export function isTransactionConflict(error: unknown): boolean {
  return (
    error instanceof StrataError &&
    error.code === "store_unavailable" &&
    (error.details as { conflict?: unknown } | undefined)?.conflict === true
  );
}

/**
 * Runs `work` (a whole transaction, nothing outside the database) again when the database
 * rolled it back to end a conflict, up to `attempts` times in all.
 */
export async function retryingConflicts<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
    }
  }
}

/**
 * `store_unavailable` for a COMMIT that lost its connection: the server may have applied the
 * transaction or not, and the message must not say "nothing was changed".
 */
export function commitUnknown(what: string, cause: unknown): StrataError {
  return new StrataError(
    "store_unavailable",
    `the database became unavailable while committing (${what}); the change may or may not have been applied: look before retrying (a run start is safe to retry with the same Idempotency-Key)`,
    { cause, details: { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS, commitUnknown: true } },
  );
}

/** `dialect` with every driver and connection error passed through `classify`. */
export function withStoreFaults(dialect: Dialect, classify: FaultClassifier): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => new FaultMappingDriver(dialect.createDriver(), classify),
  };
}

/** Rethrows `error` as the classifier sees it. */
function mapped(classify: FaultClassifier, error: unknown): never {
  throw classify(error) ?? error;
}

class FaultMappingDriver implements Driver {
  readonly #connections = new WeakMap<DatabaseConnection, FaultMappingConnection>();
  readonly savepoint?: Driver["savepoint"];
  readonly rollbackToSavepoint?: Driver["rollbackToSavepoint"];
  readonly releaseSavepoint?: Driver["releaseSavepoint"];

  constructor(
    private readonly inner: Driver,
    private readonly classify: FaultClassifier,
  ) {
    // Strata uses no savepoints; a driver that offers them still offers them through this one.
    if (inner.savepoint !== undefined) this.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint !== undefined)
      this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    if (inner.releaseSavepoint !== undefined)
      this.releaseSavepoint = inner.releaseSavepoint.bind(inner);
  }

  init(): Promise<void> {
    return this.inner.init().catch((error: unknown) => mapped(this.classify, error));
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner
      .acquireConnection()
      .catch((error: unknown) => mapped(this.classify, error));
    let connection = this.#connections.get(inner);
    if (connection === undefined) {
      connection = new FaultMappingConnection(inner, this.classify);
      this.#connections.set(inner, connection);
    }
    return connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner
      .beginTransaction(unwrap(connection), settings)
      .catch((error: unknown) => mapped(this.classify, error));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(unwrap(connection)).catch((error: unknown) => {
      const unavailable = this.classify(error);
      if (unavailable === undefined) throw error;
      const { code, message } = error as { code?: unknown; message?: unknown };
      throw commitUnknown(typeof code === "string" ? code : String(message), error);
    });
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner
      .rollbackTransaction(unwrap(connection))
      .catch((error: unknown) => mapped(this.classify, error));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class FaultMappingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly classify: FaultClassifier,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner
      .executeQuery<R>(compiledQuery)
      .catch((error: unknown) => mapped(this.classify, error));
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      mapped(this.classify, error);
    }
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof FaultMappingConnection ? connection.inner : connection;
}
