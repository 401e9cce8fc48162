import { openPostgresStore } from "./postgres/postgres-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import { StrataError } from "../core/errors.js";
import { isPostgresUrl, redactUrl } from "./store.js";
import type { Store } from "./store.js";
import type { PostgresStoreOptions } from "./postgres/postgres-store.js";

/** Settings of the store that only PostgreSQL uses (a SQLite file has one connection). */
export type StoreOptions = PostgresStoreOptions;

/**
 * Opens the store a location names: a `postgres://` URL for PostgreSQL, anything else as a
 * SQLite file path. Migrations are applied before it returns.
 */
export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  try {
    return await (isPostgresUrl(location)
      ? openPostgresStore(location, options)
      : openSqliteStore(location));
  } catch (error) {
    if (error instanceof StrataError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StrataError(
      "database_unavailable",
      `cannot open the database ${redactUrl(location)}: ${reason}; check the path or URL (--db, $STRATA_DB)`,
      { cause: error },
    );
  }
}
