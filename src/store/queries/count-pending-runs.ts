/**
 * The pending-work gauges of `/metrics` (issue 16): runs in flight by tenant and status, and
 * the due runs nobody holds with the oldest due time (the claim lag).
 *
 * Both read partial indexes that hold only open work, so a scrape costs in proportion to the
 * work in progress, never to the finished runs the table keeps: `runs_open` (0006: running
 * and waiting runs) for the first, `runs_due` (0001: runs with a due time) for the second.
 */
import type { Kysely } from "kysely";
import type { StrataSchema } from "../schema.js";
import { OPEN_STATUSES } from "../version-rows.js";

/** Running and waiting runs per tenant. */
export async function countOpenRuns(
  db: Kysely<StrataSchema>,
): Promise<{ tenantId: string; status: "running" | "waiting"; runs: number }[]> {
  const rows = await db
    .selectFrom("runs")
    .select(["tenant_id", "status", (eb) => eb.fn.countAll<number>().as("runs")])
    // Literals, not parameters: SQLite uses a partial index only when it can prove the
    // query's condition implies the index's, which a bound parameter never lets it.
    .where("status", "in", OPEN_STATUSES)
    .groupBy(["tenant_id", "status"])
    .execute();
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    status: row.status as "running" | "waiting",
    runs: Number(row.runs),
  }));
}

/** Runs due at `now` that no live lease holds, and the earliest due time among them. */
export async function countDueRuns(
  db: Kysely<StrataSchema>,
  now: string,
): Promise<{ runs: number; oldest: string | null }> {
  const row = await db
    .selectFrom("runs")
    .select([(eb) => eb.fn.countAll<number>().as("runs"), (eb) => eb.fn.min("due_at").as("oldest")])
    .where("due_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
    .executeTakeFirst();
  return { runs: Number(row?.runs ?? 0), oldest: row?.oldest ?? null };
}
