/**
 * Assigns the next version number of a workflow (L3), inside the publishing transaction.
 *
 * The counter lives on the workflow row and is bumped with one UPDATE … RETURNING. On
 * PostgreSQL the UPDATE takes the row lock (the publish already holds it through FOR UPDATE),
 * so concurrent publishes of one workflow queue and each sees the previous one's number; on
 * SQLite BEGIN IMMEDIATE serialises all writers. If the transaction rolls back, the bump
 * rolls back with it, so numbers have no gaps; a deleted version's number is never handed out
 * again because the counter only grows. A UNIQUE (tenant_id, workflow_id, number) constraint
 * backs this up in the database.
 */
import type { StoreTransaction } from "../store.js";

/** Returns the number the workflow's next published version gets. */
export async function assignVersionNumber(
  trx: StoreTransaction,
  tenantId: string,
  workflowId: string,
): Promise<number> {
  const row = await trx
    .updateTable("workflows")
    .set((eb) => ({ last_number: eb("last_number", "+", 1) }))
    .where("tenant_id", "=", tenantId)
    .where("id", "=", workflowId)
    .returning("last_number")
    .executeTakeFirstOrThrow();
  return row.last_number;
}
