/**
 * Real databases for tests: a fresh SQLite file or a fresh PostgreSQL database per call, each
 * removed by its `cleanup`. The conformance suites loop over {@link DIALECTS} the way kysely's
 * own tests loop over every dialect.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { DialectName, Store } from "../../src/store/store.js";

/** Both stores; every conformance suite runs on each. */
export const DIALECTS: readonly DialectName[] = ["sqlite", "postgres"];

/** A database made for one test file. */
export interface TestDatabase {
  dialect: DialectName;
  /** A SQLite path or a PostgreSQL URL. */
  location: string;
  cleanup: () => Promise<void>;
}

/** The PostgreSQL server the suite uses (set by the global setup). */
export function testPostgresUrl(): string {
  const url = process.env.STRATA_TEST_PG_URL;
  if (url === undefined || url === "")
    throw new Error("STRATA_TEST_PG_URL is not set (global setup did not run)");
  return url;
}

/** Creates an empty database of the dialect. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "strata-test-"));
    return {
      dialect,
      location: join(dir, "strata.db"),
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `strata_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return {
    dialect,
    location: url.toString(),
    cleanup: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Opens a migrated store on a fresh database; `close` also drops the database. */
export async function openTestStore(
  dialect: DialectName,
): Promise<{ store: Store; database: TestDatabase; close: () => Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const store =
    dialect === "sqlite"
      ? await openSqliteStore(database.location)
      : await openPostgresStore(database.location);
  return {
    store,
    database,
    close: async () => {
      await store.close();
      await database.cleanup();
    },
  };
}

/** A tenant id no other test uses: tests in one database stay apart by tenant. */
export function uniqueTenant(): string {
  return `t_${Math.random().toString(36).slice(2, 12)}`;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
