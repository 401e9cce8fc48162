/**
 * The PostgreSQL store: a pg pool behind Kysely. Mirrors `../sqlite/sqlite-store.ts`.
 */
import pg from "pg";
import { Kysely, PostgresDialect } from "kysely";
import { applyMigrations, loadMigrations } from "../migrate.js";
import type { MigrationSession } from "../migrate.js";
import type { StrataSchema } from "../schema.js";
import { redactUrl } from "../store.js";
import type { Store, StoreTransaction } from "../store.js";

/** An arbitrary constant naming Strata's migration lock among advisory locks. */
const MIGRATION_LOCK_KEY = 7_301_462_019;

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** The most connections this process opens (default 10). */
  maxConnections?: number;
}

/**
 * COUNT(*) and other int8 results arrive as strings by default; Strata's counters fit in a
 * double, so read them as numbers. Set per pool, not globally, to leave other users of pg be.
 */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as unknown)) as pg.CustomTypesConfig["getTypeParser"],
};

/** Connects to a PostgreSQL database and migrates it. */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types });
  // An idle connection can be closed by the server (restart, failover, admin action). pg
  // reports that as an 'error' event on the pool, which would crash the process unhandled;
  // the pool drops the connection and opens a new one on the next query, so nothing is lost.
  pool.on("error", () => undefined);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = new Kysely<StrataSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: "postgres",
    location: redactUrl(url),
    db,
    transaction: <T>(work: (trx: StoreTransaction) => Promise<T>) => db.transaction().execute(work),
    // READ COMMITTED (the default) takes a new snapshot per statement; REPEATABLE READ keeps
    // the first statement's for the whole transaction.
    readSnapshot: <T>(work: (db: Kysely<StrataSchema>) => Promise<T>) =>
      db
        .transaction()
        .setIsolationLevel("repeatable read")
        .setAccessMode("read only")
        .execute(work),
    close: () => db.destroy(),
  };
}

/** Applies pending migrations in one transaction holding an advisory lock. */
async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  const session: MigrationSession = {
    exec: async (sql) => void (await client.query(sql)),
    select: async <Row>(sql: string) => (await client.query(sql)).rows as Row[],
    run: async (sql, params) => void (await client.query(sql, params)),
  };
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await applyMigrations(session, loadMigrations("postgres"), (index) => `$${index}`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
