/** Reads and writes of the `runs` table. */
import type {
  CompiledQuery,
  Expression,
  ExpressionBuilder,
  Insertable,
  Kysely,
  Selectable,
  SqlBool,
  Updateable,
} from "kysely";
import { sql } from "kysely";
import { precompiled } from "./precompiled-query.js";
import type { RunsTable, StrataSchema } from "./schema.js";
import type { DialectName, StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A row of `runs`. */
export type RunRow = Selectable<RunsTable>;
/** A new row of `runs`. */
export type NewRunRow = Insertable<RunsTable>;

/**
 * Every column of `runs`, in the order the precompiled inserts list them (and the columns a
 * prepared statement returns: a fixed list, where `RETURNING *` would change its result type
 * when a migration adds a column and break the statement PostgreSQL keeps prepared).
 */
export const RUN_COLUMNS = [
  "tenant_id",
  "id",
  "workflow_id",
  "version_id",
  "draft_id",
  "version_number",
  "kind",
  "status",
  "input",
  "output",
  "error",
  "route",
  "routing_key",
  "definition_hash",
  "draft_definition",
  "snapshot",
  "trace",
  "wait_signal",
  "task_handler",
  "due_at",
  "lease_owner",
  "lease_until",
  "idempotency_key",
  "request_hash",
  "rev",
  "created_by",
  "created_at",
  "updated_at",
  "ended_at",
  "rollout_id",
  "binding_id",
  "migrations",
] as const satisfies readonly (keyof RunsTable)[];

/**
 * The most rows one INSERT carries: a power of two, so a batch is a few statements of
 * precompiled sizes (256, 128, …, 1). 256 rows × 32 columns stays far below SQLite's limit of
 * 32,766 bound parameters and PostgreSQL's 65,535.
 */
const ROWS_PER_INSERT = 256;

/** Parameters of a precompiled insert: row-major values, named by their position. */
type InsertParams = Record<string, unknown>;
const insertQueries = new Map<
  number,
  (db: Kysely<StrataSchema>, params: InsertParams) => CompiledQuery<unknown>
>();

/** The precompiled INSERT of `count` rows (building one costs ~50 µs a row otherwise). */
function insertQuery(count: number) {
  let query = insertQueries.get(count);
  if (query === undefined) {
    const width = RUN_COLUMNS.length;
    const names = Array.from({ length: count * width }, (_, index) => String(index));
    query = precompiled<StrataSchema, InsertParams, unknown>(names, (db, params) =>
      db
        .insertInto("runs")
        .values(
          Array.from(
            { length: count },
            (_, row) =>
              Object.fromEntries(
                RUN_COLUMNS.map((column, col) => [column, params[String(row * width + col)]]),
              ) as NewRunRow,
          ),
        ),
    );
    insertQueries.set(count, query);
  }
  return query;
}

/** Inserts runs, many rows per statement. */
export async function insertRuns(trx: StoreTransaction, rows: readonly NewRunRow[]): Promise<void> {
  for (const query of insertRunQueries(trx, rows)) await trx.executeQuery(query);
}

/** The INSERT statements that write `rows`, compiled for `db`'s dialect. */
export function insertRunQueries(
  db: Kysely<StrataSchema>,
  rows: readonly NewRunRow[],
): CompiledQuery<unknown>[] {
  const queries: CompiledQuery<unknown>[] = [];
  let offset = 0;
  while (offset < rows.length) {
    let count = ROWS_PER_INSERT;
    while (count > rows.length - offset) count /= 2;
    // An array is a record of its positions: values[i] is parameter "i".
    const values: unknown[] = [];
    for (let row = 0; row < count; row++) {
      const record = rows[offset + row] as Record<string, unknown>;
      for (const column of RUN_COLUMNS) values.push(record[column] ?? null);
    }
    queries.push(insertQuery(count)(db, values as unknown as InsertParams));
    offset += count;
  }
  return queries;
}

/** A run by id; with `lockFor` its row is locked until the transaction ends (PostgreSQL). */
export async function findRun(
  q: Executor,
  tenantId: string,
  runId: string,
  lockFor?: DialectName,
): Promise<RunRow | undefined> {
  return q
    .selectFrom("runs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", runId)
    .$if(lockFor === "postgres", (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/** A run found by the idempotency key of the request that started it. */
export async function findRunByIdempotencyKey(
  q: Executor,
  tenantId: string,
  workflowId: string,
  key: string,
): Promise<RunRow | undefined> {
  return q
    .selectFrom("runs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
}

/**
 * Updates a run only if it is still at revision `rev` (and, when `leaseOwner` is given, still
 * leased by that owner), bumping the revision. Returns whether it did: a false means someone
 * else (a signal, a cancel, another worker after the lease expired) changed the run first.
 */
export async function updateRunAtRev(
  q: Executor,
  tenantId: string,
  runId: string,
  rev: number,
  changes: Updateable<RunsTable>,
  leaseOwner?: string,
): Promise<boolean> {
  const result = await q
    .updateTable("runs")
    .set({ ...changes, rev: rev + 1 })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", runId)
    .where("rev", "=", rev)
    .$if(leaseOwner !== undefined, (qb) => qb.where("lease_owner", "=", leaseOwner ?? ""))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Filters for listing runs. */
export interface RunFilter {
  workflowId?: string;
  versionNumber?: number;
  kinds?: readonly ("production" | "test")[];
  status?: RunsTable["status"];
  /** Runs created before this `(created_at, id)` position (for paging, newest first). */
  before?: { createdAt: string; id: string };
  limit: number;
}

/**
 * Runs before a page's last one, newest first: `(created_at, id) < (?, ?)`. As a row value
 * it is one range bound on an index that ends in `created_at, id` (both databases use it to
 * start the scan at the cursor); spelled as `created_at < ? OR (created_at = ? AND id < ?)`
 * it was a filter, and every page walked the index from the newest run (issue 17).
 */
export function runsBefore(
  cursor: { createdAt: string; id: string } | undefined,
): (eb: ExpressionBuilder<StrataSchema, "runs">) => Expression<SqlBool> {
  return (eb) =>
    eb(eb.refTuple("created_at", "id"), "<", eb.tuple(cursor?.createdAt ?? "", cursor?.id ?? ""));
}

/**
 * Runs with `status`. Any status but `completed` is rare, and has the partial index
 * `runs_by_workflow_status … WHERE status <> 'completed'`: written into the SQL (never bound)
 * and with that predicate repeated, so both databases' planners can prove the index applies
 * (SQLite matches a partial index's WHERE term for term). Completed runs are most runs, found
 * on `runs_by_workflow` at once.
 */
function statusIs(
  status: RunsTable["status"],
): (eb: ExpressionBuilder<StrataSchema, "runs">) => Expression<SqlBool> {
  return (eb) =>
    status === "completed"
      ? eb("status", "=", sql.lit("completed"))
      : eb.and([eb("status", "=", sql.lit(status)), eb("status", "<>", sql.lit("completed"))]);
}

/**
 * Runs of these kinds, written into the SQL: test runs are few and have the partial index
 * `runs_of_tests … WHERE kind = 'test'`, which SQLite's planner uses only for a literal.
 */
function kindIs(
  kinds: readonly RunsTable["kind"][],
): (eb: ExpressionBuilder<StrataSchema, "runs">) => Expression<SqlBool> {
  return (eb) =>
    kinds.length === 1
      ? eb("kind", "=", sql.lit(kinds[0] ?? "production"))
      : eb(
          "kind",
          "in",
          kinds.map((kind) => sql.lit(kind)),
        );
}

/**
 * Runs of version `number` of a workflow, by the version's id: `runs_by_version (tenant_id,
 * version_id, created_at, id)` pages them (the id is read once, by the versions' key).
 */
export function versionIs(
  tenantId: string,
  workflowId: string,
  number: number,
): (eb: ExpressionBuilder<StrataSchema, "runs">) => Expression<SqlBool> {
  return (eb) =>
    eb(
      "version_id",
      "=",
      eb
        .selectFrom("versions")
        .select("versions.id")
        .where("versions.tenant_id", "=", tenantId)
        .where("versions.workflow_id", "=", workflowId)
        .where("versions.number", "=", number),
    );
}

/** Runs, newest first. */
export function listRunRows(q: Executor, tenantId: string, filter: RunFilter): Promise<RunRow[]> {
  return runListQuery(q, tenantId, filter).execute();
}

/** The query of {@link listRunRows} (its plan is checked in test/keyset-pages.test.ts). */
export function runListQuery(q: Executor, tenantId: string, filter: RunFilter) {
  return q
    .selectFrom("runs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .$if(filter.workflowId !== undefined, (qb) =>
      qb.where("workflow_id", "=", filter.workflowId ?? ""),
    )
    .$if(filter.versionNumber !== undefined && filter.workflowId !== undefined, (qb) =>
      qb.where(versionIs(tenantId, filter.workflowId ?? "", filter.versionNumber ?? 0)),
    )
    .$if(filter.kinds !== undefined, (qb) => qb.where(kindIs(filter.kinds ?? [])))
    .$if(filter.status !== undefined, (qb) => qb.where(statusIs(filter.status ?? "running")))
    .$if(filter.before !== undefined, (qb) => qb.where(runsBefore(filter.before)))
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(filter.limit);
}
