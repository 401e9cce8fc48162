/**
 * The SQLite store: one better-sqlite3 connection in WAL mode behind Kysely. Mirrors
 * `../postgres/postgres-store.ts`.
 */
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Driver, SqliteDatabase } from "kysely";
import { applyMigrations, loadMigrations } from "../migrate.js";
import type { MigrationSession } from "../migrate.js";
import type { StrataSchema } from "../schema.js";
import type { Store, StoreTransaction } from "../store.js";
import { StrataSqliteDriver } from "./sqlite-driver.js";
import { withStatementCache } from "./statement-cache.js";

/** Kysely's SQLite dialect with Strata's driver (see ./sqlite-driver.ts). */
class StrataSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;
  constructor(database: SqliteDatabase) {
    super({ database });
    this.#database = database;
  }
  override createDriver(): Driver {
    return new StrataSqliteDriver(this.#database);
  }
}

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * `FULL` (the default) makes every commit durable against power loss, not only against a
   * crash of the process; `NORMAL` trades that for speed.
   */
  synchronous?: "FULL" | "NORMAL";
}

/** Opens (creating if needed) a SQLite database file and migrates it. */
export async function openSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<Store> {
  const database = new Database(path);
  database.pragma("journal_mode = WAL");
  database.pragma(`synchronous = ${options.synchronous ?? "FULL"}`);
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 10000");
  try {
    await migrateSqlite(database);
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<StrataSchema>({
    dialect: new StrataSqliteDialect(withStatementCache(database)),
  });
  return {
    dialect: "sqlite",
    location: path,
    db,
    transaction: <T>(work: (trx: StoreTransaction) => Promise<T>) => db.transaction().execute(work),
    close: () => db.destroy(),
  };
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
