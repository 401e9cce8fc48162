/**
 * Numbered SQL migrations (DESIGN.md §8), applied when a store opens. Files are
 * `NNNN_name.sql` for both dialects or `NNNN_name.sqlite.sql` / `NNNN_name.postgres.sql` where
 * the SQL differs. They are append-only: a released file is never edited.
 *
 * Safety when two processes open an empty database at once: the whole check-and-apply runs in
 * one transaction under a lock (SQLite's write lock via BEGIN IMMEDIATE, a PostgreSQL advisory
 * lock), so the second process waits, then finds nothing left to do. A database migrated by a
 * newer Strata is refused rather than used with code that does not know its schema.
 */
import { readdirSync, readFileSync } from "node:fs";
import { sql } from "kysely";
import type { Kysely } from "kysely";
import { StrataError } from "../core/errors.js";
import type { StrataSchema } from "./schema.js";
import type { DialectName, SchemaStatus } from "./store.js";

/** One migration file, resolved for a dialect. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** The few raw operations the runner needs, inside the locked transaction. */
export interface MigrationSession {
  /** Runs one or more statements. */
  exec(sql: string): Promise<void>;
  /** Runs one query and returns its rows. */
  select<Row>(sql: string): Promise<Row[]>;
  /** Runs one statement with positional parameters (`?` on SQLite, `$1` on PostgreSQL). */
  run(sql: string, params: unknown[]): Promise<void>;
}

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)(?:\.(sqlite|postgres))?\.sql$/;

/** The migrations for a dialect, in order. */
export function loadMigrations(dialect: DialectName): Migration[] {
  const byId = new Map<number, Migration>();
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (match === null) continue;
    const [, idText, name, only] = match;
    if (only !== undefined && only !== dialect) continue;
    const id = Number(idText);
    if (byId.has(id)) throw new Error(`two migrations share number ${idText} for ${dialect}`);
    byId.set(id, {
      id,
      name: name ?? file,
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), "utf8"),
    });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/**
 * Applies the migrations the database lacks. Must run inside the dialect's migration lock.
 * Returns the ids it applied.
 */
export async function applyMigrations(
  session: MigrationSession,
  migrations: readonly Migration[],
  placeholder: (index: number) => string,
): Promise<number[]> {
  await session.exec(
    "CREATE TABLE IF NOT EXISTS strata_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const rows = await session.select<{ id: number | string; name: string }>(
    "SELECT id, name FROM strata_migrations ORDER BY id",
  );
  const applied = new Set(rows.map((row) => Number(row.id)));
  const newest = rows.at(-1);
  const known = migrations.at(-1)?.id ?? 0;
  if (newest !== undefined && Number(newest.id) > known) {
    throw new StrataError(
      "database_newer",
      `the database's schema is at migration ${newest.id} (${newest.name}) but this Strata knows migrations up to ${known}; upgrade Strata to use this database`,
    );
  }
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    await session.exec(migration.sql);
    await session.run(
      `INSERT INTO strata_migrations (id, name, applied_at) VALUES (${placeholder(1)}, ${placeholder(2)}, ${placeholder(3)})`,
      [migration.id, migration.name, new Date().toISOString()],
    );
    done.push(migration.id);
  }
  return done;
}

/** The newest migration the database has, against the newest of `migrations`. */
export async function schemaStatus(
  db: Kysely<StrataSchema>,
  migrations: readonly Migration[],
): Promise<SchemaStatus> {
  const { rows } = await sql<{
    id: number | string | null;
  }>`SELECT MAX(id) AS id FROM strata_migrations`.execute(db);
  return { applied: Number(rows[0]?.id ?? 0), expected: migrations.at(-1)?.id ?? 0 };
}
