/**
 * The SQLite store: a better-sqlite3 connection in WAL mode behind Kysely for everything, and a
 * second one on a thread of its own for the group commits of run starts (./write-thread.ts,
 * ADR 0008). Mirrors `../postgres/postgres-store.ts`.
 */
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import type { CompiledQuery, Driver, SqliteDatabase } from "kysely";
import { applyMigrations, loadMigrations, schemaStatus } from "../migrate.js";
import type { MigrationSession } from "../migrate.js";
import type { StrataSchema } from "../schema.js";
import type { Store, StoreTransaction } from "../store.js";
import { withStoreFaults } from "../store-faults.js";
import { configureConnection } from "./connection-settings.js";
import type { Synchronous } from "./connection-settings.js";
import { FifoLock, RelayDriver, StrataSqliteDriver } from "./sqlite-driver.js";
import { withStatementCache } from "./statement-cache.js";
import { SqliteWriteThread } from "./write-thread.js";
import { classifySqliteFault } from "./sqlite-faults.js";

/** Kysely's SQLite dialect with Strata's driver (see ./sqlite-driver.ts). */
class StrataSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }
  override createDriver(): Driver {
    return new StrataSqliteDriver(this.database);
  }
}

/** Kysely's SQLite dialect for statements that run on the write thread, each by itself. */
class RelayDialect extends SqliteDialect {
  constructor(private readonly run: ConstructorParameters<typeof RelayDriver>[0]) {
    super({ database: () => Promise.reject(new Error("a relay has no connection")) });
  }
  override createDriver(): Driver {
    return new RelayDriver(this.run);
  }
}

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * `FULL` (the default) makes every commit durable against power loss, not only against a
   * crash of the process; `NORMAL` trades that for speed.
   */
  synchronous?: Synchronous;
  /**
   * Commit batches of run starts on a thread of their own (./write-thread.ts). On by default
   * for a file; never for `:memory:`, which another connection cannot open.
   */
  writeThread?: boolean;
}

