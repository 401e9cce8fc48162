/** Reads and writes of the `runs` table. */
import type { Insertable, Selectable, Updateable } from "kysely";
import type { RunsTable } from "./schema.js";
import type { DialectName, StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A row of `runs`. */
export type RunRow = Selectable<RunsTable>;
/** A new row of `runs`. */
export type NewRunRow = Insertable<RunsTable>;

/**
 * Most rows one INSERT carries. SQLite allows 32,766 bound parameters per statement and a run
 * row has 28 columns; staying well under keeps statements small for PostgreSQL too.
 */
const ROWS_PER_INSERT = 500;

/** Inserts runs, several rows per statement. */
export async function insertRuns(trx: StoreTransaction, rows: readonly NewRunRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await trx
      .insertInto("runs")
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .execute();
  }
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

/** Runs, newest first. */
export async function listRunRows(
  q: Executor,
  tenantId: string,
  filter: RunFilter,
): Promise<RunRow[]> {
  return q
    .selectFrom("runs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .$if(filter.workflowId !== undefined, (qb) =>
      qb.where("workflow_id", "=", filter.workflowId ?? ""),
    )
    .$if(filter.versionNumber !== undefined, (qb) =>
      qb.where("version_number", "=", filter.versionNumber ?? 0),
    )
    .$if(filter.kinds !== undefined, (qb) => qb.where("kind", "in", filter.kinds ?? []))
    .$if(filter.status !== undefined, (qb) => qb.where("status", "=", filter.status ?? "running"))
    .$if(filter.before !== undefined, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb("created_at", "<", filter.before?.createdAt ?? ""),
          eb.and([
            eb("created_at", "=", filter.before?.createdAt ?? ""),
            eb("id", "<", filter.before?.id ?? ""),
          ]),
        ]),
      ),
    )
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(filter.limit)
    .execute();
}
