/**
 * Marks a hot query as one to prepare once per connection (issue 16). PostgreSQL plans an
 * unnamed statement for its parameter values every time; for the worker's claim (an UPDATE
 * over a locking subquery ordered by `due_at`) such a custom plan on a table without fresh
 * statistics was a bitmap scan of every due run and a sort, 15–20 ms a claim at 20,000 due
 * runs. A named statement switches to a generic plan after five executions, which walks
 * `runs_due` in order and stops at the limit (about 1 ms): a plain program draining the same
 * runs made 2,865 tasks/s unnamed and 7,362 named, and Strata's worker went from 1,650 to
 * 3,571. (PostgreSQL keeps the generic plan only while its estimate compares well with the
 * custom ones, so this is the likely plan, not a promised one; planning itself is 0.2–0.3 ms.)
 *
 * A marked query's text starts with a comment the PostgreSQL store recognises
 * (`../postgres/postgres-store.ts`), which then sends it as a named statement. Only queries of
 * a bounded number of texts may be marked: every distinct text stays prepared on each
 * connection for its life. SQLite ignores the comment (its statements are cached by text).
 */
import { CompiledQuery } from "kysely";

/** The comment that starts a marked query's text. */
export const PREPARED_MARK = "/* strata:prepared */ ";

/** `query`, marked to be prepared once per connection. */
export function prepared<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  return {
    ...CompiledQuery.raw(PREPARED_MARK + query.sql, [...query.parameters]),
    query: query.query,
  };
}
