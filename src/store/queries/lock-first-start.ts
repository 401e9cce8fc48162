/**
 * Serialises "is this database new?" decisions across processes (issue 16: three servers
 * started at once on an empty database printed two different first admin tokens, since each
 * checked for a token and then inserted one).
 *
 * PostgreSQL: a transaction-level advisory lock on a constant key; the second process's
 * transaction waits at it until the first commits, then sees its token. SQLite: the write
 * transaction (BEGIN IMMEDIATE) already holds the database's one write lock, so nothing more
 * is needed.
 */
import { sql } from "kysely";
import type { DialectName, StoreTransaction } from "../store.js";

/** An arbitrary constant naming this lock among advisory locks (the migrations use another). */
const FIRST_START_LOCK_KEY = 7_301_462_020;

/** Takes the first-start lock until `trx` ends. */
export async function lockFirstStart(trx: StoreTransaction, dialect: DialectName): Promise<void> {
  if (dialect === "postgres")
    await sql`SELECT pg_advisory_xact_lock(${FIRST_START_LOCK_KEY})`.execute(trx);
}
