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
 * - Otherwise (PostgreSQL, and SQLite without a write thread, `:memory:`): one UPDATE … FROM
 *   (VALUES …) for the whole batch, one round trip however many outcomes, answering the ids
 *   it applied (per-row UPDATEs cost PostgreSQL a round trip each: 1,150 tasks/s drained
 *   against 8,000–10,000 runs/s started). Both dialects take this form (SQLite since 3.33).
 */
import { CompiledQuery } from "kysely";
import type { Kysely } from "kysely";
import { precompiled } from "../precompiled-query.js";
import { prepared } from "./prepared.js";
import type { RunsTable, StrataSchema } from "../schema.js";
import type { DialectName } from "../store.js";

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

/** The most outcomes one UPDATE … FROM (VALUES …) carries. */
const OUTCOMES_PER_STATEMENT = 64;

/**
 * The outcomes in UPDATE … FROM (VALUES …) statements of 64, 32, …, 1 rows: a handful of
 * texts, each prepared once per connection on PostgreSQL (`./prepared.ts`).
 */
export function outcomesInFewStatements(
  outcomes: readonly OutcomeWrite[],
  owner: string,
  dialect: DialectName,
): CompiledQuery<{ tenant_id: string; id: string }>[] {
  const statements = [];
  let offset = 0;
  while (offset < outcomes.length) {
    let count = OUTCOMES_PER_STATEMENT;
    while (count > outcomes.length - offset) count /= 2;
    const chunk = outcomes.slice(offset, offset + count);
    statements.push(prepared(outcomesInOneStatement(chunk, owner, dialect)));
    offset += count;
  }
  return statements;
}

/**
 * One UPDATE for every outcome (PostgreSQL), answering the ids it applied. The VALUES rows
 * carry key, revision and columns; their parameters are untyped, which PostgreSQL reads as
 * text, the type of every column written here but `rev` (cast).
 */
export function outcomesInOneStatement(
  outcomes: readonly OutcomeWrite[],
  owner: string,
  dialect: DialectName,
): CompiledQuery<{ tenant_id: string; id: string }> {
  const parameters: unknown[] = [];
  // PostgreSQL numbers its parameters, SQLite takes `?` in order of appearance.
  const next = (value: unknown): string => {
    parameters.push(value);
    return dialect === "postgres" ? `$${parameters.length}` : "?";
  };
  const rows = outcomes.map((outcome) => {
    const placeholders = [
      next(outcome.tenantId),
      next(outcome.runId),
      `CAST(${next(outcome.rev)} AS INTEGER)`,
      ...OUTCOME_COLUMNS.map((column) => next(outcome.columns[column])),
    ];
    return `(${placeholders.join(", ")})`;
  });
  // VALUES columns are column1 (tenant), column2 (id), column3 (rev), then the outcome's.
  const assignments = OUTCOME_COLUMNS.map((column, index) => `${column} = v.column${index + 4}`);
  // No alias for the table: SQLite's RETURNING takes only its bare column names.
  const sql =
    `UPDATE runs SET ${assignments.join(", ")}, lease_owner = NULL, lease_until = NULL, ` +
    `rev = runs.rev + 1 FROM (VALUES ${rows.join(", ")}) AS v ` +
    `WHERE runs.tenant_id = v.column1 AND runs.id = v.column2 AND runs.rev = v.column3 ` +
    `AND runs.lease_owner = ${next(owner)} RETURNING tenant_id, id`;
  return CompiledQuery.raw(sql, parameters);
}
