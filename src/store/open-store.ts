import { openPostgresStore } from "./postgres/postgres-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import { isPostgresUrl } from "./store.js";
import type { Store } from "./store.js";

/**
 * Opens the store a location names: a `postgres://` URL for PostgreSQL, anything else as a
 * SQLite file path. Migrations are applied before it returns.
 */
export function openStore(location: string): Promise<Store> {
  return isPostgresUrl(location) ? openPostgresStore(location) : openSqliteStore(location);
}