/** Opens (creating if needed) a SQLite database file and migrates it. */
export async function openSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<Store> {
  const synchronous = options.synchronous ?? "FULL";
  const database = new Database(path);
  configureConnection(database, synchronous);
  try {
    await migrateSqlite(database);
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<StrataSchema>({
    dialect: withStoreFaults(
      new StrataSqliteDialect(withStatementCache(database)),
      classifySqliteFault,
    ),
  });
  const inMemory = path === "" || path === ":memory:" || path.startsWith("file::memory:");
  const useThread = (options.writeThread ?? true) && !inMemory;
  // Started by the first batch: a CLI command that starts no run never pays for a thread.
  let thread: SqliteWriteThread | undefined;
  let closed = false;
  const inFlight = new Set<Promise<void>>();
  // One writer at a time in this process, the main connection's transactions or the thread:
  // a statement on the main connection that met the thread's SQLite lock would wait in the
  // busy handler, which sleeps and so stops the event loop. Writes outside a transaction skip
  // this lock; Strata makes none on a hot path (see ADR 0008).
  const writeLock = new FifoLock();
  const locked = async <T>(write: () => Promise<T>): Promise<T> => {
    await writeLock.acquire();
    try {
      return await write();
    } finally {
      writeLock.release();
    }
  };
  // The thread's batches hold the lock together: a batch handed over while others are still
  // committing joins them (the thread runs them in order itself) unless a transaction of the
  // main connection is waiting for the lock; the last one to finish releases it.
  let threadWrites = 0;
  const lockedForThread = async <T>(write: () => Promise<T>): Promise<T> => {
    if (threadWrites === 0 || writeLock.contended) await writeLock.acquire();
    threadWrites++;
    try {
      return await write();
    } finally {
      if (--threadWrites === 0) writeLock.release();
    }
  };
  /** The thread, started (or replaced, when it failed) by the first write that needs it. */
  const writeThread = (): SqliteWriteThread => {
    if (thread === undefined || thread.failed)
      thread = new SqliteWriteThread({ path, synchronous });
    return thread;
  };
  /** Hands `write` to the thread; its promise settles once the thread committed it. */
  const onThread = <T>(write: (thread: SqliteWriteThread) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error("the store is closed"));
    // A new thread is waited for outside the lock.
    const current = writeThread();
    const written = current.ready.then(() => lockedForThread(() => write(current)));
    const settled: Promise<void> = written
      .catch(() => undefined)
      .then(() => void inFlight.delete(settled));
    inFlight.add(settled);
    return written;
  };
  // Relaxed writes (claims, lease renewals) run on the thread as well: off the event loop,
  // each statement committed by itself or with the thread's next batch (ADR 0012).
  const relaxedDb = useThread
    ? new Kysely<StrataSchema>({
        dialect: withStoreFaults(
          new RelayDialect((query) => onThread((current) => current.relaxed(query))),
          classifySqliteFault,
        ),
      })
    : undefined;
  return {
    dialect: "sqlite",
    location: path,
    db,
    transaction: <T>(work: (trx: StoreTransaction) => Promise<T>) =>
      locked(() => db.transaction().execute(work)),
    relaxedWrite: <T>(work: (db: Kysely<StrataSchema>) => Promise<T>) =>
      relaxedDb !== undefined
        ? work(relaxedDb)
        : locked(async () => {
            if (synchronous === "NORMAL") return db.transaction().execute(work);
            // The connection's setting, for this transaction alone (the lock keeps others out).
            // NORMAL, not OFF: in WAL mode NORMAL skips the commit's fsync but still syncs
            // checkpoints, so a power loss can undo this commit, never corrupt the file; its WAL
            // frames become durable with the next FULL commit of any connection.
            await sql`PRAGMA synchronous = NORMAL`.execute(db);
            try {
              return await db.transaction().execute(work);
            } finally {
              await sql.raw(`PRAGMA synchronous = ${synchronous}`).execute(db);
            }
          }),
    readSnapshot: <T>(work: (db: Kysely<StrataSchema>) => Promise<T>) =>
      db.connection().execute((connection) => readInSnapshot(connection, work)),
    ...(useThread
      ? {
          writeBatch: (queries: readonly CompiledQuery[]) =>
            onThread((current) => current.write(queries)).catch((error: unknown) => {
              throw classifySqliteFault(error) ?? error;
            }),
        }
      : {}),
    health: () => schemaStatus(db, loadMigrations("sqlite")),
    // Batches already handed over (waiting for the thread, the lock or their commit) finish
    // first; none can start after `closed` is set.
    close: async () => {
      closed = true;
      await Promise.all(inFlight);
      await thread?.close();
      await db.destroy();
    },
  };
}

/**
 * Runs `work` in a deferred (read) transaction on the connection, held for it alone as for
 * any transaction. Kysely's transactions go through the driver, which begins every one
 * IMMEDIATE (a write lock); a read needs none, and in WAL mode its snapshot, taken at its
 * first read, lets the write thread and other processes commit meanwhile.
 */
async function readInSnapshot<T>(
  connection: Kysely<StrataSchema>,
  work: (db: Kysely<StrataSchema>) => Promise<T>,
): Promise<T> {
  await sql`begin deferred`.execute(connection);
  try {
    const result = await work(connection);
    await sql`commit`.execute(connection);
    return result;
  } catch (error) {
    await sql`rollback`.execute(connection).catch(() => undefined);
    throw error;
  }
}

/** Applies pending migrations under SQLite's write lock (BEGIN IMMEDIATE). */
async function migrateSqlite(database: Database.Database): Promise<void> {
  const session: MigrationSession = {
    exec: (sql) => Promise.resolve(void database.exec(sql)),
    select: <Row>(sql: string) => Promise.resolve(database.prepare(sql).all() as Row[]),
    run: (sql, params) => Promise.resolve(void database.prepare(sql).run(...params)),
  };
  database.exec("BEGIN IMMEDIATE");
  try {
    await applyMigrations(session, loadMigrations("sqlite"), () => "?");
    database.exec("COMMIT");
  } catch (error) {
    database.exec("ROLLBACK");
    throw error;
  }
}
