/**
 * A database as an older Strata left it, for the tests of a migration: the migrations before
 * `migration` applied by hand (and recorded as applied), then `rows` inserted with raw SQL,
 * then opened as a store, which applies the rest.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { loadMigrations } from "../../src/store/migrate.js";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { DialectName, Store } from "../../src/store/store.js";

/** Builds the database at `location` up to (not including) `migration`, fills it, opens it. */
export async function openAfterOlderStrata(
  dialect: DialectName,
  location: string,
  migration: number,
  rows: readonly string[],
): Promise<Store> {
  const before = loadMigrations(dialect).filter((m) => m.id < migration);
  const statements = [
    "CREATE TABLE strata_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    ...before.flatMap((m) => [
      m.sql,
      `INSERT INTO strata_migrations VALUES (${m.id}, '${m.name}', '2026-01-01')`,
    ]),
    ...rows,
  ];
  if (dialect === "sqlite") {
    const db = new Database(location);
    for (const statement of statements) db.exec(statement);
    db.close();
    return openSqliteStore(location);
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
  return openPostgresStore(location);
}
