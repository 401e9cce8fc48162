/**
 * The store: one Kysely query layer over SQLite (better-sqlite3, WAL) or PostgreSQL (pg).
 * The two dialect folders mirror each other; everything above them is dialect-blind except
 * for the few places that ask `store.dialect` (row locks, which only PostgreSQL needs).
 */
import type { CompiledQuery, Kysely, Transaction } from "kysely";
import type { StrataSchema } from "./schema.js";

/** The databases Strata runs on. */
export type DialectName = "sqlite" | "postgres";

/** A Kysely transaction over Strata's tables. */
export type StoreTransaction = Transaction<StrataSchema>;

/** An open database with its schema migrated. */
export interface Store {
  readonly dialect: DialectName;
  /** Where the database is: a file path or a connection URL without its password. */
  readonly location: string;
  readonly db: Kysely<StrataSchema>;
  /**
   * Runs `work` in one write transaction: everything it writes commits together or not at
   * all. SQLite takes the write lock up front (BEGIN IMMEDIATE); PostgreSQL relies on the row
   * locks that the work takes with `FOR UPDATE`.
   */
  transaction<T>(work: (trx: StoreTransaction) => Promise<T>): Promise<T>;
  /**
   * Runs `work`, one statement that may be lost in a crash without harm because the next
   * transaction would redo it (a worker's claim, a lease's extension: lost, the run is simply
   * claimable again). It commits by itself, atomically and in order, without waiting for the
   * disk; the next durable commit makes it durable too. PostgreSQL: in autocommit on a
   * connection set to `synchronous_commit = off` (one round trip). A SQLite file: on the write
   * thread, off the event loop, each statement committed by itself (or with the thread's next
   * batch), with `synchronous = NORMAL` when nothing durable commits beside it; `:memory:`: a
   * transaction on the main connection. `work` may run several statements but cannot open a
   * transaction.
   */
  relaxedWrite<T>(work: (db: Kysely<StrataSchema>) => Promise<T>): Promise<T>;
  /**
   * Runs `work`'s reads against one consistent view of the database, for reads that must
   * agree with each other (the audit export: a head, the events up to it, the definitions
   * they name). It takes no write lock and must not write. PostgreSQL: a REPEATABLE READ,
   * READ ONLY transaction. SQLite: a deferred transaction on the connection, whose WAL
   * snapshot is taken at its first read, while the write thread and other processes go on.
   */
  readSnapshot<T>(work: (db: Kysely<StrataSchema>) => Promise<T>): Promise<T>;
  /**
   * Where the store can write without holding up the event loop (a SQLite file: on a thread
   * of its own), runs `queries` in one transaction there and gives the rows each changed.
   * Only for writes that need nothing read in between; absent on stores without it.
   */
  readonly writeBatch?: (queries: readonly CompiledQuery[]) => Promise<number[]>;
  /**
   * Where other processes share the database (PostgreSQL): tells them, inside `trx`, that
   * runs became due now, so their workers look at once; the news goes out when `trx`
   * commits. Absent where no other process can be told (SQLite: the executor wakes its own
   * worker in process).
   */
  readonly announceDue?: (trx: StoreTransaction) => Promise<void>;
  /**
   * Calls `listener` whenever a process announced due work ({@link announceDue}), and once
   * after a lost connection to the announcements came back; returns the unsubscribe function.
   */
  readonly onDueAnnounced?: (listener: () => void) => () => void;
  /**
   * Asks the database for its schema's state: it answers (else `store_unavailable`), and
   * whether every migration this code knows is applied (for `/readyz`).
   */
  health(): Promise<SchemaStatus>;
  /** Closes the connections; the store cannot be used afterwards. */
  close(): Promise<void>;
}

/** What {@link Store.health} found. */
export interface SchemaStatus {
  /** The newest migration applied to the database. */
  applied: number;
  /** The newest migration this code knows. */
  expected: number;
}

/** Whether a location names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A connection URL with its password masked, safe for logs and messages. */
export function redactUrl(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== "") url.password = "***";
    // pg also reads secrets from the query string.
    for (const name of ["password", "sslpassword", "sslkey"]) {
      if (url.searchParams.has(name)) url.searchParams.set(name, "***");
    }
    return url.toString();
  } catch {
    return "postgres://…";
  }
}

/** Whether a database error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}
