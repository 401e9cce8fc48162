/** Reads and writes of the `bindings` table. */
import type { Insertable, Selectable, Updateable } from "kysely";
import { hasIdPrefix } from "../core/ids.js";
import type { BindingsTable } from "./schema.js";
import type { DialectName, StoreTransaction } from "./store.js";
import type { Executor } from "./workflow-rows.js";

/** A row of `bindings`. */
export type BindingRow = Selectable<BindingsTable>;

/** A binding by name or id; with `lockFor` the row is locked until the transaction ends. */
export async function findBinding(
  q: Executor,
  tenantId: string,
  ref: string,
  lockFor?: DialectName,
): Promise<BindingRow | undefined> {
  return q
    .selectFrom("bindings")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where(hasIdPrefix(ref, "bnd") ? "id" : "name", "=", ref)
    .$if(lockFor === "postgres", (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/** Bindings by name, after `afterName` when paging; optionally of one workflow. */
export async function listBindingRows(
  q: Executor,
  tenantId: string,
  options: { workflowId?: string; afterName?: string; limit: number },
): Promise<BindingRow[]> {
  return q
    .selectFrom("bindings")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .$if(options.workflowId !== undefined, (qb) =>
      qb.where("workflow_id", "=", options.workflowId ?? ""),
    )
    .$if(options.afterName !== undefined, (qb) => qb.where("name", ">", options.afterName ?? ""))
    .orderBy("name")
    .limit(options.limit)
    .execute();
}

/** The bindings subscribed to an event type, by name. */
export async function bindingsForEvent(
  q: Executor,
  tenantId: string,
  eventType: string,
): Promise<BindingRow[]> {
  return q
    .selectFrom("bindings")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("event_type", "=", eventType)
    .orderBy("name")
    .execute();
}

/** Adds a binding. */
export async function insertBinding(
  trx: StoreTransaction,
  row: Insertable<BindingsTable>,
): Promise<void> {
  await trx.insertInto("bindings").values(row).execute();
}

/** Changes a binding. */
export async function updateBinding(
  trx: StoreTransaction,
  tenantId: string,
  id: string,
  changes: Updateable<BindingsTable>,
): Promise<void> {
  await trx
    .updateTable("bindings")
    .set(changes)
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .execute();
}

/** Removes a binding. */
export async function deleteBindingRow(
  trx: StoreTransaction,
  tenantId: string,
  id: string,
): Promise<void> {
  await trx.deleteFrom("bindings").where("tenant_id", "=", tenantId).where("id", "=", id).execute();
}

/** Scheduled bindings whose next tick is due at `now`, any tenant, the most overdue first. */
export async function dueBindings(q: Executor, now: string, limit: number): Promise<BindingRow[]> {
  return q
    .selectFrom("bindings")
    .selectAll()
    .where("next_fire_at", "is not", null)
    .where("next_fire_at", "<=", now)
    .orderBy("next_fire_at")
    .limit(limit)
    .execute();
}

/**
 * Moves a binding's schedule from tick `from` to `to`, only if it is still at `from`: of
 * several workers that fired the same tick, exactly one advances it. Returns whether it did.
 */
export async function advanceBindingTick(
  q: Executor,
  tenantId: string,
  id: string,
  from: string,
  to: string | null,
): Promise<boolean> {
  const result = await q
    .updateTable("bindings")
    .set({ next_fire_at: to })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("next_fire_at", "=", from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Bindings of a workflow pinned to one version number, or following `live`/`latest`. */
export async function bindingsOfWorkflow(
  q: Executor,
  tenantId: string,
  workflowId: string,
): Promise<BindingRow[]> {
  return q
    .selectFrom("bindings")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .orderBy("name")
    .execute();
}
