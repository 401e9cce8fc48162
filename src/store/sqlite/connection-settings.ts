/** The settings every Strata connection to a SQLite file uses. */
import type Database from "better-sqlite3";

/** How commits reach the disk: `FULL` survives power loss, `NORMAL` only a process crash. */
export type Synchronous = "FULL" | "NORMAL";

/** WAL (readers never wait for the writer), foreign keys, and waiting out another writer. */
export function configureConnection(database: Database.Database, synchronous: Synchronous): void {
  database.pragma("journal_mode = WAL");
  database.pragma(`synchronous = ${synchronous}`);
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 10000");
}
