/**
 * Commits workers' task outcomes and fired timers (issue 16: drain at the rate runs start).
 *
 * Each outcome applies only if the run is still as its worker claimed it: same `rev` and the
 * worker's lease (`lease_owner`). A signal, a cancel or another worker that took over after the
 * lease ran out has bumped `rev` meanwhile, and the late outcome matches no row: exactly one
 * outcome of an attempt is ever recorded. An outcome always writes the same columns (what the
 * interpreter's snapshot decides, the trace, and a released lease), so the statement has one
 * shape and is compiled once.
 *
 * Two ways to send a batch, by what the store offers:
 * - SQLite: one precompiled UPDATE per outcome, all handed to the write thread in one batch
 *   (`Store.writeBatch`), so the row writes and the commit run beside the event loop as run
 *   starts do; the thread answers the rows each statement changed: 1 applied, 0 refused.
 * - PostgreSQL: one UPDATE … FROM (VALUES …) for the whole batch, one round trip however many
 *   outcomes, answering the ids it applied (per-row UPDATEs cost a round trip each: 1,150
 *   tasks/s drained against 8,000–10,000 runs/s started).
 */
import { CompiledQuery } from "kysely";
import type { Kysely } from "kysely";
import { precompiled } from "../precompiled-query.js";
import type { RunsTable, StrataSchema } from "../schema.js";

/** The columns an outcome writes besides the revision and the released lease. */
export const OUTCOME_COLUMNS = [
  "status",
  "snapshot",
  "output",
  "error",
  "wait_signal",
  "task_handler",
  "due_at",
  "ended_at",
  "trace",
  "updated_at",
] as const satisfies readonly (keyof RunsTable)[];

/** What one outcome writes. */
export type OutcomeColumns = { [K in (typeof OUTCOME_COLUMNS)[number]]: RunsTable[K] };

/** One outcome: the run as it was claimed, and what to write. */
export interface OutcomeWrite {
  tenantId: string;
  runId: string;
  /** The run's revision when it was claimed. */
  rev: number;
  columns: OutcomeColumns;
}

type OutcomeParams = OutcomeColumns & {
  tenantId: string;
  runId: string;
  rev: number;
  nextRev: number;
  owner: string;
};

const updateOne = precompiled<StrataSchema, OutcomeParams, unknown>(
  [...OUTCOME_COLUMNS, "tenantId", "runId", "rev", "nextRev", "owner"],
  (db, p) =>
    db
      .updateTable("runs")
      .set({
        ...Object.fromEntries(OUTCOME_COLUMNS.map((column) => [column, p[column]])),
        lease_owner: null,
        lease_until: null,
        rev: p.nextRev,
      })
      .where("tenant_id", "=", p.tenantId)
      .where("id", "=", p.runId)
      .where("rev", "=", p.rev)
      .where("lease_owner", "=", p.owner),
);

/** One UPDATE per outcome, for a store's write batch: 1 row changed means applied. */
export function outcomeStatements(
  db: Kysely<StrataSchema>,
  outcomes: readonly OutcomeWrite[],
  owner: string,
): CompiledQuery<unknown>[] {
  return outcomes.map((outcome) =>
    updateOne(db, {
      ...outcome.columns,
      tenantId: outcome.tenantId,
      runId: outcome.runId,
      rev: outcome.rev,
      nextRev: outcome.rev + 1,
      owner,
    }),
  );
}

/**
 * One UPDATE for every outcome (PostgreSQL), answering the ids it applied. The VALUES rows
 * carry key, revision and columns; their parameters are untyped, which PostgreSQL reads as
 * text, the type of every column written here but `rev` (cast).
 */
export function outcomesInOneStatement(
  outcomes: readonly OutcomeWrite[],
  owner: string,
): CompiledQuery<{ tenant_id: string; id: string }> {
  const parameters: unknown[] = [owner];
  const rows = outcomes.map((outcome) => {
    const values = [
      outcome.tenantId,
      outcome.runId,
      outcome.rev,
      ...OUTCOME_COLUMNS.map((column) => outcome.columns[column]),
    ];
    const placeholders = values.map((value, index) => {
      parameters.push(value);
      return index === 2 ? `CAST($${parameters.length} AS INTEGER)` : `$${parameters.length}`;
    });
    return `(${placeholders.join(", ")})`;
  });
  // VALUES columns are column1 (tenant), column2 (id), column3 (rev), then the outcome's.
  const assignments = OUTCOME_COLUMNS.map((column, index) => `${column} = v.column${index + 4}`);
  const sql =
    `UPDATE runs AS r SET ${assignments.join(", ")}, lease_owner = NULL, lease_until = NULL, ` +
    `rev = r.rev + 1 FROM (VALUES ${rows.join(", ")}) AS v ` +
    `WHERE r.tenant_id = v.column1 AND r.id = v.column2 AND r.rev = v.column3 ` +
    `AND r.lease_owner = $1 RETURNING r.tenant_id, r.id`;
  return CompiledQuery.raw(sql, parameters);
}
