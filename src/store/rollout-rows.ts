/** Reads and writes of the `rollouts` table, and the run counts its guard judges. */
import { sql } from "kysely";
import type { Insertable, Selectable, Updateable } from "kysely";
import type { RolloutsTable } from "./schema.js";
import type { DialectName, StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A row of `rollouts`, with the numbers of its two versions. */
export type RolloutRow = Selectable<RolloutsTable> & {
  stable_number: number;
  candidate_number: number;
};

/** Rollouts with their versions' numbers, newest first. */
function rolloutsWithNumbers(q: Executor, tenantId: string) {
  return q
    .selectFrom("rollouts as r")
    .innerJoin("versions as s", (join) =>
      join.onRef("s.tenant_id", "=", "r.tenant_id").onRef("s.id", "=", "r.stable_version_id"),
    )
    .innerJoin("versions as c", (join) =>
      join.onRef("c.tenant_id", "=", "r.tenant_id").onRef("c.id", "=", "r.candidate_version_id"),
    )
    .selectAll("r")
    .select(["s.number as stable_number", "c.number as candidate_number"])
    .where("r.tenant_id", "=", tenantId)
    .orderBy("r.started_at", "desc")
    .orderBy("r.id", "desc");
}

function withNumbers<T extends { stable_number: number | null; candidate_number: number | null }>(
  row: T,
): T & RolloutRow {
  return {
    ...row,
    stable_number: Number(row.stable_number),
    candidate_number: Number(row.candidate_number),
  } as T & RolloutRow;
}

/**
 * The workflow's active rollout, if any. With `lockFor` the row is locked (PostgreSQL; SQLite
 * serialises writers), though changes also hold the workflow's lock.
 */
export async function findActiveRollout(
  q: Executor,
  tenantId: string,
  workflowId: string,
  lockFor?: DialectName,
): Promise<RolloutRow | undefined> {
  const row = await rolloutsWithNumbers(q, tenantId)
    .where("r.workflow_id", "=", workflowId)
    .where("r.status", "=", sql.lit("active")) // a literal matches the partial index at prepare time
    .$if(lockFor === "postgres", (qb) => qb.forUpdate("r"))
    .executeTakeFirst();
  return row === undefined ? undefined : withNumbers(row);
}

/** The workflow's rollouts, newest first (the active one, if any, and history). */
export async function listRolloutRows(
  q: Executor,
  tenantId: string,
  workflowId: string,
  limit: number,
): Promise<RolloutRow[]> {
  const rows = await rolloutsWithNumbers(q, tenantId)
    .where("r.workflow_id", "=", workflowId)
    .limit(limit)
    .execute();
  return rows.map(withNumbers);
}

/** One rollout by id. */
export async function findRolloutById(
  q: Executor,
  tenantId: string,
  id: string,
): Promise<RolloutRow | undefined> {
  const row = await rolloutsWithNumbers(q, tenantId).where("r.id", "=", id).executeTakeFirst();
  return row === undefined ? undefined : withNumbers(row);
}

/** Adds a rollout. */
export async function insertRollout(
  trx: StoreTransaction,
  row: Insertable<RolloutsTable>,
): Promise<void> {
  await trx.insertInto("rollouts").values(row).execute();
}

/** Changes a rollout. */
export async function updateRollout(
  trx: StoreTransaction,
  tenantId: string,
  id: string,
  changes: Updateable<RolloutsTable>,
): Promise<void> {
  await trx
    .updateTable("rollouts")
    .set(changes)
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .execute();
}

/** Active rollouts whose automation (a step or a guard look) is due at `now`, any tenant. */
export async function dueRollouts(
  q: Executor,
  now: string,
  limit: number,
): Promise<Array<{ tenant_id: string; id: string; workflow_id: string; guard: string | null }>> {
  return q
    .selectFrom("rollouts")
    .select(["tenant_id", "id", "workflow_id", "guard"])
    .where("next_check_at", "is not", null)
    .where("next_check_at", "<=", now)
    .where("status", "=", sql.lit("active"))
    .orderBy("next_check_at")
    .limit(limit)
    .execute();
}
