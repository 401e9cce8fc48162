/**
 * Which SQLite errors mean "the database file cannot be used right now" rather than "this
 * request is wrong": another process holding the write lock past the busy timeout, a full
 * disk, an I/O error, a file that vanished. Mirrors `../postgres/postgres-faults.ts`.
 */
import type { StrataError } from "../../core/errors.js";
import { storeUnavailable } from "../store-faults.js";

/** better-sqlite3's codes (SQLite's primary result codes; extended ones start with them). */
const UNAVAILABLE_PREFIXES = [
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_IOERR",
  "SQLITE_FULL",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
];

/** `store_unavailable` when `error` says the file cannot be used now; otherwise undefined. */
export function classifySqliteFault(error: unknown): StrataError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code !== "string") return undefined;
  const prefix = UNAVAILABLE_PREFIXES.find((p) => code === p || code.startsWith(`${p}_`));
  return prefix === undefined ? undefined : storeUnavailable(`SQLite ${code}`, error);
}
